"""EXIF made safe to store as JSON/BSON, and the facts shown: camera, time, place, size."""

import json
import math
import numbers
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TypeAlias

from PIL import ExifTags, Image

from gallery.imaging.decode import (
    EXIF_ERRORS,
    ImageSource,
    open_image,
    open_source,
    orientation_of,
    oriented_size,
)

JsonValue: TypeAlias = str | int | float | list["JsonValue"]

# Offsets that mean nothing outside the file, and blobs (often huge)
_IFD_OFFSETS = {0x8769, 0x8825, 0xA005}  # Exif, GPS, Interop
_DATA_OFFSETS = {0x0111, 0x0117, 0x0144, 0x0145, 0x0201, 0x0202}  # strips, tiles, thumbnail
_BLOBS = {0x927C, 0xC4A5, 0x02BC, 0x83BB, 0x8649, 0x8773}  # MakerNote, PIM, XMP, IPTC, PS, ICC
_SKIPPED_TAGS = frozenset(_IFD_OFFSETS | _DATA_OFFSETS | _BLOBS)
_USER_COMMENT = 0x9286
_MAX_TEXT = 512
_MAX_LIST = 64
_MAX_ENTRIES = 300
_MAX_JSON_CHARS = 32_000
_DATE = re.compile(
    r"(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")
# (date, its OffsetTime*, its SubSecTime*): DateTimeOriginal, DateTimeDigitized, DateTime
_DATE_TAGS = ((0x9003, 0x9011, 0x9291), (0x9004, 0x9012, 0x9292), (0x0132, 0x9010, 0x9290))


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageMetadata:
    exif: dict[str, JsonValue]  # tag name -> str/int/float/list; keys safe for MongoDB
    camera_make: str | None
    camera_model: str | None
    taken_at: datetime | None  # naive local time; aware when EXIF has OffsetTime*
    latitude: float | None  # decimal degrees, south negative
    longitude: float | None  # decimal degrees, west negative
    altitude: float | None  # metres, below sea level negative
    orientation: int  # EXIF 1-8 (1 when absent)
    width: int  # as displayed: orientation applied
    height: int


def read_metadata(*, file: ImageSource) -> ImageMetadata:
    """Metadata from the header; no pixel is decoded. ImageRejected if it is no accepted image."""
    with open_source(file) as stream, open_image(stream) as im:
        return metadata_from_image(im)


def metadata_from_image(im: Image.Image, *, size: tuple[int, int] | None = None) -> ImageMetadata:
    """Metadata of an opened image; size: the header's, when draft() has changed im.size."""
    try:
        exif = im.getexif()
    except EXIF_ERRORS:
        exif = Image.Exif()
    ifd0 = _ifd(exif, None)
    exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    orientation = orientation_of(im)
    width, height = oriented_size(size or im.size, orientation)
    latitude, longitude = _coordinates(gps)
    return ImageMetadata(
        exif=exif_json(ifd0=ifd0, exif_ifd=exif_ifd, gps=gps),
        camera_make=_text(ifd0.get(0x010F)),
        camera_model=_text(ifd0.get(0x0110)),
        taken_at=_taken_at(ifd0, exif_ifd),
        latitude=latitude,
        longitude=longitude,
        altitude=_altitude(gps),
        orientation=orientation,
        width=width,
        height=height,
    )


def _ifd(exif: Image.Exif, tag: ExifTags.IFD | None) -> dict[int, object]:
    try:
        return dict(exif.items()) if tag is None else dict(exif.get_ifd(tag))
    except EXIF_ERRORS:
        return {}


def exif_json(
    *, ifd0: dict[int, object], exif_ifd: dict[int, object], gps: dict[int, object]
) -> dict[str, JsonValue]:
    """One flat dict, named tags of IFD0, the Exif IFD and the GPS IFD; bounded in size."""
    result: dict[str, JsonValue] = {}
    budget = _MAX_JSON_CHARS
    sources = (
        (ExifTags.TAGS, "Tag", ifd0),
        (ExifTags.TAGS, "Tag", exif_ifd),
        (ExifTags.GPSTAGS, "GPSTag", gps),
    )
    for names, prefix, ifd in sources:
        for tag, raw in ifd.items():
            if tag in _SKIPPED_TAGS or len(result) >= _MAX_ENTRIES:
                continue
            value = _json_value(raw, tag=tag)
            key = _safe_key(names.get(tag) or f"{prefix}{tag:#06x}")
            if value is None or key in result:
                continue
            budget -= len(key) + len(json.dumps(value))
            if budget < 0:
                return result
            result[key] = value
    return result


def _safe_key(name: str) -> str:
    """MongoDB field names may not contain '.' nor start with '$'."""
    return name.replace(".", "_").lstrip("$") or "Tag"


def _json_value(value: object, *, tag: int = 0, depth: int = 0) -> JsonValue | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bytes):
        return _user_comment(value) if tag == _USER_COMMENT else _bytes_value(value)
    if isinstance(value, tuple | list):
        if depth >= 2 or len(value) > _MAX_LIST:
            return None
        items: list[JsonValue] = []
        for item in value:
            converted = _json_value(item, depth=depth + 1)
            if converted is None:
                return None  # a list with holes would mislead more than help
            items.append(converted)
        return items
    return _number(value)  # IFDRational and float; NaN (a zero denominator) -> None


def _number(value: object) -> float | None:
    if not isinstance(value, numbers.Real):  # IFDRational is a numbers.Rational
        return None
    try:
        number = float(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _clean(text: str) -> str | None:
    # lone surrogates cannot be stored: BSON strings must be valid UTF-8
    text = text.replace("\x00", "").strip().encode("utf-8", "replace").decode("utf-8")
    return text[:_MAX_TEXT] or None


def _bytes_value(value: bytes) -> str | None:
    """Short printable ASCII as text (ExifVersion "0230"), other short bytes as hex, else None."""
    stripped = value.rstrip(b"\x00")
    if stripped and len(stripped) <= _MAX_TEXT and all(32 <= c < 127 for c in stripped):
        return stripped.decode("ascii").strip() or None
    return value.hex() if 0 < len(value) <= 32 else None


def _user_comment(value: bytes) -> str | None:
    """UserComment: an 8-byte character code, then the text."""
    code, body = value[:8], value[8:]
    if code.startswith(b"UNICODE"):
        text = body.decode("utf-16-be" if body[:1] == b"\x00" else "utf-16-le", "replace")
    elif code.startswith(b"JIS"):
        text = body.decode("shift_jis", "replace")
    else:
        text = body.decode("utf-8", "replace")
    return _clean(text)


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return _clean(value) if isinstance(value, str) else None


def _taken_at(ifd0: dict[int, object], exif_ifd: dict[int, object]) -> datetime | None:
    for date_tag, offset_tag, subsec_tag in _DATE_TAGS:
        match = _DATE.match(_text(exif_ifd.get(date_tag) or ifd0.get(date_tag)) or "")
        if match is None:
            continue
        offset = _offset(_text(exif_ifd.get(offset_tag) or ifd0.get(offset_tag)))
        fraction = re.match(r"\d+", _text(exif_ifd.get(subsec_tag)) or "")
        micro = int((fraction[0] + "000000")[:6]) if fraction else 0
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        if year < 1800:
            continue
        try:
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=offset)
        except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
            continue
    return None


def _offset(text: str | None) -> timezone | None:
    match = _OFFSET.match(text or "")
    if match is None:
        return None
    minutes = int(match[2]) * 60 + int(match[3])
    if minutes >= 24 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


def _coordinates(gps: dict[int, object]) -> tuple[float | None, float | None]:
    latitude = _degrees(gps.get(2), gps.get(1), negative="S")
    longitude = _degrees(gps.get(4), gps.get(3), negative="W")
    if latitude is None or longitude is None:
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180 or (latitude == 0 and longitude == 0):
        return None, None  # 0,0 is what receivers without a fix write
    return round(latitude, 7), round(longitude, 7)


def _degrees(value: object, ref: object, *, negative: str) -> float | None:
    """Degrees, minutes, seconds (any of them may be a rational with a zero denominator)."""
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [_number(part) for part in parts] + [0.0, 0.0]
    if numbers[0] is None:
        return None
    degrees = numbers[0] + (numbers[1] or 0.0) / 60 + (numbers[2] or 0.0) / 3600
    if (_text(ref) or "").upper().startswith(negative):
        degrees = -abs(degrees)
    return degrees


def _altitude(gps: dict[int, object]) -> float | None:
    altitude = _number(gps.get(6)) if 6 in gps else None
    if altitude is None:
        return None
    below_sea = gps.get(5) in (1, b"\x01")
    return round(-abs(altitude) if below_sea else altitude, 2)
