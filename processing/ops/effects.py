"""Artistic effects: vignette, pencil sketch, cartoon and OpenCV's stylization."""

import math

import cv2
import numpy as np

from processing.ops.core import (
    ImageArray,
    OpError,
    apply_lut,
    as_image,
    check_image,
    check_range,
)

# Same cap and reason as the bilateral blur in filters.py.
_BILATERAL_MAX_DIAMETER = 15
_MASK_GRID = 256
_LEVELS = np.arange(256, dtype=np.float32)


def vignette(image: ImageArray, *, strength: float = 50.0, radius: float = 0.5) -> ImageArray:
    """Darken towards the corners by up to `strength` percent.

    Inside `radius` (a fraction of the way from the centre to the corners) nothing changes;
    from there the darkening eases in, so there is no visible ring.
    """
    check_image(image, op="vignette")
    check_range(strength, op="vignette", name="strength", low=0, high=100)
    check_range(radius, op="vignette", name="radius", low=0, high=0.99)
    height, width = image.shape[:2]
    keep = _vignette_mask(width=width, height=height, strength=strength, radius=radius)
    return as_image(cv2.multiply(image, cv2.merge([keep, keep, keep]), scale=1 / 255))


def pencil_sketch(
    image: ImageArray, *, radius: float = 8.0, darkness: float = 2.0, color: bool = False
) -> ImageArray:
    """Graphite look by colour-dodging the grey image with its blurred negative.

    `radius` sets how broad the strokes are, `darkness` (1 and up) how hard the pencil presses;
    with `color` the sketch tints the photo.
    """
    check_image(image, op="pencil_sketch")
    check_range(darkness, op="pencil_sketch", name="darkness", low=1, high=10)
    if radius < 0:
        raise OpError("pencil_sketch: the radius cannot be negative")
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    negative = cv2.bitwise_not(grey)
    blurred = cv2.GaussianBlur(negative, (0, 0), max(radius, 0.1))
    sketch = as_image(cv2.divide(grey, cv2.bitwise_not(blurred), scale=256))
    sketch = apply_lut(sketch, table=255 * (_LEVELS / 255) ** darkness)
    sketch_rgb = as_image(cv2.cvtColor(sketch, cv2.COLOR_GRAY2RGB))
    if not color:
        return sketch_rgb
    return as_image(cv2.multiply(image, sketch_rgb, scale=1 / 255))


def cartoon(
    image: ImageArray, *, smoothing: float = 5.0, edge_size: int = 9, levels: int = 8
) -> ImageArray:
    """Flat colour areas (`levels` per channel) with dark outlines `edge_size` pixels wide."""
    check_image(image, op="cartoon")
    if smoothing < 0:
        raise OpError("cartoon: the smoothing cannot be negative")
    if levels < 2:
        raise OpError("cartoon: there must be at least 2 colour levels")
    if edge_size < 1:
        raise OpError("cartoon: the edge size must be at least 1 pixel")
    grey = cv2.medianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), _odd(size=edge_size / 2))
    outlines = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, _odd(size=edge_size), 4
    )
    diameter = min(2 * round(smoothing) + 1, _BILATERAL_MAX_DIAMETER)
    flat = cv2.bilateralFilter(image, diameter, 50, smoothing) if diameter >= 3 else image
    step = 256 / levels
    table = ((np.arange(256) // step + 0.5) * step).clip(0, 255).astype(np.uint8)
    flat = cv2.LUT(flat, table)
    return as_image(cv2.bitwise_and(flat, flat, mask=outlines))


def stylize(image: ImageArray, *, sigma_s: float = 60.0, sigma_r: float = 0.45) -> ImageArray:
    """OpenCV's stylization: a watercolour-like edge-preserving smoothing with inked edges.

    `sigma_s` is the neighbourhood size in pixels, `sigma_r` (0..1) how different colours may
    be and still get smoothed together.
    """
    check_image(image, op="stylize")
    check_range(sigma_r, op="stylize", name="colour range", low=0.01, high=1)
    if sigma_s <= 0:
        raise OpError("stylize: the neighbourhood size must be above 0")
    return as_image(cv2.stylization(image, sigma_s=min(sigma_s, 200), sigma_r=sigma_r))


def _vignette_mask(*, width: int, height: int, strength: float, radius: float) -> ImageArray:
    """How much of each pixel to keep, 0..255 (255 exactly inside `radius`).

    The mask is smooth, so it is computed on a small grid and enlarged: at 12 megapixels that
    is many times faster than evaluating it per pixel.
    """
    small_width, small_height = min(width, _MASK_GRID), min(height, _MASK_GRID)
    # Where cv2.resize will take each small cell's centre from, from -1 (edge) to 1.
    across = _cell_centres(cells=small_width, pixels=width) ** 2
    down = _cell_centres(cells=small_height, pixels=height) ** 2
    distance = np.sqrt((down[:, np.newaxis] + across[np.newaxis, :]) / 2)
    ramp = np.clip((distance - radius) / (1 - radius), 0, 1)
    keep = 255 * (1 - (strength / 100) * ramp * ramp * (3 - 2 * ramp))
    small = as_image(np.rint(keep).astype(np.uint8))
    if (small_width, small_height) == (width, height):
        return small
    return as_image(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))


def _cell_centres(*, cells: int, pixels: int) -> np.ndarray:
    centres = (np.arange(cells, dtype=np.float32) + 0.5) * (pixels / cells) - 0.5
    return centres / max(pixels - 1, 1) * 2 - 1


def _odd(*, size: float) -> int:
    """The odd window size at or just below `size`, at least 3."""
    return max(3, 2 * math.floor(size / 2) + 1)
