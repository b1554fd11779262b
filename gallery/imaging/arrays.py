"""Pixels as NumPy arrays for the editor and the models: upright, first frame, 8-bit."""

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from gallery.imaging.decode import (
    ImageSource,
    apply_orientation,
    decode,
    fit,
    normalise,
    open_image,
    open_source,
    orientation_of,
    reduce_for,
    resize,
)

WHITE = (255, 255, 255)


def load_rgb(
    *, file: ImageSource, max_side: int | None = None, background: tuple[int, int, int] = WHITE
) -> NDArray[np.uint8]:
    """HxWx3 uint8 RGB; transparent pixels are composited over background.

    With max_side the picture fits a max_side box (never enlarged) and a JPEG is decoded at
    reduced scale. CMYK goes through its ICC profile to sRGB; other profiles are not applied.
    """
    picture = _load(file=file, max_side=max_side)
    if picture.mode == "RGBA":
        flat = Image.new("RGBA", picture.size, (*background, 255))
        flat.alpha_composite(picture)
        picture = flat.convert("RGB")
    return np.array(picture, dtype=np.uint8)


def load_rgba(*, file: ImageSource, max_side: int | None = None) -> NDArray[np.uint8]:
    """HxWx4 uint8 RGBA (alpha 255 everywhere for opaque pictures); otherwise as load_rgb."""
    return np.array(_load(file=file, max_side=max_side).convert("RGBA"), dtype=np.uint8)


def _load(*, file: ImageSource, max_side: int | None) -> Image.Image:
    if max_side is not None and max_side < 1:
        raise ValueError("max_side must be positive")
    with open_source(file) as stream, open_image(stream) as im:
        decoded: Image.Image = decode(im, long_side=max_side)
        if max_side is not None:
            decoded = reduce_for(decoded, max_side)
        picture, _ = normalise(decoded)
        orientation = orientation_of(im)  # after decode (see decode.orientation_of)
        if max_side is not None:
            picture = resize(picture, fit(picture.size, max_side))
        return apply_orientation(picture, orientation)
