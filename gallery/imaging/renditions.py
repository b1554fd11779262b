"""WebP renditions and the one-pass analysis the ingest task runs."""

import io
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from PIL import Image, ImageFile

from gallery.imaging.decode import (
    ImageSource,
    apply_orientation,
    decode,
    fit,
    normalise,
    open_image,
    open_source,
    orientation_of,
    oriented_size,
    reduce_for,
    resize,
    to_srgb,
)
from gallery.imaging.inspect import sha256_of
from gallery.imaging.metadata import ImageMetadata, metadata_from_image
from gallery.imaging.phash import perceptual_hash

DEFAULT_SIZES: Mapping[str, int] = MappingProxyType({"thumb": 400, "preview": 1600})
DEFAULT_QUALITY = 80
WEBP_METHOD = 2  # methods 3-6 take ~3x longer for files only ~4% smaller
_MAX_EMBEDDED_ICC = 16 * 1024  # larger profiles are applied instead of copied into each file
_HASH_SIDE = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendition:
    data: bytes  # WebP, no metadata (no EXIF, no GPS)
    width: int
    height: int
    mime: ClassVar[str] = "image/webp"
    extension: ClassVar[str] = ".webp"


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    metadata: ImageMetadata
    renditions: dict[str, Rendition]
    phash: str
    sha256: str


def make_renditions(
    *, file: ImageSource, sizes: Mapping[str, int] = DEFAULT_SIZES, quality: int = DEFAULT_QUALITY
) -> dict[str, Rendition]:
    """One WebP per size name, upright, fitting a size x size box (never enlarged)."""
    with open_source(file) as stream, open_image(stream) as im:
        return _render(im, sizes=sizes, quality=quality)[0]


def analyse_image(
    *,
    file: ImageSource,
    sizes: Mapping[str, int] = DEFAULT_SIZES,
    quality: int = DEFAULT_QUALITY,
    phash: bool = True,
) -> Analysis:
    """Metadata, renditions, perceptual hash and SHA-256 from a single (reduced) decode.

    Raises ImageRejected when the file is not an image it can read.
    """
    with open_source(file) as stream:
        digest = sha256_of(stream)
        with open_image(stream) as im:
            header_size = im.size  # draft() in _render changes im.size
            renditions, smallest = _render(im, sizes=sizes, quality=quality)
            metadata = metadata_from_image(im, size=header_size)
    return Analysis(
        metadata=metadata,
        renditions=renditions,
        phash=perceptual_hash(image=smallest) if phash else "",
        sha256=digest,
    )


def _render(
    im: ImageFile.ImageFile, *, sizes: Mapping[str, int], quality: int
) -> tuple[dict[str, Rendition], Image.Image]:
    """The renditions, largest first, each resized from the one before; and the smallest."""
    if any(side < 1 for side in sizes.values()):
        raise ValueError(f"rendition sizes must be positive: {dict(sizes)}")
    header_size = im.size
    long_side = min(max(sizes.values(), default=_HASH_SIDE), max(header_size))
    # a format without reduce-on-decode (PNG...) is box-reduced at once (decode.reduce_for)
    picture, icc = normalise(reduce_for(decode(im, long_side=long_side), long_side))
    orientation = orientation_of(im)  # after decode (see decode.orientation_of)
    shown = oriented_size(header_size, orientation)
    targets = sorted(
        ((fit(shown, side), name) for name, side in sizes.items()),
        key=lambda target: target[0][0] * target[0][1],
        reverse=True,
    )
    renditions: dict[str, Rendition] = {}
    upright = picture
    for size, name in targets:
        picture = resize(picture, oriented_size(size, orientation))
        if icc and len(icc) > _MAX_EMBEDDED_ICC:  # once, on the largest rendition
            picture, icc = to_srgb(picture, icc), None
        upright = apply_orientation(picture, orientation)
        renditions[name] = Rendition(
            data=_webp(upright, icc=icc, quality=quality),
            width=upright.width,
            height=upright.height,
        )
    if not targets:  # nothing rendered: a small copy still serves the hash
        upright = apply_orientation(resize(picture, fit(picture.size, _HASH_SIDE)), orientation)
    return renditions, upright


def _webp(picture: Image.Image, *, icc: bytes | None, quality: int) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", quality=quality, method=WEBP_METHOD, icc_profile=icc or b"")
    return buffer.getvalue()
