"""What a file is, judged by its first bytes, and whether its container is whole.

Pillow is only ever asked to open the family found here, so a file can never reach one of
Pillow's many other parsers (EPS would even start Ghostscript) whatever its name says.
"""

import codecs
import struct
from typing import IO, Literal

from gallery.imaging.errors import ACCEPTED_FORMATS, ImageRejected, corrupt, unsupported

Family = Literal["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "ISOBMFF"]

HEAD_BYTES = 4096

# ftyp brands of still HEIF/AVIF images and sequences; "mif1" alone covers both codecs
_IMAGE_BRANDS = frozenset(
    {
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"hevc",
        b"hevx",
        b"hevm",
        b"hevs",
        b"mif1",
        b"mif2",
        b"msf1",
        b"avif",
        b"avis",
        b"avio",
    }
)
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x01\x00", "ICO (Windows icon)"),
    (b"\x00\x00\x02\x00", "CUR (Windows cursor)"),
    (b"8BPS", "PSD (Photoshop document); export it as JPEG or PNG first"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\xff\x0a", "JPEG XL"),
    (b"%PDF-", "PDF"),
    (b"%!PS", "PostScript"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"gimp xcf", "GIMP XCF"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)
_TEXT_CONTROL = frozenset(range(32)) - {9, 10, 12, 13, 27}
_MAX_BOXES = 10_000
_GIF_TAIL = 64 * 1024


def sniff(head: bytes) -> Family:
    """The family of an accepted file from its first bytes; ImageRejected saying what it is."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        if head[8:10] == b"CR":
            raise unsupported("camera RAW (Canon CR2)")
        return "TIFF"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp":
        if _brands(head) & _IMAGE_BRANDS:
            return "ISOBMFF"
        raise unsupported("a video or another kind of ISO media file")
    raise _refusal(head)


def _brands(head: bytes) -> set[bytes]:
    box_size = min(struct.unpack(">I", head[:4])[0], len(head))
    return {head[8:12]} | {head[i : i + 4] for i in range(16, box_size - 3, 4)}


def _refusal(head: bytes) -> ImageRejected:
    for magic, what in _REFUSED_MAGIC:
        if head.startswith(magic):
            return unsupported(what)
    text = _as_text(head)
    if text is None:
        return unsupported("the file is not an image this site recognises")
    start = text.lstrip().lower()
    if b"<svg" in start:
        return ImageRejected(
            f"SVG is not accepted: only raster images ({ACCEPTED_FORMATS}) can be uploaded",
            code="unsupported",
        )
    if start.startswith((b"<!doctype html", b"<html")) or b"<head" in start or b"<body" in start:
        return ImageRejected("not an image: the file is an HTML page", code="not_image")
    if start.startswith(b"<?xml"):
        return ImageRejected("not an image: the file is an XML document", code="not_image")
    return ImageRejected("not an image: the file contains text", code="not_image")


def _as_text(head: bytes) -> bytes | None:
    """The head as 8-bit text when it looks like text (any encoding), else None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head or _TEXT_CONTROL.intersection(head):
        return None
    return head


def check_complete(*, family: Family, stream: IO[bytes], size: int) -> None:
    """Raise the corrupt error when the container ends before it says it does.

    Decoding the first frame catches a cut in that frame; this catches a cut further on (later
    frames of an animation, the HEVC data libheif would quietly conceal).
    """
    if family == "PNG":
        _walk_png(stream, size)
    elif family == "GIF":
        _check_gif_trailer(stream, size)
    elif family == "WEBP":
        stream.seek(4)
        if 8 + struct.unpack("<I", stream.read(4))[0] > size:
            raise corrupt()
    elif family == "ISOBMFF":
        _walk_boxes(stream, size)


def _walk_png(stream: IO[bytes], size: int) -> None:
    position = 8
    while True:  # every chunk moves on by at least 12 bytes, so this ends
        stream.seek(position)
        header = stream.read(8)
        if len(header) < 8:
            raise corrupt()
        length, kind = struct.unpack(">I4s", header)
        if kind == b"IEND":
            return  # bytes after IEND are ignored, as every decoder does
        position += 12 + length
        if position > size:
            raise corrupt()


def _check_gif_trailer(stream: IO[bytes], size: int) -> None:
    # some encoders pad the file with zeros after the trailer
    stream.seek(max(size - _GIF_TAIL, 0))
    if not stream.read(_GIF_TAIL).rstrip(b"\x00\r\n\t ").endswith(b";"):
        raise corrupt()


def _walk_boxes(stream: IO[bytes], size: int) -> None:
    position = 0
    for _ in range(_MAX_BOXES):
        if position == size:
            return
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            raise corrupt()
        box_size = struct.unpack(">I", header[:4])[0]
        if box_size == 0:  # the last box runs to the end of the file
            return
        if box_size == 1 and len(header) == 16:
            box_size = struct.unpack(">Q", header[8:])[0]
        if box_size < 8 or position + box_size > size:
            raise corrupt()
        position += box_size
    raise corrupt()
