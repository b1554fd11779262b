"""Editing when and where photos were taken: the time taken (with its offset) and the location
(coordinates, or a place picked by name from the gazetteer), for one image or many.

`when_where_from` is the one validation of the detail page's form, the batch edit and the
API; `images_when_where_set` the one write. What the owner sets is marked in `edited`, so a
later ingest (a new INGEST_VERSION) keeps it.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone

from gallery.models import Image
from gallery.places import Place, gazetteer
from gallery.services import image_terms_refresh
from imagesite.mongo import collection_for

EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
MAX_BATCH = 500
_OFFSET = re.compile(r"^(?:UTC)?\s*([+-−])(\d{1,2}):?(\d{2})$")


@dataclass(frozen=True)
class WhenWhere:
    """What to change; `set_taken`/`set_location` False: leave that part as it is."""

    set_taken: bool = False
    taken_at: datetime | None = None  # aware
    taken_offset: int | None = None  # minutes east of UTC; None: not known (shown as UTC)
    set_location: bool = False
    latitude: float | None = None  # None with set_location: the location is removed
    longitude: float | None = None
    place: Place | None = None


def offset_parse(text: str) -> int | None:
    """ "+03:00", "-0530", "UTC+3:00" -> minutes east of UTC; "" -> None. ValueError else."""
    text = text.strip()
    if not text:
        return None
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(text)
    minutes = int(match[2]) * 60 + int(match[3])
    if int(match[3]) >= 60 or minutes > 14 * 60:
        raise ValueError(text)
    return -minutes if match[1] in "-−" else minutes


def place_find(text: str) -> Place | None:
    """The place a name stands for: the first match of the gazetteer ("Arezzo, Tuscany,
    Italy" as the suggestions write it, or "Arezzo")."""
    found = gazetteer().search(text, limit=1)
    return found[0] if found else None


def when_where_from(
    *,
    taken_at: datetime | None = None,
    taken_offset: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    place: str = "",
    clear_location: bool = False,
) -> WhenWhere:
    """Validate an edit. taken_at: naive (the photo's local time, at `taken_offset`; UTC
    without one) or aware. Raises ValidationError naming the fields."""
    errors: dict[str, str] = {}
    offset = None
    try:
        offset = offset_parse(taken_offset)
    except ValueError:
        errors["taken_offset"] = "Write the offset from UTC as +HH:MM or -HH:MM, at most 14 h."
    moment = None
    if taken_at is not None:
        zone = timezone(timedelta(minutes=offset or 0))
        moment = taken_at if dj_timezone.is_aware(taken_at) else taken_at.replace(tzinfo=zone)
        if offset is None and dj_timezone.is_aware(taken_at):
            offset = int((taken_at.utcoffset() or timedelta(0)).total_seconds() // 60)
        try:
            within = EARLIEST <= moment <= dj_timezone.now() + timedelta(days=1)
        except OverflowError:  # year 1 or 9999 at an offset
            within = False
        if not within:
            errors["taken_at"] = "Choose a time between 1800 and now."
    elif taken_offset.strip() and "taken_offset" not in errors:
        errors["taken_offset"] = "Give the time taken with its offset."
    if (latitude is None) != (longitude is None):
        errors["latitude" if latitude is None else "longitude"] = "Give both coordinates."
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = "Latitude is between -90 and 90."
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = "Longitude is between -180 and 180."
    chosen = None
    if place.strip():
        chosen = place_find(place)
        if chosen is None:
            errors["place"] = f"No place called “{place.strip()[:100]}” is known."
    if errors:
        raise ValidationError(errors)
    if chosen is not None and latitude is None:
        latitude, longitude = chosen.latitude, chosen.longitude
    return WhenWhere(
        set_taken=moment is not None,
        taken_at=moment,
        taken_offset=offset,
        set_location=clear_location or latitude is not None,
        latitude=None if clear_location else latitude,
        longitude=None if clear_location else longitude,
        place=None if clear_location else chosen,
    )


def images_when_where_set(
    *, owner_id: ObjectId, image_ids: list[ObjectId], change: WhenWhere
) -> int:
    """Apply an edit to the owner's images among `image_ids` (others are left alone, as if
    absent); their terms and facet counts follow. Returns how many were changed."""
    fields: dict[str, object] = {}
    edited = []
    if change.set_taken:
        fields |= {"taken_at": change.taken_at, "taken_offset": change.taken_offset}
        edited.append("taken")
    if change.set_location:
        place = change.place
        if place is None and change.latitude is not None and change.longitude is not None:
            place = gazetteer().nearest(change.latitude, change.longitude)
        fields |= {
            "latitude": change.latitude,
            "longitude": change.longitude,
            "place_city": place.city if place else "",
            "place_region": place.region if place else "",
            "place_country": place.country if place else "",
        }
        edited.append("location")
    ids: list[ObjectId] = [
        image.pk
        for image in Image.objects.filter(owner_id=owner_id, pk__in=image_ids[:MAX_BATCH]).only(
            "pk"
        )
    ]
    if not fields or not ids:
        return 0
    collection_for(Image).update_many(
        {"_id": {"$in": ids}, "owner_id": owner_id},
        {"$set": fields, "$addToSet": {"edited": {"$each": edited}}},
    )
    for image_id in ids:
        image_terms_refresh(image_id=image_id)
    return len(ids)
