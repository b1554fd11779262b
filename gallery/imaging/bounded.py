"""The public decoding functions, each run in a decode child within limits (sandbox.py).

Same signatures as the in-process ones in inspect.py, renditions.py, metadata.py and arrays.py,
which the child runs. The upload check gets the tight CHECK limits (it runs inside a request);
everything else, WORK.
"""

import os
from collections.abc import Mapping
from typing import cast

import numpy as np
from numpy.typing import NDArray

from gallery.imaging.decode import ImageSource
from gallery.imaging.errors import ImageRejected
from gallery.imaging.inspect import ImageInfo, human_size
from gallery.imaging.metadata import ImageMetadata
from gallery.imaging.renditions import DEFAULT_QUALITY, DEFAULT_SIZES, Analysis, Rendition
from gallery.imaging.sandbox import CHECK, WORK, run_bounded, source_payload

WHITE = (255, 255, 255)


def inspect_image(*, file: ImageSource, max_bytes: int, max_pixels: int) -> ImageInfo:
    """gallery.imaging.inspect.inspect_image in a decode child (CHECK limits). A stream's size
    is checked here first, so a file over max_bytes is refused before it is read."""
    size = _seekable_size(file)
    if size is not None and size > max_bytes:
        raise ImageRejected(
            f"the file is too large: {human_size(size)}, the limit is {human_size(max_bytes)}",
            code="too_large",
        )
    payload = source_payload(file, max_bytes=max_bytes)
    info = run_bounded(
        "inspect", limits=CHECK, file=payload, max_bytes=max_bytes, max_pixels=max_pixels
    )
    return cast(ImageInfo, info)


def analyse_image(
    *,
    file: ImageSource,
    sizes: Mapping[str, int] = DEFAULT_SIZES,
    quality: int = DEFAULT_QUALITY,
    phash: bool = True,
) -> Analysis:
    answer = run_bounded(
        "analyse",
        limits=WORK,
        file=source_payload(file),
        sizes=dict(sizes),
        quality=quality,
        phash=phash,
    )
    return cast(Analysis, answer)


def make_renditions(
    *, file: ImageSource, sizes: Mapping[str, int] = DEFAULT_SIZES, quality: int = DEFAULT_QUALITY
) -> dict[str, Rendition]:
    answer = run_bounded(
        "renditions", limits=WORK, file=source_payload(file), sizes=dict(sizes), quality=quality
    )
    return cast(dict[str, Rendition], answer)


def read_metadata(*, file: ImageSource) -> ImageMetadata:
    answer = run_bounded("metadata", limits=WORK, file=source_payload(file))
    return cast(ImageMetadata, answer)


def load_rgb(
    *, file: ImageSource, max_side: int | None = None, background: tuple[int, int, int] = WHITE
) -> NDArray[np.uint8]:
    answer = run_bounded(
        "rgb", limits=WORK, file=source_payload(file), max_side=max_side, background=background
    )
    return _array(answer)


def load_rgba(*, file: ImageSource, max_side: int | None = None) -> NDArray[np.uint8]:
    answer = run_bounded("rgba", limits=WORK, file=source_payload(file), max_side=max_side)
    return _array(answer)


def _array(value: object) -> NDArray[np.uint8]:
    shape, buffer = cast(tuple[tuple[int, ...], bytearray], value)
    return np.frombuffer(buffer, dtype=np.uint8).reshape(shape)


def _seekable_size(file: ImageSource) -> int | None:
    if isinstance(file, bytes):
        return len(file)
    if isinstance(file, os.PathLike) or not hasattr(file, "seek"):
        return None
    try:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    except (AttributeError, OSError):
        return None
    return size if isinstance(size, int) else None
