"""Reads of a user's images; every read is scoped to its owner."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bson import ObjectId
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from gallery.models import Image
from imagesite.mongo import collection_for

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF")
SORTS = {"uploaded": ("-uploaded_at", "-id"), "taken": ("-taken_at", "-uploaded_at", "-id")}


@dataclass(frozen=True)
class GalleryFilter:
    q: str = ""
    format: str = ""
    source: str = ""
    label: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "uploaded"

    @property
    def in_upload_order(self) -> bool:
        """Only equality filters on the upload order: the windowed reads below serve it."""
        return self.sort == "uploaded" and not (
            self.q or self.label or self.date_from or self.date_to
        )


# (uploaded_at, _id): where a page of the upload order starts or ends
Cursor = tuple[datetime, ObjectId]
FIRST_WINDOW = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LABELS_CACHE_SECONDS = 300


def image_list(*, owner: User, filters: GalleryFilter | None = None) -> QuerySet[Image]:
    filters = filters or GalleryFilter()
    images = Image.objects.filter(owner=owner, hidden=False)
    if filters.format:
        images = images.filter(format=filters.format)
    if filters.source:
        images = images.filter(source=filters.source)
    if filters.label:
        images = images.filter(detections__label=filters.label)
    field = "taken_at" if filters.sort == "taken" else "uploaded_at"
    if filters.date_from:
        images = images.filter(**{f"{field}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        images = images.filter(**{f"{field}__lt": _day_start(filters.date_to, next_day=True)})
    if filters.q:
        words = filters.q.strip().lower()
        images = images.filter(
            Q(title__icontains=words)
            | Q(tags__contains=[words])
            | Q(detections__label=words)
            | Q(description__icontains=words)
        )
    return images.order_by(*SORTS.get(filters.sort, SORTS["uploaded"]))


def image_page(
    *, owner: User, filters: GalleryFilter, offset: int, size: int
) -> tuple[list[Image], bool]:
    """One page and whether another follows (one query: no count), for any filter."""
    rows = list(image_list(owner=owner, filters=filters)[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def image_page_after(
    *, owner_id: ObjectId, filters: GalleryFilter, cursor: Cursor | None, size: int
) -> tuple[list[Image], Cursor | None]:
    """One page of the upload order (newest first) after `cursor`, and the next page's cursor
    (None: no more). The default gallery, read through windows of upload time."""
    match = {name: value for name in ("format", "source") if (value := getattr(filters, name))}
    start = cursor or (timezone.now() + timedelta(days=1), ObjectId("f" * 24))
    keys = _keys_beside(owner_id=owner_id, match=match, cursor=start, newer=False, size=size)
    found = Image.objects.in_bulk([key[1] for key in keys[:size]])
    page = [found[key[1]] for key in keys[:size] if key[1] in found]
    return page, keys[size - 1] if len(keys) > size else None


def image_neighbours(*, image: Image) -> tuple[Image | None, Image | None]:
    """The previous (newer) and next (older) image in upload order."""
    cursor = (_aware(image.uploaded_at), image.pk)
    neighbours = []
    for newer in (True, False):
        keys = _keys_beside(owner_id=image.owner_id, match={}, cursor=cursor, newer=newer, size=1)
        neighbours.append(Image.objects.filter(pk=keys[0][1]).first() if keys else None)  # type: ignore[misc]
    return neighbours[0], neighbours[1]


def _keys_beside(
    *, owner_id: ObjectId, match: dict[str, str], cursor: Cursor, newer: bool, size: int
) -> list[Cursor]:
    """Up to size + 1 keys next to the cursor in upload order, nearest first.

    SecantusDB, the embedded database, uses an index only for a flat filter of equalities and
    one range, and sorts in memory whatever it matched; the ORM's `$and` filters scan the whole
    collection. So this reads a window of upload times through the (owner, hidden, ...,
    uploaded_at) indexes, widening it by the density it found until it holds a page or reaches
    the end.
    """
    collection = collection_for(Image)
    end = timezone.now() + timedelta(days=1) if newer else EPOCH
    window = FIRST_WINDOW
    while True:
        edge = min(cursor[0] + window, end) if newer else max(cursor[0] - window, end)
        bounds = {"$gte": cursor[0], "$lte": edge} if newer else {"$lte": cursor[0], "$gte": edge}
        documents = collection.find(
            {"owner_id": owner_id, "hidden": False, **match, "uploaded_at": bounds},
            {"uploaded_at": 1},
        )
        keys = sorted((_aware(doc["uploaded_at"]), doc["_id"]) for doc in documents)
        keys = (
            [key for key in keys if key > cursor]
            if newer
            else [key for key in reversed(keys) if key < cursor]
        )
        if len(keys) > size or edge == end:
            return keys[: size + 1]
        # an empty window: step over the gap; else widen to where a page should end
        window *= 4 if not keys else min(16.0, max(1.5, 1.2 * (size + 1) / len(keys)))


def cursor_format(cursor: Cursor) -> str:
    return f"{cursor[0].isoformat()}_{cursor[1]}"


def cursor_parse(text: str) -> Cursor | None:
    """The cursor of a page link; None (the first page) for anything malformed."""
    moment, _, object_id = text.rpartition("_")
    try:
        return _aware(datetime.fromisoformat(moment)), ObjectId(object_id)
    except (ValueError, TypeError):
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def label_choices(*, owner: User, limit: int = 50) -> list[str]:
    """The owner's most frequent labels, for the gallery's filter; cached for a few minutes
    because it groups every image of the owner (new labels show up after that)."""
    key = f"gallery:labels:{owner.pk}"
    if (cached := cache.get(key)) is not None:
        return list(cached)
    pipeline: list[dict[str, Any]] = [
        {"$match": {"owner_id": owner.pk, "hidden": False}},
        {"$unwind": "$detections"},
        {"$group": {"_id": "$detections.label", "n": {"$sum": 1}}},
        {"$sort": {"n": -1, "_id": 1}},
        {"$limit": limit},
    ]
    labels = sorted(row["_id"] for row in collection_for(Image).aggregate(pipeline))
    cache.set(key, labels, LABELS_CACHE_SECONDS)
    return labels


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=1) if next_day else start


def image_get(*, owner_id: ObjectId, image_id: ObjectId) -> Image | None:
    """The owner's image, or None: the one ownership rule of every view, task and API."""
    return Image.objects.filter(owner_id=owner_id, pk=image_id).first()  # type: ignore[misc]


def images_owned(*, owner_id: ObjectId, image_ids: list[ObjectId]) -> list[Image]:
    return list(Image.objects.filter(owner_id=owner_id, pk__in=image_ids))
