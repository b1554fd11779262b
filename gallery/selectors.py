"""Reads of a user's images; every read is scoped to its owner.

The gallery reads through one code path for every filter and order. SecantusDB, the embedded
database, uses an index only for a flat filter of equalities plus one range, and sorts in memory
whatever it matched, before any limit. So each read is

    {owner_id, visibility: "library", terms: <one term>, <sort key>: <a window of it>}

on the (owner, visibility, terms, sort key, _id) indexes (the archive, the trash and what a
moderator hid are the other values of `visibility`; an album is a term, `album:<id>`): one term of the filter (gallery.terms)
picks the candidates, the window of the sort key bounds them to about a page, and the other terms
are checked on those candidates. A search of several words reads through the pair term of two
of them (and, where the owner has any, the images with too many words to pair: `+`). Windows widen by the density they find and the page's cursor
carries the width that held a page, so the keys examined grow with the page size, not with the
library. A real mongod serves the same queries (and plans them better, not worse).
"""

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from bson import ObjectId
from bson.errors import InvalidId
from django.utils import timezone

from gallery.models import Album, Image, PartialUpload, TermCount
from gallery.terms import (
    ALL,
    FACET_KINDS,
    FAVOURITE,
    LIBRARY,
    OVERFLOW,
    facet,
    search_pair,
    search_terms,
    shelf_term,
)
from imagesite.mongo import collection_for

VISIBILITIES = tuple(Image.Visibility.values)
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF")
COUNT_CAP = 500  # past this many matches (none of the stored counts is exact) "more than"
FIRST_WINDOW = timedelta(days=1)
# Past these the windows stop stepping and read everything that is left (few images or none).
FLOOR = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
EARLIEST, LATEST = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)  # beyond now + AHEAD: camera clocks in the future
WORD_OVER_FACET = 0.05  # a facet on more than this share of the library: a search word is rarer


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool
    label: str


SORTS = {
    "uploaded": Sort("uploaded_at", True, "Newest uploads"),
    "uploaded_asc": Sort("uploaded_at", False, "Oldest uploads"),
    "taken": Sort("sort_taken_at", True, "Newest taken"),
    "taken_asc": Sort("sort_taken_at", False, "Oldest taken"),
}


@dataclass(frozen=True)
class GalleryFilter:
    q: str = ""
    format: str = ""
    source: str = ""
    label: str = ""
    tag: str = ""
    place: str = ""  # "Country", "Country/Region" or "Country/Region/City"
    faces: str = ""  # "any", "0", "1" ... "6+": a `faces:` facet value
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "uploaded"
    album: str = ""  # an album's id: its page (the album's owner is checked by the view)
    favourite: bool = False
    visibility: str = LIBRARY  # Image.Visibility: the library, the archive, the trash

    def terms(self) -> list[str]:
        """Every term an image must carry: the facets chosen, then the search words."""
        facets = [facet(kind, value) for kind in FACET_KINDS if (value := getattr(self, kind))]
        facets += [FAVOURITE] if self.favourite else []
        return list(dict.fromkeys(facets + search_terms(self.q)))


Key = tuple[datetime, ObjectId]  # (sort key, _id): an image's place in an order


@dataclass(frozen=True)
class Cursor:
    """Where a page starts (after `key`), with the window width that held the last page."""

    key: Key
    width: timedelta = FIRST_WINDOW

    def format(self) -> str:
        moment, object_id = self.key
        return f"{_millis(moment)}.{object_id}.{max(1, _millis_of(self.width))}"

    @classmethod
    def parse(cls, text: str) -> "Cursor | None":
        """The cursor of a page link; None (the first page) for anything malformed."""
        try:
            moment, object_id, width = text.split(".")
            key = (datetime.fromtimestamp(int(moment) / 1000, tz=UTC), ObjectId(object_id))
            return cls(key, timedelta(milliseconds=min(max(int(width), 1), 10**13)))
        except (ValueError, TypeError, InvalidId, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class Plan:
    """One read: the term the index serves, the terms checked on its candidates, the order and
    the date range [low, high) of the sort key."""

    owner_id: ObjectId
    term: str
    rest: frozenset[str]
    sort: Sort
    low: datetime | None = None
    high: datetime | None = None
    # the owner's oldest and newest sort key (None: not known; FLOOR and now + AHEAD then)
    oldest: datetime | None = None
    newest: datetime | None = None
    also: str = ""  # a second term read beside `term` (OVERFLOW beside a pair), "" for none
    visibility: str = LIBRARY

    @property
    def index_terms(self) -> tuple[str, ...]:
        return (self.term, self.also) if self.also else (self.term,)

    def reversed(self) -> "Plan":
        return replace(self, sort=replace(self.sort, descending=not self.sort.descending))


@dataclass(frozen=True)
class Page:
    images: list[Image]
    following: Cursor | None  # None: this is the last page


@dataclass(frozen=True)
class Facets:
    """An owner's facet counts (TermCount), read in one query for the page."""

    counts: dict[str, int] = field(default_factory=dict)
    # sort field -> (oldest, newest) of the owner's images: where every order starts and ends
    bounds: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)

    def choices(self, kind: str) -> list[str]:
        prefix = f"{kind}:"
        return sorted(
            t.removeprefix(prefix) for t, n in self.counts.items() if t.startswith(prefix) and n > 0
        )

    def months(self, sort: Sort) -> list[tuple[int, list[tuple[date, int]]]]:
        """The months that hold images in an order's date (taken, else uploaded; or uploaded),
        by year, newest first, with their counts: the timeline's jump, read from the stored
        month counts (gallery.terms), never from the images."""
        kind = "taken" if sort.field == "sort_taken_at" else "uploaded"
        years: dict[int, list[tuple[date, int]]] = {}
        for month in sorted(self.choices(kind), reverse=True):
            with suppress(ValueError):
                year, _, number = month.partition("-")
                first = date(int(year), int(number), 1)
                years.setdefault(first.year, []).append((first, self.counts[f"{kind}:{month}"]))
        return list(years.items())


@dataclass(frozen=True)
class PlaceCount:
    value: str  # the place filter's value: "Italy/Tuscany/Arezzo"
    name: str  # its last part: "Arezzo"
    count: int
    children: list["PlaceCount"] = field(default_factory=list)


def places_list(*, owner_id: ObjectId) -> list[PlaceCount]:
    """The owner's places, countries > regions > cities, each with its count of images: the
    facet counts of the `place:` terms (one indexed query, no scan of the images)."""
    # the owner's facet rows, as facets_get reads them for every gallery page: (owner, term)
    # serves an equality on the owner; SecantusDB scans for a range of terms beside it
    rows = collection_for(TermCount).find({"owner_id": owner_id})
    by_value: dict[str, PlaceCount] = {}
    for row in rows:
        if not row["term"].startswith("place:") or row["count"] <= 0:
            continue
        value = row.get("label") or _title(row["term"].removeprefix("place:"))
        by_value[value.casefold()] = PlaceCount(value, value.rsplit("/", 1)[-1], row["count"])
    top: list[PlaceCount] = []
    for key, place in sorted(by_value.items(), key=lambda item: item[1].value.casefold()):
        parent = by_value.get(key.rsplit("/", 1)[0].rstrip("/")) if "/" in key else None
        (parent.children if parent else top).append(place)
    return top


def _title(text: str) -> str:
    """A name for a place term stored without one (counts rebuilt before labels)."""
    parts = text.split("/")
    return "/".join(" ".join(word[:1].upper() + word[1:] for word in p.split(" ")) for p in parts)


@dataclass(frozen=True)
class Count:
    number: int
    exact: bool  # False: more than `number`


def facets_get(*, owner_id: ObjectId) -> Facets:
    """The owner's label, tag, format and source counts: one indexed query, always fresh."""
    rows = list(collection_for(TermCount).find({"owner_id": owner_id}))
    bounds = {
        name: (_aware(row["oldest"][name]), _aware(row["newest"][name]))
        for row in rows
        if row["term"] == ALL
        for name in (sort.field for sort in SORTS.values())
        if name in row.get("oldest", {}) and name in row.get("newest", {})
    }
    return Facets({row["term"]: row["count"] for row in rows}, bounds)


def gallery_plan(*, owner_id: ObjectId, filters: GalleryFilter, facets: Facets) -> Plan:
    """The read for a filter: the index serves its rarest term as far as the counts tell."""
    terms = filters.terms()
    sort = SORTS.get(filters.sort, SORTS["uploaded"])
    low = _day_start(filters.date_from) if filters.date_from else None
    high = _day_start(filters.date_to, next_day=True) if filters.date_to else None
    term = _index_term(terms, facets)
    paired = "+" in term and ":" not in term
    also = OVERFLOW if paired and facets.counts.get(OVERFLOW, 0) > 0 else ""
    oldest, newest = facets.bounds.get(sort.field, (None, None))
    rest = frozenset(terms) - {term}
    visibility = filters.visibility if filters.visibility in VISIBILITIES else LIBRARY
    return Plan(owner_id, term, rest, sort, low, high, oldest, newest, also, visibility)


def _index_term(terms: list[str], facets: Facets) -> str:
    words = [term for term in terms if ":" not in term]
    chosen = [term for term in terms if ":" in term]
    if not terms:
        return ALL
    rarest = min(chosen, key=lambda term: facets.counts.get(term, 0), default="")
    # two words: their pair; one: the longest (longer words are rarer, as a rule)
    text = search_pair(words) or max(words, key=len, default="")
    total = max(facets.counts.get(ALL, 0), 1)
    if rarest and (not text or facets.counts.get(rarest, 0) <= WORD_OVER_FACET * total):
        return rarest
    return text or rarest


def image_page(*, plan: Plan, cursor: Cursor | None, size: int) -> Page:
    """One page of the plan's order after the cursor (None: the first page), each image with
    its current version loaded (what its tile shows)."""
    keys, width = _keys_after(
        plan=plan,
        start=cursor.key if cursor else None,
        size=size,
        width=cursor.width if cursor else FIRST_WINDOW,
    )
    return _page_of(keys, size=size, width=width)


def image_first_page(*, plan: Plan, facets: Facets, size: int) -> tuple[Page, Count]:
    """The first page with the count of matches (the API's first page). Where the count must
    be read, one read serves both: the keys the count reads start with the page's."""
    if (stored := image_count_stored(plan=plan, facets=facets)) is not None:
        return image_page(plan=plan, cursor=None, size=size), stored
    cap = max(COUNT_CAP, size)
    keys, width, count = _counted_keys(plan=plan, cap=cap)
    held = max(width * size / cap, timedelta(seconds=1))  # the width that held `size` of them
    return _page_of(keys, size=size, width=held), count


def _page_of(keys: list[Key], *, size: int, width: timedelta) -> Page:
    found = Image.objects.in_bulk([object_id for _, object_id in keys[:size]])
    images = [found[object_id] for _, object_id in keys[:size] if object_id in found]
    following = Cursor(keys[size - 1], width) if len(keys) > size else None
    return Page(images_with_versions(images), following)


def images_with_versions(images: list[Image]) -> list[Image]:
    """Load the images' current versions in one query (the backend has no prefetch_related)."""
    ids = [image.current_version_id for image in images if image.current_version_id]
    if ids:
        model = cast(Any, Image._meta.get_field("current_version").related_model)
        versions = model._default_manager.in_bulk(ids)
        for image in images:
            if version := versions.get(image.current_version_id):
                image.current_version = version
    return images


def month_cursor(*, plan: Plan, month: str) -> Cursor | None:
    """Where the plan's order reaches a month ("2026-11") or a year ("2026"), in the site's
    time zone: a page after this cursor starts with its first image in that order (newest
    first: its newest). None for a malformed one."""
    year, _, number = month.partition("-")
    try:
        first = datetime(int(year), int(number or 1), 1, tzinfo=timezone.get_default_timezone())
        following = (
            (first + timedelta(days=32)).replace(day=1)
            if number
            else first.replace(year=first.year + 1)
        )
    except ValueError:
        return None
    lowest = ObjectId("0" * 24)  # before every image's id
    return Cursor((following if plan.sort.descending else first, lowest))


def image_count_stored(*, plan: Plan, facets: Facets) -> Count | None:
    """The exact count where one facet (or none) is the whole filter: the stored facet count,
    no query (outside the library, only the whole archive or trash is counted). None where
    the count must be read (image_count)."""
    if plan.rest or plan.low is not None or plan.high is not None:
        return None
    if plan.visibility != LIBRARY:
        term = shelf_term(plan.visibility)
        return Count(max(facets.counts.get(term, 0), 0), True) if plan.term == ALL else None
    if plan.term in facets.counts and (plan.term == ALL or ":" in plan.term):
        return Count(max(facets.counts[plan.term], 0), True)
    return None


def image_count(*, plan: Plan, facets: Facets, cap: int = COUNT_CAP) -> Count:
    """How many images match: the stored count where there is one, else the matching keys
    read through the index, window by window, up to `cap` (the gallery loads it apart)."""
    if (stored := image_count_stored(plan=plan, facets=facets)) is not None:
        return stored
    return _counted_keys(plan=plan, cap=cap)[2]


def _counted_keys(*, plan: Plan, cap: int) -> tuple[list[Key], timedelta, Count]:
    """The first cap + 1 matching keys in the plan's order, the window width that held them,
    and the count they give."""
    keys, width = _keys_after(plan=plan, start=None, size=cap, width=FIRST_WINDOW * 8)
    return keys, width, Count(min(len(keys), cap), len(keys) <= cap)


def image_neighbours(*, image: Image, plan: Plan) -> tuple[Image | None, Image | None]:
    """The images before and after this one in the plan's order (the gallery it came from)."""
    value = getattr(image, plan.sort.field)
    if value is None:
        return None, None
    key = (_aware(value), image.pk)
    neighbours = []
    for side in (plan.reversed(), plan):
        keys, _ = _keys_after(plan=side, start=key, size=1, width=FIRST_WINDOW)
        neighbours.append(Image.objects.filter(pk=keys[0][1]).first() if keys else None)  # type: ignore[misc]
    return neighbours[0], neighbours[1]


def _keys_after(
    *, plan: Plan, start: Key | None, size: int, width: timedelta
) -> tuple[list[Key], timedelta]:
    """Up to size + 1 keys of matching images that follow `start` in the plan's order (None:
    from its beginning), nearest first; and the window width that held about `size` of them.

    Reads consecutive windows of the sort key, each a flat filter the index serves: an empty
    window quadruples the next one, a sparse one widens it to where the page should end.
    """
    descending, need = plan.sort.descending, size + 1
    near, inclusive = _near_edge(plan, start)
    found: list[Key] = []
    read = timedelta(0)
    while True:
        far, last = _far_edge(plan, near, width)
        matching = {
            doc["_id"]: _aware(doc[plan.sort.field])
            for term in plan.index_terms
            for doc in collection_for(Image).find(
                _window_filter(plan, term, near, far, inclusive=inclusive),
                {plan.sort.field: 1, **({"terms": 1} if plan.rest else {})},
            )
            if not plan.rest or plan.rest.issubset(doc.get("terms", ()))
        }
        keys = sorted(((moment, pk) for pk, moment in matching.items()), reverse=descending)
        if start is not None and not read:
            keys = [key for key in keys if (key < start if descending else key > start)]
        found += keys
        read += width
        if len(found) >= need or last:
            break
        near, inclusive = far, not descending
        if not found:
            width *= 4
        else:
            density = len(found) / read.total_seconds()
            wanted = timedelta(seconds=1.25 * (need - len(found)) / density)
            width = min(width * 16, max(wanted, width / 4, timedelta(seconds=1)))
    held = read * size / len(found) if found else width
    return found[:need], min(max(held, timedelta(seconds=1)), timedelta(days=365 * 200))


def _near_edge(plan: Plan, start: Key | None) -> tuple[datetime, bool]:
    """Where the first window starts, and whether it includes that moment (a cursor's own
    moment is included, for its ties; the date range's end is not)."""
    if plan.sort.descending:
        high = plan.high or LATEST
        if plan.newest is not None:
            high = min(high, plan.newest + MS)
        return (start[0], True) if start and start[0] < high else (high, False)
    low = plan.low or EARLIEST
    if plan.oldest is not None:
        low = max(low, plan.oldest)
    return (start[0], True) if start and start[0] >= low else (low, True)


def _far_edge(plan: Plan, near: datetime, width: timedelta) -> tuple[datetime, bool]:
    """The far end of the window that starts at `near`, and whether it ends the order: past
    FLOOR or now + AHEAD a window reads everything that is left."""
    if plan.sort.descending:
        edge = _whole_ms(min(near, _newest(plan) + MS) - width)
        low = plan.low or EARLIEST
        return (low, True) if edge <= low or edge <= (plan.oldest or FLOOR) else (edge, False)
    edge = _whole_ms(max(near, plan.oldest or FLOOR) + width)
    high = plan.high or LATEST
    return (high, True) if edge >= high or edge > _newest(plan) else (edge, False)


def _newest(plan: Plan) -> datetime:
    return plan.newest if plan.newest is not None else timezone.now() + AHEAD


def _window_filter(
    plan: Plan, term: str, near: datetime, far: datetime, *, inclusive: bool
) -> dict[str, Any]:
    """The flat filter of one window: the owner, one term, one range of the sort key.

    Only exclusive bounds, a millisecond (BSON's precision) beyond an inclusive one: SecantusDB
    0.7.0b3 drops the keys equal to an inclusive bound at the far end of its index scan
    ($gte on a descending index field, $lte on an ascending one).
    """
    if plan.sort.descending:
        bounds = {"$gt": far - MS, "$lt": near + MS if inclusive else near}
    else:
        bounds = {"$gt": near - MS if inclusive else near, "$lt": far}
    return {
        "owner_id": plan.owner_id,
        "visibility": plan.visibility,
        "terms": term,
        plan.sort.field: bounds,
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _whole_ms(moment: datetime) -> datetime:
    """Dates are stored to the millisecond: window edges too, so that windows meet exactly."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _millis(moment: datetime) -> int:
    return _millis_of(_aware(moment) - datetime(1970, 1, 1, tzinfo=UTC))


def _millis_of(span: timedelta) -> int:
    return span.days * 86_400_000 + span.seconds * 1000 + span.microseconds // 1000


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=1) if next_day else start


def image_get(*, owner_id: ObjectId, image_id: ObjectId) -> Image | None:
    """The owner's image, or None: the one ownership rule of every view, task and API."""
    return Image.objects.filter(owner_id=owner_id, pk=image_id).first()  # type: ignore[misc]


def image_by_content(*, owner_id: ObjectId, sha256: str) -> Image | None:
    """The owner's image of these bytes (the duplicate check of every upload and import)."""
    return images_by_content(owner_id=owner_id, hashes=[sha256]).get(sha256)


def images_by_content(*, owner_id: ObjectId, hashes: Iterable[str]) -> dict[str, Image]:
    """The owner's images of these contents, by sha256. A flat filter on the (owner, sha256)
    index: the ORM's `$and` of the two is a full scan on SecantusDB (0.8 s a lookup at 20,000
    images), and its planner never uses the unique constraint's index, which is partial."""
    wanted = list(dict.fromkeys(hashes))
    if not wanted:
        return {}
    found = collection_for(Image).find(
        {"owner_id": owner_id, "sha256": wanted[0] if len(wanted) == 1 else {"$in": wanted}},
        {"_id": 1},
    )
    images = Image.objects.in_bulk([doc["_id"] for doc in found])
    return {image.sha256: image for image in images.values()}


def images_owned(*, owner_id: ObjectId, image_ids: list[ObjectId]) -> list[Image]:
    return list(Image.objects.filter(owner_id=owner_id, pk__in=image_ids))


def album_get(*, owner_id: ObjectId, album_id: ObjectId) -> Album | None:
    """The owner's album, or None (another user's album looks absent)."""
    return Album.objects.filter(owner_id=owner_id, pk=album_id).first()  # type: ignore[misc]


def album_list(*, owner_id: ObjectId) -> list[Album]:
    """The owner's albums, the last changed first, with their image counts (`count`, from
    the facet counts) and covers (`cover_image`: the chosen cover while it is in the album's
    library, else its newest image)."""
    albums = list(Album.objects.filter(owner_id=owner_id).order_by("-updated_at"))
    counts = facets_get(owner_id=owner_id).counts
    covers = Image.objects.in_bulk([album.cover_id for album in albums if album.cover_id])
    for album in albums:
        album.count = max(counts.get(album.term, 0), 0)  # type: ignore[attr-defined]
        album.cover_image = album_cover(album=album, chosen=covers.get(album.cover_id))  # type: ignore[attr-defined]
    return albums


def album_cover(*, album: Album, chosen: Image | None) -> Image | None:
    if chosen is not None and chosen.visibility == LIBRARY and album.pk in chosen.album_ids:
        return chosen
    plan = gallery_plan(
        owner_id=album.owner_id,
        filters=GalleryFilter(album=str(album.pk)),
        facets=Facets(),
    )
    page = image_page(plan=plan, cursor=None, size=1)
    return page.images[0] if page.images else None


def albums_of(*, image: Image) -> list[Album]:
    """The albums an image is in (its owner's, by name)."""
    return list(
        Album.objects.filter(owner_id=image.owner_id, pk__in=image.album_ids or []).order_by("name")
    )


def partial_get(*, owner_id: ObjectId, upload_id: ObjectId) -> PartialUpload | None:
    """A chunked upload in progress, if it is the user's."""
    return PartialUpload.objects.filter(owner_id=owner_id, pk=upload_id).first()  # type: ignore[misc]
