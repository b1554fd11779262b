"""Validation by content, cheap enough to run inside the upload request."""

import hashlib
import io
from dataclasses import dataclass
from typing import IO, NamedTuple

import numpy as np
from PIL import Image

from gallery.imaging.decode import (
    FORMAT_NAMES,
    ImageSource,
    decode,
    open_image,
    open_source,
    orientation_of,
    oriented_size,
    stream_size,
    too_many_pixels,
)
from gallery.imaging.errors import ImageRejected, corrupt, unsupported
from gallery.imaging.sniff import HEAD_BYTES, Family, check_complete, sniff
from gallery.imaging.structure import jpeg_check, png_check

MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
    "HEIF": "image/heic",
    "AVIF": "image/avif",
}
EXTENSIONS = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "GIF": ".gif",
    "TIFF": ".tif",
    "BMP": ".bmp",
    "HEIF": ".heic",
    "AVIF": ".avif",
}
_CHUNK = 1 << 20
# Above this the upload check decodes no pixels of a GIF, WebP, TIFF, BMP or HEIF (ingest does)
CHECK_DECODE_MAX_PIXELS = 16_000_000
_DNG_VERSION_TAG = 50706
MID_GREY = 128  # what libjpeg decodes where the data is missing
MISSING_TAIL = 0.25  # share of the picture's height, all mid-grey at the bottom, that refuses it


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageInfo:
    format: str  # JPEG PNG WEBP GIF TIFF BMP HEIF AVIF
    mime: str
    extension: str  # with the dot, from the content: ".jpg", ".heic"...
    width: int  # as displayed: EXIF orientation applied
    height: int
    sha256: str
    size_bytes: int
    frames: int  # pages, animation frames or HEIF top-level images; only the first is used


def inspect_image(*, file: ImageSource, max_bytes: int, max_pixels: int) -> ImageInfo:
    """Check that the file is an accepted raster image, whole, and within the limits.

    The type comes from the bytes alone. The size is checked before anything is read, the
    pixel count from the header before any pixel is decoded; then the structure (a JPEG's scans,
    a PNG's chunks and data) and, where cheap, the first frame (a JPEG at 1/8 scale) so a cut or
    damaged file is caught.
    Raises ImageRejected with a message for the user. A caller's stream is left at 0.
    """
    with open_source(file, max_bytes=max_bytes) as stream:
        size = stream_size(stream)
        if size == 0:
            raise ImageRejected("the file is empty", code="empty")
        if size > max_bytes:
            raise ImageRejected(
                f"the file is too large: {human_size(size)}, the limit is {human_size(max_bytes)}",
                code="too_large",
            )
        family = sniff(stream.read(HEAD_BYTES))
        check_complete(family=family, stream=stream, size=size)
        checked = _check_pixels(stream, family=family, max_pixels=max_pixels)
        digest = sha256_of(stream)
    return ImageInfo(
        format=checked.format,
        mime=MIME_TYPES[checked.format],
        extension=EXTENSIONS[checked.format],
        width=checked.width,
        height=checked.height,
        sha256=digest,
        size_bytes=size,
        frames=checked.frames,
    )


def sha256_of(stream: IO[bytes]) -> str:
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class Peek(NamedTuple):
    format: str
    extension: str
    width: int  # as stored, before EXIF orientation
    height: int


def peek_image(*, data: bytes, max_pixels: int) -> Peek:
    """The type and size from the first bytes and the header alone, decoding nothing: a cheap
    filter (the crawler's) before the one full check, `inspect_image`, at import.
    Raises ImageRejected like `inspect_image` does."""
    if not data:
        raise ImageRejected("the file is empty", code="empty")
    stream = io.BytesIO(data)
    im = open_image(stream, family=sniff(data[:HEAD_BYTES]), max_pixels=max_pixels)
    with im:
        width, height = im.size
        name = FORMAT_NAMES[im.format or ""]
    if width * height > max_pixels:
        raise too_many_pixels(pixels=width * height, limit=max_pixels, size=(width, height))
    return Peek(format=name, extension=EXTENSIONS[name], width=width, height=height)


class _Checked(NamedTuple):
    format: str
    width: int  # displayed
    height: int
    frames: int


def jpeg_tail_check(im: Image.Image, *, width: int, height: int) -> None:
    """Refuse a JPEG whose image data ends long before its picture does.

    libjpeg decodes missing data as zero coefficients, without an error: exact mid-grey
    (128) blocks from where the data stopped to the end. structure.jpeg_check refuses a
    header over far too little data; a forged header over a real but smaller picture's data
    (more than that floor) passes it and would be ingested as a mostly grey 100 Mpx image.
    Its 1/8-scale decode shows it: the rows at the bottom are all exactly 128.
    """
    if im.mode not in ("L", "RGB"):
        return  # CMYK and others: the fill is not mid-grey there
    pixels = np.asarray(im)
    rows = pixels.reshape(pixels.shape[0], -1)
    flat = np.flatnonzero(~(rows == MID_GREY).all(axis=1))
    missing = rows.shape[0] - (int(flat[-1]) + 1 if flat.size else 0)
    share = missing / max(1, rows.shape[0])
    # an all mid-grey picture is flat, not cut short: something must have been decoded first
    if flat.size and missing >= 2 and share >= MISSING_TAIL:
        raise ImageRejected(
            f"the file is truncated or corrupt: its image data ends early (the last "
            f"{int(share * 100)}% of the {width}x{height} picture is missing)",
            code="corrupt",
        )


def human_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def _check_pixels(stream: IO[bytes], *, family: Family, max_pixels: int) -> _Checked:
    """Pixel count from the header, then the structure; the first frame is decoded only where
    that is cheap: a JPEG at 1/8 scale, other formats up to CHECK_DECODE_MAX_PIXELS. A PNG's
    data is checked without decoding, and bigger pictures are decoded by ingest alone."""
    im = open_image(stream, family=family, max_pixels=max_pixels)
    with im:
        width, height = im.size
        if width * height > max_pixels:
            raise too_many_pixels(pixels=width * height, limit=max_pixels, size=im.size)
        if im.format == "TIFF" and _DNG_VERSION_TAG in getattr(im, "tag_v2", {}):
            raise unsupported("camera RAW (DNG)")
        try:
            frames = getattr(im, "n_frames", 1)
        except Exception as error:  # counting walks every frame header
            raise corrupt() from error
        name = FORMAT_NAMES[im.format or ""]
        if family == "PNG":
            stream.seek(0)
            orientation = png_check(stream.read()).orientation
            return _Checked(name, *oriented_size((width, height), orientation), frames)
        if family == "JPEG":
            stream.seek(0)
            jpeg_check(stream.read(), width=width, height=height)
            # the smallest IDCT scale still reads the whole entropy-coded stream
            im.draft("L" if im.mode == "RGB" else None, (max(1, width // 8), max(1, height // 8)))
            decode(im)
            jpeg_tail_check(im, width=width, height=height)
        elif width * height <= CHECK_DECODE_MAX_PIXELS:
            decode(im)
        orientation = orientation_of(im)  # after decode: PNG's getexif() would load, unguarded
    return _Checked(name, *oriented_size((width, height), orientation), frames)
