"""The benchmarks' image library: realistic titles, tags, labels, cameras and dates, as ingest
and recognition leave them, written fast and checked to be what the app itself would write.

    library_build(owners=[(user, 10_000), (other, 10_000)], seed=1)

The documents are made in Python (every field of the model, the terms from the app's own
gallery.terms) and written with pymongo's insert_many in batches of BATCH, into the collection
with the app's indexes (made by its migrations). Measured on SecantusDB (2 loaded cores, 2 x
2,000 images, ~67 terms an image, so ~150 index entries an image): the ORM's bulk_create in
batches of 250 (the builder before) took 71 s; insert_many in batches of 2,000 took 26 s;
insert_many with the indexes dropped took 1.9 s, but creating one terms index afterwards took
119 s (SecantusDB builds an index over a full collection entry by entry, far slower than
keeping it during the inserts), so the indexes stay. The server's cost
per index entry bounds the rate, and it falls as the collection grows: 8,000 images of one
owner went in at 165/s for the first 1,000 and 52-70/s past 6,000 (99 s in all, two runs side by
side; the same with --standalone, so not the oplog, although py-spy had seen the insert thread in
its prune walk). A 2 x 10,000 build of bench/gallery.py on the shared machine at load 13-18 had
8,000 in after 33 minutes; the cause of that run's much lower rate is not known.
Before each load,
library_check() saves a sample through the ORM the way the app does (Image objects,
services.image_terms_set, bulk_create) and asserts that the raw documents equal the built ones,
so the benchmark reads the same documents and indexes the app would have.

Used by bench/gallery.py and bench/api.py (after _django.django_start).
"""

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

PLACES = ["harbour", "garden", "street", "beach", "mountain", "market", "station", "park"]
MOMENTS = ["sunset", "morning", "dusk", "night", "rain", "snow", "party", "walk"]
PEOPLE = ["", "", "", "with Anna", "with the kids", "family", "friends"]
TAGS = ["sea", "summer", "city", "friends", "family", "holiday", "night", "winter", "food"]
LABELS = ["person"] * 5 + ["dog", "cat", "car", "bicycle", "bird", "boat", "bench", "cup"]
FORMATS = ["JPEG"] * 7 + ["PNG", "WEBP", "HEIF", "GIF"]
CAMERAS = [("Canon", "EOS 40D"), ("NIKON", "D750"), ("Apple", "iPhone 13"), ("", ""), ("", "")]
# (country, region, city) as ingest names them; most photos have no GPS
TOWNS = [("Italy", "Tuscany", "Arezzo"), ("Italy", "Tuscany", "Florence")]
TOWNS += [("France", "Île-de-France", "Paris"), ("Japan", "Kyoto", "Kyoto")]
TOWNS += [("", "", "")] * 6
# two albums (5% and 0.5% of the images): their ids are all an image stores of them
ALBUMS = [ObjectId("64b000000000000000000001"), ObjectId("64b000000000000000000002")]
START = datetime(2023, 6, 1, tzinfo=UTC)
BATCH = 1_000  # documents per insert_many (SecantusDB commits 1,000 at a time)
SAMPLE = 40  # images the check saves through the ORM


def image_fields(
    *, rng: random.Random, owner_id: ObjectId, number: int, seed: int
) -> dict[str, Any]:
    """The values of one ready image that differ from the model's defaults (field names)."""
    uploaded = START + timedelta(seconds=rng.randrange(3 * 365 * 86400))
    make, model = rng.choice(CAMERAS)
    country, region, city = rng.choice(TOWNS)
    faces = rng.choice([None, 0, 0, 1, 2, 7])
    title = f"{rng.choice(PLACES).title()} {rng.choice(['at', 'in the', ''])} {rng.choice(MOMENTS)}"
    return {
        "owner_id": owner_id,
        "original": f"{owner_id}/originals/{number:06d}.jpg",
        "thumbnail": f"{owner_id}/renditions/{number:06d}_thumb.webp",
        "preview": f"{owner_id}/renditions/{number:06d}_preview.webp",
        "title": f"{title} {rng.choice(PEOPLE)}".strip()
        if rng.random() < 0.6
        else f"IMG_{number:04d}",
        "description": rng.choice(["", "", "", "A long walk along the harbour wall."]),
        "tags": sorted(rng.sample(TAGS, rng.choice([0, 0, 1, 2, 3]))),
        "format": rng.choice(FORMATS),
        "width": rng.choice([4000, 3024, 1600]),
        "height": 3000,
        "size_bytes": rng.randrange(50_000, 9_000_000),
        "sha256": f"{seed:02d}{number:062d}",
        "phash": f"{rng.getrandbits(64):016x}",
        "uploaded_at": uploaded,
        "taken_at": uploaded - timedelta(hours=rng.randrange(24 * 60)) if make else None,
        "camera_make": make,
        "camera_model": model,
        "place_country": country,
        "place_region": region,
        "place_city": city,
        "source": "scrape" if rng.random() < 0.1 else "upload",
        "status": "ready",
        "face_count": faces,
        "favourite": rng.random() < 0.1,
        "archived": rng.random() < 0.05,
        "trashed_at": uploaded if rng.random() < 0.03 else None,
        "album_ids": [
            album
            for album, share in zip(ALBUMS, (0.05, 0.005), strict=True)
            if rng.random() < share
        ],
        "detections": [
            {"label": label, "score": 0.8, "box": [0.1, 0.1, 0.5, 0.5]}
            for label in set(rng.sample(LABELS, rng.choice([0, 1, 1, 2, 3])))
        ],
    }


def _defaults() -> list[tuple[str, str, Any]]:
    """(field name, document key, default) of every stored field of Image, in model order."""
    from gallery.models import Image

    fields = [f for f in Image._meta.concrete_fields if f.column != "_id"]
    return [(f.attname, f.column, f.get_default()) for f in fields]


def documents(*, owner_id: ObjectId, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """`count` image documents as the app stores them: every model field, the terms and the
    taken order's key computed by gallery.terms (as services.image_terms_set does)."""
    from django.utils import timezone

    from gallery.terms import document_terms, document_visibility

    rng = random.Random(seed)  # noqa: S311 - test data
    defaults = _defaults()
    for number in range(count):
        values = image_fields(rng=rng, owner_id=owner_id, number=number, seed=seed)
        document: dict[str, Any] = {"_id": ObjectId()}
        for name, column, default in defaults:
            document[column] = values.get(name, values.get(column, default))
        document["terms"] = document_terms(document, zone=timezone.get_default_timezone())
        document["sort_taken_at"] = document["taken_at"] or document["uploaded_at"]
        document["visibility"] = document_visibility(document)
        yield document


def orm_images(*, owner: Any, count: int, seed: int) -> list[Any]:
    """The same images as documents(), as the app makes them: Image objects, their terms set by
    services.image_terms_set (unsaved)."""
    from gallery.models import Detection, Image
    from gallery.services import image_terms_set

    rng = random.Random(seed)  # noqa: S311 - test data
    images = []
    for number in range(count):
        values = image_fields(rng=rng, owner_id=owner.pk, number=number, seed=seed)
        values.pop("owner_id")
        values["detections"] = [Detection(**item) for item in values["detections"]]
        image = Image(owner=owner, **values)
        image_terms_set(image=image)
        images.append(image)
    return images


def library_check(*, owner: Any, seed: int) -> None:
    """Save SAMPLE images through the ORM and assert that their raw documents equal (field by
    field, in order) the built ones; removes them again. Raises AssertionError on a mismatch."""
    from gallery.models import Image
    from imagesite.mongo import collection_for

    images = Image.objects.bulk_create(orm_images(owner=owner, count=SAMPLE, seed=seed))
    collection = collection_for(Image)
    try:
        saved = {d["sha256"]: d for d in collection.find({"_id": {"$in": [i.pk for i in images]}})}
        built = list(documents(owner_id=owner.pk, count=SAMPLE, seed=seed))
        for document in built:
            ours = _as_read(document)
            theirs = saved[document["sha256"]]
            ours.pop("_id"), theirs.pop("_id")
            assert list(ours) == list(theirs), f"fields differ: {list(ours)} != {list(theirs)}"
            assert ours == theirs, f"image {document['sha256']} differs from the app's: " + str(
                {k: (ours[k], theirs.get(k)) for k in ours if ours[k] != theirs.get(k)}
            )
    finally:
        collection.delete_many({"_id": {"$in": [i.pk for i in images]}})


def _as_read(document: dict[str, Any]) -> dict[str, Any]:
    """A built document as pymongo reads it back: datetimes naive, in UTC."""
    return {
        key: value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value
        for key, value in document.items()
    }


def library_build(*, owners: list[tuple[Any, int]], seed: int = 1, verbose: bool = True) -> float:
    """Build every (owner, count) library: checked against the app's own writes, inserted in
    batches of BATCH with the app's indexes in place, facet counts rebuilt. Returns the seconds."""
    from gallery.models import Image
    from gallery.services import term_counts_rebuild
    from imagesite.mongo import collection_for

    started = time.perf_counter()
    for number, (owner, _) in enumerate(owners):
        library_check(owner=owner, seed=seed + number)
    collection = collection_for(Image)
    inserted = 0
    for number, (owner, count) in enumerate(owners):
        batch: list[dict[str, Any]] = []
        for document in documents(owner_id=owner.pk, count=count, seed=seed + number):
            batch.append(document)
            if len(batch) == BATCH:
                _insert(collection, batch)
                inserted += len(batch)
                batch = []
                if verbose and inserted % (10 * BATCH) == 0:
                    rate = inserted / (time.perf_counter() - started)
                    print(f"  {inserted:,} images, {rate:.0f}/s", flush=True)
        _insert(collection, batch)
        stored = collection.count_documents({"owner_id": owner.pk})
        assert stored == count, f"{stored} images of {count} stored"
    for owner, _ in owners:
        term_counts_rebuild(owner_id=owner.pk)
    return time.perf_counter() - started


def _insert(collection: Any, batch: list[dict[str, Any]]) -> None:
    """insert_many; a batch that pymongo sent again after a lost reply (a retryable write, on a
    busy machine) finds its documents there already: those duplicates are no error."""
    from pymongo.errors import BulkWriteError

    if not batch:
        return
    try:
        collection.insert_many(batch, ordered=False)
    except BulkWriteError as error:
        if any(item["code"] != 11000 for item in error.details.get("writeErrors", [])):
            raise
