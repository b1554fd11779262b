"""Shared pieces of the editor's operations: the image type, errors and small helpers."""

import re
from collections.abc import Sequence
from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

ImageArray = NDArray[np.uint8]
"""HxWx3 RGB, or HxWx4 RGBA for the geometric operations, always uint8."""

POSITIONS: tuple[tuple[str, str], ...] = (
    ("top-left", "Top left"),
    ("top", "Top"),
    ("top-right", "Top right"),
    ("left", "Left"),
    ("center", "Centre"),
    ("right", "Right"),
    ("bottom-left", "Bottom left"),
    ("bottom", "Bottom"),
    ("bottom-right", "Bottom right"),
)

_ANCHORS: dict[str, tuple[str, str]] = {
    "top-left": ("start", "start"),
    "top": ("middle", "start"),
    "top-right": ("end", "start"),
    "left": ("start", "middle"),
    "center": ("middle", "middle"),
    "right": ("end", "middle"),
    "bottom-left": ("start", "end"),
    "bottom": ("middle", "end"),
    "bottom-right": ("end", "end"),
}
_HEX_COLOR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class OpError(ValueError):
    """A parameter or image an operation cannot work with; the message is fit for the user."""


class TooLargeError(OpError):
    """The result would have more pixels than the operation was allowed to make."""


def as_image(array: object) -> ImageArray:
    """cv2's stubs type every result as a generic matrix; ours are uint8 by construction."""
    return cast(ImageArray, array)


def check_image(image: ImageArray, *, op: str, alpha_ok: bool = False) -> None:
    channels = (3, 4) if alpha_ok else (3,)
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise OpError(f"{op}: the image must be a uint8 array")
    if image.ndim != 3 or image.shape[2] not in channels:
        kinds = "RGB or RGBA" if alpha_ok else "RGB"
        raise OpError(f"{op}: the image must be {kinds}, got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise OpError(f"{op}: the image is empty")


def check_choice(value: str, *, op: str, name: str, choices: Sequence[str]) -> None:
    if value not in choices:
        allowed = ", ".join(choices)
        raise OpError(f'{op}: {name} must be one of {allowed}, got "{value}"')


def check_range(value: float, *, op: str, name: str, low: float, high: float) -> None:
    if not low <= value <= high:
        raise OpError(f"{op}: {name} must be between {low:g} and {high:g}, got {value:g}")


def color_rgb(value: str) -> tuple[int, int, int]:
    """'#rgb' or '#rrggbb', in any case, to (r, g, b): the one colour parser of the project.
    ValueError for anything else."""
    match = _HEX_COLOR.fullmatch(value.strip())
    if match is None:
        raise ValueError(f'a colour looks like #ff8800, got "{value}"')
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def color_hex(value: str) -> str:
    """The colour normalised to '#rrggbb' (ValueError if it is not one)."""
    return "#{:02x}{:02x}{:02x}".format(*color_rgb(value))


def parse_color(value: str, *, op: str) -> tuple[int, int, int]:
    try:
        return color_rgb(value)
    except ValueError:
        raise OpError(f'{op}: the colour must look like #ff8800, got "{value}"') from None


def apply_lut(
    image: ImageArray, *, table: NDArray[np.floating] | NDArray[np.integer]
) -> ImageArray:
    """Map every value through `table` (256 entries, or 256x3 for one curve per channel)."""
    table_u8 = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    if table_u8.ndim == 2:
        table_u8 = table_u8.reshape(256, 1, 3)
    return as_image(cv2.LUT(image, table_u8))


def place(
    *, position: str, box: tuple[int, int], canvas: tuple[int, int], margin: int
) -> tuple[int, int]:
    """Top-left corner of a (width, height) box at `position` inside a (width, height) canvas."""
    horizontal, vertical = _ANCHORS[position]
    x = _offset(anchor=horizontal, size=box[0], room=canvas[0], margin=margin)
    y = _offset(anchor=vertical, size=box[1], room=canvas[1], margin=margin)
    return x, y


def _offset(*, anchor: str, size: int, room: int, margin: int) -> int:
    if anchor == "start":
        return margin
    if anchor == "end":
        return room - size - margin
    return (room - size) // 2


def blend_at(
    image: ImageArray, *, layer: ImageArray, alpha: NDArray[np.float32], x: int, y: int
) -> ImageArray:
    """A copy of `image` with `layer` (h x w x 3) blended in at (x, y) by `alpha` (h x w, 0..1).

    Whatever part of the layer falls outside the image is dropped.
    """
    height, width = image.shape[:2]
    left, top = max(x, 0), max(y, 0)
    right, bottom = min(x + layer.shape[1], width), min(y + layer.shape[0], height)
    result = image.copy()
    if right <= left or bottom <= top:
        return result
    layer_part = layer[top - y : bottom - y, left - x : right - x].astype(np.float32)
    weight = alpha[top - y : bottom - y, left - x : right - x, np.newaxis]
    region = result[top:bottom, left:right].astype(np.float32)
    mixed = region + (layer_part - region) * weight
    result[top:bottom, left:right] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return result
