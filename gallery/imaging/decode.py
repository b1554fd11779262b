"""From bytes to one normalised Pillow image: open by family, decode cheaply, orient, resize."""

import io
import logging
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TypeAlias

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageFile

from gallery.imaging.errors import ImageRejected, corrupt, unsupported
from gallery.imaging.sniff import HEAD_BYTES, Family, sniff

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()  # Pillow reads AVIF itself; HEIC needs libheif

ImageSource: TypeAlias = IO[bytes] | bytes | os.PathLike[str]

PILLOW_FORMATS: dict[Family, tuple[str, ...]] = {
    "JPEG": ("JPEG",),
    "PNG": ("PNG",),
    "GIF": ("GIF",),
    "WEBP": ("WEBP",),
    "TIFF": ("TIFF",),
    "BMP": ("BMP",),
    "ISOBMFF": ("AVIF", "HEIF"),  # AVIF first: libheif here opens "mif1" AV1 files, then fails
}
# Pillow's name for what it opened -> the name stored (an MPO is a JPEG with extra pictures)
FORMAT_NAMES = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "WEBP": "WEBP",
    "TIFF": "TIFF",
    "BMP": "BMP",
    "HEIF": "HEIF",
    "AVIF": "AVIF",
}
# Pillow's EXIF parser meets malformed data in the wild in many ways
EXIF_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    TypeError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    OverflowError,
    EOFError,
    AttributeError,
)

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_DEEP_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@contextmanager
def open_source(file: ImageSource, *, max_bytes: int | None = None) -> Iterator[IO[bytes]]:
    """A seekable stream at position 0; a caller's stream is rewound to 0 again afterwards."""
    if isinstance(file, bytes):
        yield io.BytesIO(file)
    elif isinstance(file, os.PathLike):
        with open(file, "rb") as stream:
            yield stream
    else:
        try:
            file.seek(0)
        except (AttributeError, OSError):  # not seekable: keep at most what may be accepted
            yield io.BytesIO(file.read(-1 if max_bytes is None else max_bytes + 1))
            return
        try:
            yield file
        finally:
            file.seek(0)


def stream_size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()  # some wrappers' seek() returns None
    stream.seek(0)
    return size


def too_many_pixels(*, pixels: int, limit: int, size: tuple[int, int] | None) -> ImageRejected:
    dimensions = f" ({size[0]}x{size[1]})" if size else ""
    return ImageRejected(
        f"the image has too many pixels: {pixels / 1e6:.1f} megapixels{dimensions}, "
        f"the limit is {limit / 1e6:.3g} megapixels",
        code="too_many_pixels",
    )


def open_image(
    stream: IO[bytes], *, family: Family | None = None, max_pixels: int | None = None
) -> ImageFile.ImageFile:
    """Open (header only) with the one Pillow plugin for the sniffed family."""
    if family is None:
        stream.seek(0)
        family = sniff(stream.read(HEAD_BYTES))
    stream.seek(0)
    try:
        return Image.open(stream, formats=PILLOW_FORMATS[family])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own limit met before ours could be checked (or warnings raised as errors)
        match = re.search(r"\((\d+) pixels\)", str(error))
        pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        limit = min(max_pixels or pillow_limit, pillow_limit)
        pixels = int(match[1]) if match else limit + 1
        raise too_many_pixels(pixels=pixels, limit=limit, size=None) from None
    except Exception as error:  # any parser failure on untrusted bytes means a bad file
        logger.info("could not open %s image: %r", family, error)
        raise corrupt() from error


def orientation_of(im: Image.Image) -> int:
    """EXIF Orientation 1-8 (XMP tiff:Orientation too, through Pillow); 1 when absent or odd.

    Call it after decode(): on a PNG, getexif() loads the pixels to look for a late eXIf
    chunk, and a failure there would be swallowed here (a second load then "succeeds").
    """
    try:
        value = im.getexif().get(0x0112, 1)
    except EXIF_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation >= 5 else size


def apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Size within a long_side box, keeping the aspect ratio; never larger than size."""
    width, height = size
    if max(width, height) <= long_side:
        return size
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode(im: ImageFile.ImageFile, *, long_side: int | None = None) -> ImageFile.ImageFile:
    """Decode the current frame; with long_side, let the format decode smaller when it can.

    JPEG decodes at 1/2, 1/4 or 1/8 scale in the IDCT (every byte is still read); HEIC may
    use an embedded thumbnail that is a scaled copy. The result is never below long_side.
    """
    if long_side is not None and max(im.size) > long_side:
        width, height = im.size
        scale = long_side / max(width, height)
        im.draft(None, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))
    try:
        im.load()
    except MemoryError:
        raise  # the decode child's memory limit: said so by its caller
    except Exception as error:  # truncated data, bad Huffman codes, libheif errors...
        logger.info("could not decode %s image: %r", im.format, error)
        raise corrupt() from error
    return im


_REDUCIBLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "RGBa", "La", "I", "F", "CMYK"})


def reduce_for(im: Image.Image, long_side: int) -> Image.Image:
    """Shrink a decoded picture by a whole factor in Pillow's C box filter, still no smaller
    than long_side, before anything else touches its pixels.

    Formats that cannot decode smaller (PNG, GIF, WebP, TIFF, BMP) arrive at full size: a
    100 Mpx PNG is 300 MB of RGB, and converting it, copying it into NumPy and resizing it
    there took 3-4 s more than its decode. Box-reducing first leaves every later step a
    picture of about long_side. A 1-bit or palette picture is expanded before (box-averaging
    palette indices would mix unrelated colours); alpha is premultiplied by Pillow's reduce.
    """
    factor = max(im.size) // max(1, long_side)
    if factor < 2:
        return im
    info = {key: value for key, value in im.info.items() if key != "transparency"}
    if "transparency" in im.info and im.mode in ("1", "L", "P", "RGB"):
        im = im.convert("RGBA")  # a tRNS colour becomes alpha before pixels are averaged
    elif im.mode == "1":
        im = im.convert("L")
    elif im.mode == "P":
        im = im.convert("RGB")
    if im.mode not in _REDUCIBLE_MODES:
        return im  # 16-bit grey and the like: resized later, after normalise
    reduced = im.reduce(factor)
    reduced.info = info  # the ICC profile, still true of the pixels
    return reduced


def normalise(im: Image.Image) -> tuple[Image.Image, bytes | None]:
    """RGB, or RGBA when some pixel is transparent, plus the RGB ICC profile worth keeping."""
    icc = im.info.get("icc_profile") or None
    mode = im.mode
    try:
        if mode == "CMYK":
            return _cmyk_to_rgb(im, icc), None
        if mode in _DEEP_MODES:
            out = _deep_to_8bit(im)
        elif mode == "RGBA" or (mode == "RGB" and not im.has_transparency_data):
            out = im
        else:
            out = im.convert("RGBA" if im.has_transparency_data else "RGB")
    except ValueError as error:  # a mode Pillow cannot convert, such as LAB
        raise unsupported(f"images in the {mode} colour mode") from error
    if out.mode == "RGBA" and out.getchannel("A").getextrema()[0] == 255:
        out = out.convert("RGB")  # fully opaque: drop the alpha plane
    if not isinstance(icc, bytes) or icc[16:20] != b"RGB ":
        icc = None  # a grey or broken profile does not describe RGB pixels
    return out, icc


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("CMYK profile unusable, converting without it")
        else:
            if converted is not None:
                return converted
    return im.convert("RGB")


def to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Pixels converted from the embedded profile to sRGB (unchanged if the profile is bad)."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(im, profile, _SRGB, outputMode=im.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im
    return im if converted is None else converted


def _deep_to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and 32-bit grey to 8-bit by scale (Pillow's convert would clip at 255)."""
    raw = np.asarray(im)
    values = np.nan_to_num(raw.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(values.max()) if values.size else 0.0
    if im.mode.startswith("I;16") or 255 < peak <= 65535:
        scale = 1 / 257
    elif im.mode == "F" and peak <= 1.0:
        scale = 255.0
    else:
        scale = 1.0 if peak <= 255 else 255 / peak
    grey = np.clip(values * scale + 0.5, 0, 255).astype(np.uint8)
    transparency = im.info.get("transparency")
    if isinstance(transparency, int):  # a tRNS grey value marks transparent pixels
        alpha = np.where(raw == transparency, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([grey, grey, grey, alpha]))
    return Image.fromarray(grey).convert("RGB")


def resize(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Downscale: OpenCV's area filter for RGB (3-4x faster than Pillow's Lanczos), Pillow
    with alpha (it premultiplies, so transparent pixels leave no dark fringe)."""
    if im.size == size:
        return im
    if im.mode == "RGB":
        return Image.fromarray(cv2.resize(np.asarray(im), size, interpolation=cv2.INTER_AREA))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
