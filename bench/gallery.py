"""Gallery page server time at 10,000 images a user (--quick: 2,000; --full adds a run at
100,000), per query kind, through the view (cursor paging on the term indexes) and, as the
baseline in the same run, through the plain ORM query that answers the same question.

    .venv/bin/python bench/gallery.py [--quick | --full]

Keys examined per page: explain() of every window read of a page of 48, divided by 48.
The count ("1,234 images") is its own request, loaded by the page once it is shown (stored
counts come with the page): timed apart, as `count p95`, and count_p95_ms on the last line.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from _django import django_start, percentile, web_process_settle
from bson import ObjectId
from library_build import ALBUMS, library_build

PAGE = 48
# albums of about 5 % and 0.5 % of the library; favourites 10 %, archive 5 %, trash 3 %
KINDS: dict[str, dict[str, str]] = {
    "default": {},
    "format": {"format": "PNG"},
    "label": {"label": "dog"},
    "one-word search": {"q": "harbour"},
    "two-word search": {"q": "harbour sunset"},
    "prefix search": {"q": "harb"},
    "taken-date sort": {"sort": "taken"},
    "date range": {"date_from": "2025-03-01", "date_to": "2025-04-15"},
    "place": {"place": "Italy/Tuscany/Arezzo"},
    "oldest first": {"sort": "uploaded_asc"},
    "jump to a month": {"jump": "2024-09"},
    "album": {"album": str(ALBUMS[0])},
    "small album": {"album": str(ALBUMS[1]), "sort": "taken"},
    "favourites": {"favourite": "on"},
    "archive": {"visibility": "archive"},
    "archive search": {"visibility": "archive", "q": "harbour"},
    "trash": {"visibility": "trash"},
    "deep page 50": {},
}


def orm_query(owner: Any, query: dict[str, str], offset: int) -> list[Any]:
    """The plain ORM query for the same page: the baseline."""
    from django.db.models import Q

    from gallery.models import Image

    images = Image.objects.filter(owner=owner, hidden=False)
    visibility = query.get("visibility", "library")
    if visibility == "trash":
        images = images.filter(trashed_at__isnull=False)
    else:
        images = images.filter(trashed_at__isnull=True, archived=visibility == "archive")
    if "favourite" in query:
        images = images.filter(favourite=True)
    if "album" in query:
        images = images.filter(album_ids__contains=[ObjectId(query["album"])])
    if "format" in query:
        images = images.filter(format=query["format"])
    if "label" in query:
        images = images.filter(detections__label=query["label"])
    if "place" in query:
        country, region, city = query["place"].split("/")
        images = images.filter(place_country=country, place_region=region, place_city=city)
    for word in query.get("q", "").split():
        images = images.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__contains=[word])
        )
    sort = query.get("sort", "uploaded")
    field = "sort_taken_at" if sort.startswith("taken") else "uploaded_at"
    sign = "" if sort.endswith("_asc") else "-"
    if "date_from" in query:
        images = images.filter(
            uploaded_at__gte=datetime.fromisoformat(query["date_from"] + "T00:00+00:00")
        )
        images = images.filter(
            uploaded_at__lt=datetime.fromisoformat(query["date_to"] + "T00:00+00:00")
        )
    if "jump" in query:  # the timeline's jump: from the month's end on (newest first)
        year, month = (int(part) for part in query["jump"].split("-"))
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        images = images.filter(uploaded_at__lt=following)
    return list(images.order_by(f"{sign}{field}", f"{sign}id")[offset : offset + PAGE + 1])


def deep_url(client: Any, pages: int) -> str:
    """The "more" link of page `pages` - 1, followed from the first page."""
    url = "/gallery/"
    for _ in range(pages - 1):
        body = client.get(url, headers={"HX-Request": "true"}).content.decode()
        url = body.split('class="more" hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    return url


def timed(call: Any, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def examined_per_page(owner: Any, query: dict[str, str], cursor_text: str) -> float:
    """Keys examined (explain) by every window read of one page of 48, per image shown."""
    from django.http import QueryDict

    from gallery import selectors
    from gallery.forms import GalleryFilterForm
    from imagesite.mongo import collection_for

    reads: list[tuple[dict[str, Any], Any]] = []

    class Spy:
        def __init__(self, collection: Any) -> None:
            self.collection = collection

        def find(self, filter_: dict[str, Any], projection: Any = None) -> Any:
            reads.append((filter_, projection))
            return self.collection.find(filter_, projection)

    original = selectors.collection_for
    selectors.collection_for = lambda model: Spy(collection_for(model))  # type: ignore[assignment]
    try:
        params = QueryDict(mutable=True)
        params.update(query)
        facets = selectors.facets_get(owner_id=owner.pk)
        plan = selectors.gallery_plan(
            owner_id=owner.pk, filters=GalleryFilterForm(params).to_filter(), facets=facets
        )
        reads.clear()
        cursor = selectors.Cursor.parse(cursor_text)
        if "jump" in query:
            cursor = selectors.month_cursor(plan=plan, month=query["jump"])
        page = selectors.image_page(plan=plan, cursor=cursor, size=PAGE)
    finally:
        selectors.collection_for = original
    keys = sum(
        collection_for(__import__("gallery.models").models.Image)
        .find(f, p)
        .explain()["executionStats"]["totalKeysExamined"]
        for f, p in reads
    )
    return keys / max(len(page.images), 1)


def run(
    count: int, repeats: int, kinds: list[str], orm_repeats: int
) -> tuple[float, str, float, float, float, float]:
    from django.test import Client

    from accounts.models import User

    owner = User.objects.create_user(username=f"owner{count}", email=f"o{count}@example.com")
    other = User.objects.create_user(username=f"other{count}", email=f"x{count}@example.com")
    built = library_build(owners=[(owner, count), (other, count)], seed=1)
    print(f"{2 * count:,} images ({count:,} measured, {count:,} of another user) in {built:.1f} s")
    client = Client()
    client.force_login(owner)
    depth = min(50, count * 9 // 10 // PAGE - 1)  # 2,000 images: ~1,840 in the library, 38 pages
    deep = deep_url(client, depth)
    print(f"deep page: {depth}")
    web_process_settle()
    cursor_text = deep.split("after=", 1)[1].split("&", 1)[0]
    print(
        f"{'kind':<18} {'p50 ms':>8} {'p95 ms':>8} {'ORM p50':>8} {'ORM p95':>8} {'keys/page':>9}"
        f" {'count p50':>9} {'count p95':>9}"
    )
    worst, worst_kind, worst_examined, worst_orm, worst_count = 0.0, "", 0.0, 0.0, 0.0
    for kind in kinds:
        query = KINDS[kind]
        url = deep if kind == "deep page 50" else "/gallery/"
        params = {} if kind == "deep page 50" else query
        client.get(url, params, headers={"HX-Request": "true"})  # warm
        ours = timed(partial(client.get, url, params, headers={"HX-Request": "true"}), repeats)
        offset = (depth - 1) * PAGE if kind == "deep page 50" else 0
        orm = timed(partial(orm_query, owner, query, offset), orm_repeats)
        examined = examined_per_page(owner, query, cursor_text if kind == "deep page 50" else "")
        # the count request the page loads (a deep page shows no count: the default one)
        count_params = {} if kind == "deep page 50" else query
        counts = timed(partial(client.get, "/gallery/count/", count_params), repeats)
        p95, orm_p95, count_p95 = (percentile(t, 0.95) for t in (ours, orm, counts))
        print(
            f"{kind:<18} {statistics.median(ours):>8.1f} {p95:>8.1f} "
            f"{statistics.median(orm):>8.1f} {orm_p95:>8.1f} {examined:>9.2f} "
            f"{statistics.median(counts):>9.1f} {count_p95:>9.1f}"
        )
        if p95 > worst:
            worst, worst_kind = p95, kind
        worst_examined, worst_orm = max(worst_examined, examined), max(worst_orm, orm_p95)
        worst_count = max(worst_count, count_p95)
    return worst, worst_kind, worst_examined, worst_orm, worst_count, float(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 images a user")
    parser.add_argument("--full", action="store_true", help="also 100,000 images a user")
    parser.add_argument("--kinds", default="", help="only these query kinds (comma-separated)")
    args = parser.parse_args()
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    os.environ.setdefault("DJANGO_DEBUG", "false")  # as in production; no query log
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("MONGODB_SOCKET_TIMEOUT_MS", "900000")  # bulk inserts on a busy host
    # a busy server that answers a heartbeat late must not be dropped mid-insert by the driver
    os.environ.setdefault("MONGODB_TIMEOUT_MS", "30000")
    django_start(name="gallery")
    count, repeats = (2_000, 12) if args.quick else (10_000, 20)
    started = time.perf_counter()
    worst, kind, examined, orm, count_p95, images = run(count, repeats, kinds, max(3, repeats // 3))
    extra = ""
    if args.full:  # the ORM's full scans take half a minute each at 100,000: one of each
        big = run(100_000, 10, kinds, 1)
        extra = (
            f" p95_100k_ms={big[0]:.1f} worst_100k={big[1].replace(' ', '-')}"
            f" examined_100k={big[2]:.2f} count_p95_100k_ms={big[4]:.1f}"
        )
    print(f"bench took {time.perf_counter() - started:.0f} s")
    print(
        f"gallery: p95_ms={worst:.1f} worst={kind.replace(' ', '-')} "
        f"examined_per_page={examined:.2f} orm_p95_ms={orm:.1f} speedup={orm / worst:.1f} "
        f"images={int(images)} count_p95_ms={count_p95:.1f}{extra}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
