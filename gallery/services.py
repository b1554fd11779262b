"""Changes to a user's images: create from an upload or an import, update, delete."""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError
from django.utils import timezone
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError

from accounts.models import User
from gallery.imaging import ImageInfo, ImageRejected, inspect_image
from gallery.models import Image, TermCount
from gallery.selectors import image_by_content
from gallery.storage import original_name, rendition_name, version_rendition_name
from gallery.terms import (
    ALL,
    LIBRARY,
    camera_name,
    counted_terms,
    document_terms,
    document_visibility,
    facet_counts_delta,
    image_terms,
    is_facet,
    place_facets,
    visibility_of,
)
from imagesite.mongo import collection_for
from jobs.models import Job
from jobs.services import job_record, job_send, jobs_record, jobs_send, jobs_supersede

INGEST_TASK = "gallery.tasks.image_ingest_task"  # by name: the task module imports this one
STORAGE_FAILED = (
    "The server could not store the file (its storage is not writable), so nothing was kept. "
    "Please try again later."
)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadResult:
    name: str
    outcome: str  # "stored", "duplicate" or "refused"
    message: str
    image: Image | None = None


def image_create(
    *,
    owner: User,
    file: IO[bytes],
    name: str,
    source: str = Image.Source.UPLOAD,
    source_url: str = "",
    source_page: str = "",
    scrape_run_id: ObjectId | None = None,
    phash: str = "",
    title: str = "",
) -> tuple[Image, bool]:
    """Check the bytes, write the original, record the ingest job, write the document, then
    send the job: a crash leaves an orphan file (the orphans sweep removes it) or a job the jobs
    sweep sends, never a document without its file or its job.

    Returns the image and whether it is new; an exact duplicate of one of the owner's images
    returns that image. Raises ValidationError with a message for the user; a refused file
    leaves nothing behind.
    """
    info = image_inspect(file=file)
    if existing := image_by_content(owner_id=owner.pk, sha256=info.sha256):
        return existing, False
    image = image_stage(
        owner=owner,
        file=file,
        info=info,
        name=name,
        source=source,
        source_url=source_url,
        source_page=source_page,
        scrape_run_id=scrape_run_id,
        phash=phash,
        title=title,
    )
    if images_commit(owner=owner, images=[image]):
        return image, True
    # the same file uploaded twice at once: the other request won
    return Image.objects.get(owner=owner, sha256=info.sha256), False


def image_inspect(*, file: IO[bytes]) -> ImageInfo:
    """Validation by content (image_create's first step): ValidationError for the user."""
    try:
        return inspect_image(
            file=file, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS
        )
    except ImageRejected as error:
        raise ValidationError(str(error), code=error.code) from None


def image_stage(
    *,
    owner: User,
    file: IO[bytes],
    info: ImageInfo,
    name: str,
    source: str = Image.Source.UPLOAD,
    source_url: str = "",
    source_page: str = "",
    scrape_run_id: ObjectId | None = None,
    phash: str = "",
    title: str = "",
) -> Image:
    """The image of a checked file, its original written, not in the database yet
    (`images_commit`); ValidationError(code="storage") if the original can't be written."""
    image = Image(
        owner=owner,
        source=source,
        source_url=source_url,
        source_page=source_page,
        scrape_run_id=scrape_run_id,  # type: ignore[misc]  # an ObjectId, which the stubs ignore
        phash=phash,
        sha256=info.sha256,
        format=info.format,
        width=info.width,
        height=info.height,
        size_bytes=info.size_bytes,
        original_name=name[:255],
        title=title[:200] or _title_from(name),
    )
    image_terms_set(image=image)
    file.seek(0)
    try:
        image.original.save(
            original_name(owner_id=owner.pk, sha256=info.sha256, extension=info.extension),
            File(file),
            save=False,
        )
    except OSError as error:
        logger.error("could not store an original: %s", error)
        raise ValidationError(STORAGE_FAILED, code="storage") from None
    image.pk = ObjectId()
    return image


def images_commit(*, owner: User, images: list[Image]) -> list[Image]:
    """Record the ingest jobs of staged images (`image_stage`, all of one owner), write the
    documents, count their facets, then send the jobs: image_create's order, with one write of
    each kind for them all. Returns the images written; one whose content the owner has
    meanwhile (the same file uploaded twice at once) is left out and its job deleted."""
    if not images:
        return []
    jobs = jobs_record(jobs=[_ingest_job_new(image) for image in images])
    written = _images_insert(images)
    kept = {image.pk for image in written}
    if lost := [job.pk for job in jobs if job.image_id not in kept]:
        Job.objects.filter(pk__in=lost).delete()
    if not written:
        return []
    delta: Counter[str] = Counter()
    for image in written:
        delta.update(facet_counts_delta([], image.terms))
    # new images have no place yet (ingest names it); the batch widens the oldest and newest
    first = min(written, key=lambda image: image.uploaded_at)
    last = max(written, key=lambda image: image.uploaded_at)
    term_counts_add(owner_id=owner.pk, delta=dict(delta), moments=_moments(first))
    if last is not first:
        term_counts_add(owner_id=owner.pk, delta={}, moments=_moments(last))
    jobs_send(jobs=[job for job in jobs if job.image_id in kept])
    return written


def _images_insert(images: list[Image]) -> list[Image]:
    try:
        Image.objects.bulk_create(images)
    except IntegrityError:  # one was uploaded meanwhile: the insert stopped there
        stored = set(
            Image.objects.filter(pk__in=[image.pk for image in images]).values_list("pk", flat=True)
        )
        return [image for image in images if image.pk in stored or _image_insert(image)]
    return images


def _image_insert(image: Image) -> bool:
    try:
        image.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def image_ingest_enqueue(*, image: Image) -> Job:
    """Queue the ingest again (the sweep): the unfinished jobs it replaces end."""
    jobs_supersede(image_id=image.pk, kind=Job.Kind.INGEST)
    job = _ingest_job(image)
    job_send(job=job)
    return job


def _ingest_job(image: Image) -> Job:
    return job_record(
        task=INGEST_TASK,
        kind=Job.Kind.INGEST,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=(str(image.pk),),
    )


def _ingest_job_new(image: Image) -> Job:
    """The ingest job of an image, unsaved (`jobs_record`), as `_ingest_job` records it."""
    return Job(
        pk=ObjectId(),  # type: ignore[misc]  # django-stubs: ObjectId ids
        task=INGEST_TASK,
        kind=Job.Kind.INGEST,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=[str(image.pk)],
    )


def upload_accept(*, owner: User, files: list[UploadedFile]) -> list[UploadResult]:
    return [
        upload_result(owner=owner, file=upload, name=upload.name or "unnamed") for upload in files
    ]


def upload_result(*, owner: User, file: IO[bytes], name: str) -> UploadResult:
    """One uploaded file, checked and stored (or refused), as the upload page reports it."""
    try:
        image, created = image_create(owner=owner, file=file, name=name)
    except ValidationError as error:
        return UploadResult(name, "refused", " ".join(error.messages))
    if created:
        return UploadResult(name, "stored", "Added to your gallery.", image)
    return UploadResult(name, "duplicate", "Already in your gallery: not stored twice.", image)


def image_update(*, image: Image, title: str, description: str, tags: list[str]) -> Image:
    image.title = title
    image.description = description
    image.tags = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    image.full_clean(exclude=["original", "thumbnail", "preview", "detections"])
    image.save(update_fields=["title", "description", "tags"])
    image.terms = image_terms_refresh(image_id=image.pk)
    return image


def image_files(*, image: Image) -> list[str]:
    """Every stored file that belongs to the image: original, renditions, versions, masks."""
    names = [image.original.name, image.thumbnail.name, image.preview.name]
    for version_id, file_name, mask_name in image.versions.values_list("pk", "file", "mask"):
        names += [file_name, mask_name]
        names += [
            version_rendition_name(
                owner_id=image.owner_id,
                version_id=version_id,  # type: ignore[arg-type]  # an ObjectId, the stubs say int
                size=size,
            )
            for size in settings.RENDITION_SIZES
        ]
    return [name for name in names if name]


def image_delete(*, image: Image) -> None:
    """Delete the documents first, then the files (a crash in between leaves orphan files for
    the orphan sweep, never a document pointing at missing files)."""
    names = image_files(image=image)
    Image.objects.filter(pk=image.pk).update(current_version=None)
    image.versions.all().delete()
    Job.objects.filter(image=image).delete()
    before = collection_for(Image).find_one({"_id": image.pk}, _COUNTED)
    image.delete()
    if before is not None:
        term_counts_add(owner_id=image.owner_id, delta=facet_counts_delta(_counted(before), []))
    for name in names:
        default_storage.delete(name)
    # an ingest running now may have written renditions the document does not name yet
    renditions_delete(owner_id=image.owner_id, sha256=image.sha256)


def renditions_delete(*, owner_id: ObjectId, sha256: str) -> None:
    """Remove an image's renditions by their names, which depend on its content alone, unless
    another image of the owner (the same file uploaded again) uses them."""
    if image_by_content(owner_id=owner_id, sha256=sha256):
        return
    for size in settings.RENDITION_SIZES:
        default_storage.delete(rendition_name(owner_id=owner_id, sha256=sha256, size=size))


def images_delete(*, owner: User, image_ids: list[ObjectId]) -> int:
    images = list(Image.objects.filter(owner=owner, pk__in=image_ids))
    for image in images:
        image_delete(image=image)
    return len(images)


def _title_from(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip()[:200]


# The fields an image's terms come from (gallery.terms.document_terms), and what is counted.
TERM_SOURCES = dict.fromkeys(
    ["title", "description", "tags", "detections", "camera_make", "camera_model", "format"]
    + ["source", "owner_id", "hidden", "taken_at", "uploaded_at", "face_count"]
    + ["place_country", "place_region", "place_city"]
    + ["album_ids", "favourite", "archived", "trashed_at"],
    1,
)
_COUNTED = {"terms": 1, "visibility": 1}


def image_terms_set(*, image: Image) -> None:
    """Set the terms and the taken order's key of an unsaved image (no query), e.g. before
    image.save() or bulk_create; the facet counts follow with term_counts_add or rebuild."""
    image.terms = image_terms(
        title=image.title,
        description=image.description,
        tags=image.tags,
        labels=image.labels,
        camera=camera_name(image.camera_make, image.camera_model),
        format=image.format,
        source=image.source,
        taken=image.taken_at or image.uploaded_at,
        uploaded=image.uploaded_at,
        zone=timezone.get_default_timezone(),
        place=(image.place_country, image.place_region, image.place_city),
        albums=image.album_ids or [],
        favourite=image.favourite,
        face_count=image.face_count,
    )
    image.sort_taken_at = image.taken_at or image.uploaded_at
    image.visibility = visibility_of(
        hidden=image.hidden, trashed=image.trashed_at is not None, archived=image.archived
    )


def image_terms_refresh(*, image_id: ObjectId) -> list[str]:
    """Recompute an image's terms and visibility from its stored fields and move the owner's
    facet counts by the difference; call it wherever title, description, tags, detections,
    camera, format, place, dates, albums, favourite, archive, trash or hiding change.
    Idempotent: the counts move by what the write really changed."""
    images = collection_for(Image)
    document = images.find_one({"_id": image_id}, TERM_SOURCES)
    if document is None:
        return []
    terms = document_terms(document, zone=timezone.get_default_timezone())
    visibility = document_visibility(document)
    taken = document.get("taken_at") or document.get("uploaded_at")
    before = images.find_one_and_update(
        {"_id": image_id},
        {"$set": {"terms": terms, "sort_taken_at": taken, "visibility": visibility}},
        projection=_COUNTED,
        return_document=ReturnDocument.BEFORE,
    )
    if before is not None:
        after = counted_terms(terms, visibility)
        term_counts_add(
            owner_id=document["owner_id"],
            delta=facet_counts_delta(_counted(before), after),
            moments={"uploaded_at": document.get("uploaded_at"), "sort_taken_at": taken},
            labels=place_facets(*(document.get(f"place_{part}") or "" for part in _PLACE_PARTS)),
        )
    return terms


_PLACE_PARTS = ("country", "region", "city")


def images_hide(*, images: Iterable[Image], hidden: bool) -> int:
    """Hide images from their owners' galleries (a moderator's action, apart from the owner's
    archive and trash: the owner sees them only as hidden), or show them again."""
    changed = 0
    for image in images:
        if Image.objects.filter(pk=image.pk, hidden=not hidden).update(hidden=hidden):
            image_terms_refresh(image_id=image.pk)
            changed += 1
    return changed


def term_counts_add(
    *,
    owner_id: ObjectId,
    delta: dict[str, int],
    moments: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> None:
    """Move an owner's facet counts ($inc, upserting new terms); `moments` (sort field ->
    value) widen the owner's oldest and newest keys, where the gallery's orders start;
    `labels` (term -> name as written) name the terms that gain an image (places)."""
    labels = labels or {}
    writes = [
        UpdateOne(
            {"owner_id": owner_id, "term": term},
            {"$inc": {"count": n}, **({"$set": {"label": labels[term]}} if term in labels else {})},
            upsert=True,
        )
        for term, n in delta.items()
    ]
    if moments := {name: value for name, value in (moments or {}).items() if value}:
        oldest = {f"oldest.{name}": value for name, value in moments.items()}
        newest = {f"newest.{name}": value for name, value in moments.items()}
        writes.append(
            UpdateOne(
                {"owner_id": owner_id, "term": ALL},
                {"$min": oldest, "$max": newest, "$setOnInsert": {"count": 0}},
                upsert=True,
            )
        )
    if not writes:
        return
    try:
        collection_for(TermCount).bulk_write(writes, ordered=False)
    except BulkWriteError as error:  # two first upserts of a term at once: one lost the race
        failed = {item["index"] for item in error.details.get("writeErrors", [])}
        collection_for(TermCount).bulk_write([writes[index] for index in failed], ordered=False)


def term_counts_rebuild(*, owner_id: ObjectId) -> None:
    """Count an owner's facets afresh from the images (after bulk imports; repairs drift)."""
    counts: Counter[str] = Counter()
    fields = {**_COUNTED, "uploaded_at": 1, "sort_taken_at": 1}
    fields |= {f"place_{part}": 1 for part in _PLACE_PARTS}
    oldest: dict[str, Any] = {}
    newest: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for document in collection_for(Image).find({"owner_id": owner_id}, fields):
        labels |= place_facets(*(document.get(f"place_{part}") or "" for part in _PLACE_PARTS))
        for name in ("uploaded_at", "sort_taken_at"):
            if value := document.get(name):
                oldest[name] = min(oldest.get(name, value), value)
                newest[name] = max(newest.get(name, value), value)
        counts.update(term for term in _counted(document) if is_facet(term))
    collection = collection_for(TermCount)
    collection.delete_many({"owner_id": owner_id})
    rows = [
        {"owner_id": owner_id, "term": term, "count": n, "label": labels.get(term, "")}
        for term, n in counts.items()
    ]
    rows = [row for row in rows if row["term"] != ALL]
    rows.append(
        {
            "owner_id": owner_id,
            "term": ALL,
            "count": counts[ALL],
            "oldest": oldest,
            "newest": newest,
        }
    )
    collection.insert_many(rows)


def _moments(image: Image) -> dict[str, Any]:
    return {"uploaded_at": image.uploaded_at, "sort_taken_at": image.sort_taken_at}


def _counted(document: dict[str, Any]) -> list[str]:
    """The terms an image document adds to its owner's facet counts (gallery.terms)."""
    return counted_terms(document.get("terms") or [], document.get("visibility") or LIBRARY)
