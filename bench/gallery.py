"""Gallery page server time for a user with 10,000 images, queries per page, and the same pages
without the gallery's indexes as the baseline.

    .venv/bin/python bench/gallery.py [--quick]
"""

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from _django import django_start, percentile

# The upload order (default, deep pages, format and source filters) pages by cursor; the other
# orders and searches go through the ORM and are reported apart.
UPLOAD_ORDER = [{}, {"format": "PNG"}, {"source": "scrape"}]
OTHERS = [{"sort": "taken"}, {"label": "dog"}, {"q": "harbour"}]
LABELS = ["person", "dog", "cat", "car", "bicycle", "bird", "boat", "chair"]
FORMATS = ["JPEG"] * 6 + ["PNG", "WEBP", "HEIF", "GIF"]


def library_make(*, owner: object, count: int, seed: int) -> None:
    from gallery.models import Detection, Image

    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    batch = []
    for number in range(count):
        uploaded = start + timedelta(minutes=rng.randrange(525_600))
        labels = rng.sample(LABELS, rng.randrange(3))
        batch.append(
            Image(
                owner=owner,
                original=f"{owner.pk}/originals/{number:06d}.jpg",
                thumbnail=f"{owner.pk}/renditions/{number:06d}_thumb.webp",
                preview=f"{owner.pk}/renditions/{number:06d}_preview.webp",
                title=rng.choice(["Harbour", "Garden", "Street", "Family", ""]) + f" {number}",
                tags=rng.sample(["sea", "summer", "city", "friends"], rng.randrange(3)),
                format=rng.choice(FORMATS),
                width=rng.choice([4000, 3024, 1600]),
                height=3000,
                size_bytes=rng.randrange(50_000, 9_000_000),
                sha256=f"{seed:02d}{number:062d}",
                phash=f"{rng.getrandbits(64):016x}",
                uploaded_at=uploaded,
                taken_at=uploaded - timedelta(days=rng.randrange(30))
                if rng.random() < 0.8
                else None,
                source="scrape" if rng.random() < 0.1 else "upload",
                status="ready",
                detections=[
                    Detection(label=label, score=0.8, box=[0.1, 0.1, 0.5, 0.5]) for label in labels
                ],
            )
        )
        if len(batch) == 1000:
            Image.objects.bulk_create(batch)
            batch = []
    Image.objects.bulk_create(batch)


def page_times(
    client: object, *, queries: list[dict[str, str]], repeats: int, depth: int = 1
) -> list[float]:
    """Server time of each page; `depth` pages are followed by their "more" links."""
    times = []
    for _ in range(repeats):
        for query in queries:
            url, params = "/gallery/", dict(query)
            for _page in range(depth):
                started = time.perf_counter()
                response = client.get(url, params, headers={"HX-Request": "true"})
                times.append((time.perf_counter() - started) * 1000)
                body = response.content.decode()
                assert response.status_code == 200
                more = body.split('class="more" hx-get="', 1)
                if len(more) < 2:
                    break
                url, params = more[1].split('"', 1)[0].replace("&amp;", "&"), {}
    return times


def queries_per_page(client: object, *, size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(GALLERY_PAGE_SIZE=size), CaptureQueriesContext(connection) as queries:
        response = client.get("/gallery/", headers={"HX-Request": "true"})
    assert response.content.decode().count('class="card-image"') == size
    return len(queries)


def plan(owner: object) -> str:
    from django.db import connections

    collection = connections["default"].database["gallery_image"]
    window = {"$lte": datetime.now(UTC), "$gte": datetime.now(UTC) - timedelta(days=7)}
    explained = collection.find(
        {"owner_id": owner.pk, "hidden": False, "uploaded_at": window}, {"uploaded_at": 1}
    ).explain()
    stages, node = [], explained["queryPlanner"]["winningPlan"]
    while node:
        stages.append(node.get("stage", "?"))
        node = node.get("inputStage")
    return " <- ".join(stages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 images, fewer repeats")
    quick = parser.parse_args().quick
    count, repeats = (2_000, 3) if quick else (10_000, 8)
    django_start(name="gallery")
    from django.db import connections
    from django.test import Client

    from accounts.models import User

    owner = User.objects.create_user(username="owner", email="owner@example.com")
    other = User.objects.create_user(username="other", email="other@example.com")
    started = time.perf_counter()
    library_make(owner=owner, count=count, seed=1)
    library_make(owner=other, count=count, seed=2)
    print(
        f"documents: {2 * count:,} ({count:,} for the measured user) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(owner)
    page_times(client, queries=UPLOAD_ORDER, repeats=1)  # warm up
    queries = {size: queries_per_page(client, size=size) for size in (12, 48)}
    print(
        f"ORM queries per page: {queries[12]} for 12 images, {queries[48]} for 48 (plus the "
        "windowed reads of the upload order, one or a few per page)"
    )
    print(f"plan with indexes: {plan(owner)}")
    indexed = page_times(client, queries=UPLOAD_ORDER, repeats=repeats, depth=5)
    others = page_times(client, queries=OTHERS, repeats=1)

    collection = connections["default"].database["gallery_image"]
    for name in list(collection.index_information()):
        if name != "_id_":
            collection.drop_index(name)
    print(f"plan without:      {plan(owner)}")
    unindexed = page_times(client, queries=UPLOAD_ORDER, repeats=1, depth=5)

    median, p95 = statistics.median(indexed), percentile(indexed, 0.95)
    base_median, base_p95 = statistics.median(unindexed), percentile(unindexed, 0.95)
    print(f"with indexes:    median {median:.1f} ms, p95 {p95:.1f} ms over {len(indexed)} pages")
    print(f"without indexes: median {base_median:.1f} ms, p95 {base_p95:.1f} ms")
    print(
        f"other orders and searches (ORM, scan the collection): median "
        f"{statistics.median(others):.1f} ms, p95 {percentile(others, 0.95):.1f} ms"
    )
    print(
        f"gallery: p95_ms={p95:.1f} median_ms={median:.1f} queries={queries[48]} "
        f"noindex_p95_ms={base_p95:.1f} index_speedup={base_p95 / p95:.1f} "
        f"images={count} pages={len(indexed)} orm_search_median_ms={statistics.median(others):.0f}"
    )


if __name__ == "__main__":
    main()
