"""Reads of a user's images; every read is scoped to its owner."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
    """One page and whether another follows (one query: no count)."""
    rows = list(image_list(owner=owner, filters=filters)[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def image_neighbours(*, image: Image) -> tuple[Image | None, Image | None]:
    """The previous (newer) and next (older) image in upload order."""
    images = Image.objects.filter(owner_id=image.owner_id, hidden=False)
    newer = images.filter(uploaded_at__gt=image.uploaded_at).order_by("uploaded_at").first()
    older = images.filter(uploaded_at__lt=image.uploaded_at).order_by("-uploaded_at").first()
    return newer, older


def label_choices(*, owner: User, limit: int = 50) -> list[str]:
    pipeline = [
        {"$match": {"owner_id": owner.pk, "hidden": False}},
        {"$unwind": "$detections"},
        {"$group": {"_id": "$detections.label", "n": {"$sum": 1}}},
        {"$sort": {"n": -1, "_id": 1}},
        {"$limit": limit},
    ]
    return sorted(row["_id"] for row in collection_for(Image).aggregate(pipeline))


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return start + timedelta(days=1) if next_day else start
