"""The gallery's timeline: a page of images with a heading wherever the day or the month of
the order's date changes (taken, else uploaded; or uploaded).

A page that continues the previous one (infinite scroll) gets no heading for the group that page
ended in: the cursor's moment is the previous page's last image. Pure functions, no queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

GROUPS = ("day", "month", "none")


@dataclass(frozen=True)
class Heading:
    day: date  # the group's first day
    group: str  # "day" or "month"
    first: bool  # the first heading of the page: no row before it to end
    heading = True  # what the template tells items by (an Image has no such attribute)

    @property
    def key(self) -> str:
        return f"{self.day:%Y-%m-%d}" if self.group == "day" else f"{self.day:%Y-%m}"


def group_of(moment: datetime, group: str) -> date:
    """The first day of the moment's group in the current time zone."""
    day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return day if group == "day" else day.replace(day=1)


def timeline(
    images: Iterable[Any], *, field: str, group: str, after: datetime | None = None
) -> list[Any]:
    """The images with a Heading before each new group ("none": the images alone); `after` is
    the moment the previous page ended at (None: a first page, which starts with a heading)."""
    items: list[Any] = list(images)
    if group not in ("day", "month"):
        return items
    shown = [] if after is None else [group_of(after, group)]
    result: list[Any] = []
    for image in items:
        moment = getattr(image, field) or image.uploaded_at
        day = group_of(moment, group)
        if not shown or shown[-1] != day:
            result.append(Heading(day, group, first=not result and after is None))
            shown.append(day)
        result.append(image)
    return result
