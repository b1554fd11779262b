"""Text and image watermarks, blended in at one of nine positions."""

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from processing.ops.core import (
    POSITIONS,
    ImageArray,
    OpError,
    as_image,
    blend_at,
    check_choice,
    check_image,
    check_range,
    parse_color,
    place,
)

POSITION_NAMES = tuple(name for name, _ in POSITIONS)
MAX_TEXT_LENGTH = 200
_TEXT_ROOM = 4


def watermark_text(
    image: ImageArray,
    *,
    text: str = "© Your name",
    position: str = "bottom-right",
    size: int = 48,
    opacity: float = 50.0,
    color: str = "#ffffff",
    margin: int = 24,
) -> ImageArray:
    """Write `text` (`size` pixels high, several lines allowed) over the image."""
    check_image(image, op="watermark_text")
    check_choice(position, op="watermark_text", name="position", choices=POSITION_NAMES)
    check_range(opacity, op="watermark_text", name="opacity", low=0, high=100)
    if not text.strip():
        raise OpError("watermark_text: the text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise OpError(f"watermark_text: the text is longer than {MAX_TEXT_LENGTH} characters")
    if size < 1:
        raise OpError("watermark_text: the text size must be at least 1 pixel")
    height, width = image.shape[:2]
    coverage = _text_mask(text=text, size=size, room=(width, height))
    alpha = coverage.astype(np.float32) * (opacity / 100 / 255)
    layer = np.empty((*coverage.shape, 3), dtype=np.uint8)
    layer[:] = parse_color(color, op="watermark_text")
    x, y = place(
        position=position,
        box=(coverage.shape[1], coverage.shape[0]),
        canvas=(width, height),
        margin=margin,
    )
    return blend_at(image, layer=layer, alpha=alpha, x=x, y=y)


def watermark_image(
    image: ImageArray,
    *,
    overlay: ImageArray,
    position: str = "bottom-right",
    scale: float = 0.25,
    opacity: float = 60.0,
    margin: int = 24,
) -> ImageArray:
    """Blend `overlay` (grey, RGB or RGBA, e.g. a logo) in, `scale` times the image's width."""
    check_image(image, op="watermark_image")
    check_choice(position, op="watermark_image", name="position", choices=POSITION_NAMES)
    check_range(opacity, op="watermark_image", name="opacity", low=0, high=100)
    check_range(scale, op="watermark_image", name="scale", low=0.001, high=1)
    logo = _as_rgba(overlay)
    height, width = image.shape[:2]
    logo_width = max(1, round(width * scale))
    logo_height = max(1, round(logo.shape[0] * logo_width / logo.shape[1]))
    shrinking = logo_width <= logo.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    logo = as_image(cv2.resize(logo, (logo_width, logo_height), interpolation=interpolation))
    alpha = logo[:, :, 3].astype(np.float32) * (opacity / 100 / 255)
    x, y = place(
        position=position, box=(logo_width, logo_height), canvas=(width, height), margin=margin
    )
    return blend_at(image, layer=logo[:, :, :3], alpha=alpha, x=x, y=y)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text_mask(*, text: str, size: int, room: tuple[int, int]) -> ImageArray:
    """Coverage (0..255) of `text` drawn white on black, cropped to the ink.

    Text many times larger than the picture (`room`) would only be cut off, at great expense.
    """
    font = _font(size)
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = (
        round(edge) for edge in scratch.multiline_textbbox((0, 0), text, font=font)
    )
    if right - left > _TEXT_ROOM * room[0] or bottom - top > _TEXT_ROOM * room[1]:
        raise OpError("watermark_text: the text is far larger than the picture")
    canvas = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(canvas).multiline_text((-left, -top), text, fill=255, font=font)
    return as_image(np.asarray(canvas))


def _as_rgba(overlay: ImageArray) -> ImageArray:
    if not isinstance(overlay, np.ndarray) or overlay.dtype != np.uint8 or overlay.size == 0:
        raise OpError("watermark_image: the watermark picture must be a non-empty uint8 array")
    if overlay.ndim == 2:
        return as_image(cv2.cvtColor(overlay, cv2.COLOR_GRAY2RGBA))
    if overlay.ndim == 3 and overlay.shape[2] == 3:
        return as_image(cv2.cvtColor(overlay, cv2.COLOR_RGB2RGBA))
    if overlay.ndim == 3 and overlay.shape[2] == 4:
        return overlay
    raise OpError("watermark_image: the watermark picture must be grey, RGB or RGBA")
