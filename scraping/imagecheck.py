"""Decide from the bytes whether a download is an image worth keeping (pure, no I/O)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

try:  # HEIC/HEIF from phones; optional so the crawler also runs without the plugin
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover
    pass
else:
    register_heif_opener()

# Pillow format name -> file extension; other formats Pillow can read (PSD, ICO, ...) are
# not imported into the gallery.
EXTENSIONS = {
    "JPEG": ".jpg",
    "MPO": ".jpg",  # JPEG with extra frames, as written by many cameras
    "PNG": ".png",
    "GIF": ".gif",
    "WEBP": ".webp",
    "AVIF": ".avif",
    "BMP": ".bmp",
    "TIFF": ".tiff",
    "HEIF": ".heic",
}


class ImageRejected(ValueError):
    """The bytes are not a keepable image; ``reason`` is a short category."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ImageInfo:
    image_format: str
    width: int
    height: int
    extension: str


def image_inspect(*, data: bytes, min_width: int = 0, min_height: int = 0) -> ImageInfo:
    """Identify and verify an image from its header and structure, without decoding pixels.

    Raises ImageRejected with reason "not an image", "unsupported format", "too large"
    (more pixels than Pillow's decompression-bomb limit) or "too small".
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format, (width, height) = image.format or "", image.size
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("too large", str(error)) from error
        except UnidentifiedImageError as error:
            raise ImageRejected("not an image", _sniff(data)) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImageRejected("not an image", f"broken {image_format} ({error})") from error
    if image_format not in EXTENSIONS:
        raise ImageRejected("unsupported format", image_format or "unknown")
    if width < min_width or height < min_height:
        raise ImageRejected("too small", f"{width}x{height} < {min_width}x{min_height}")
    return ImageInfo(
        image_format=image_format,
        width=width,
        height=height,
        extension=EXTENSIONS[image_format],
    )


def sha256_hex(*, data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sniff(data: bytes) -> str:
    """A hint for people about what was served instead of an image."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "the server sent an HTML page"
    if head.startswith((b"<?xml", b"<svg")) and b"<svg" in head:
        return "SVG is not imported"
    if not data:
        return "empty response"
    return f"unrecognised content starting with {data[:8]!r}"
