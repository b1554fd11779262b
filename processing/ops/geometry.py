"""Crop, resize, rotate and flip: the operations that change the canvas, alpha included."""

import math

import cv2

from processing.ops.core import (
    ImageArray,
    OpError,
    TooLargeError,
    as_image,
    check_choice,
    check_image,
    parse_color,
)

DEFAULT_MAX_PIXELS = 100_000_000
RESIZE_MODES = ("percent", "pixels")
ROTATE_MODES = ("expand", "crop")
FLIP_DIRECTIONS = ("horizontal", "vertical")

# Tolerance for boxes typed as decimals: 0.1 + 0.9 is 1.0000000000000002.
_EDGE_SLACK = 1e-9
_QUARTER_TURNS = {
    1: cv2.ROTATE_90_CLOCKWISE,
    2: cv2.ROTATE_180,
    3: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def crop_check(*, x: float, y: float, width: float, height: float) -> None:
    if width <= 0 or height <= 0:
        raise OpError("crop: the box is empty")
    inside = min(x, y) >= 0 and x + width <= 1 + _EDGE_SLACK and y + height <= 1 + _EDGE_SLACK
    if not inside:
        raise OpError("crop: the box lies outside the image")


def crop(
    image: ImageArray, *, x: float = 0.0, y: float = 0.0, width: float = 1.0, height: float = 1.0
) -> ImageArray:
    """Cut out a box given in fractions (0..1) of the image's width and height."""
    check_image(image, op="crop", alpha_ok=True)
    crop_check(x=x, y=y, width=width, height=height)
    image_height, image_width = image.shape[:2]
    left, right = round(x * image_width), min(round((x + width) * image_width), image_width)
    top, bottom = round(y * image_height), min(round((y + height) * image_height), image_height)
    if right <= left or bottom <= top:
        raise OpError("crop: the box is smaller than one pixel")
    return image[top:bottom, left:right].copy()


def resize_check(*, mode: str, percent: float, width: int, height: int, keep_aspect: bool) -> None:
    check_choice(mode, op="resize", name="mode", choices=RESIZE_MODES)
    if mode == "percent":
        if percent <= 0:
            raise OpError("resize: the percentage must be above 0")
        return
    if width < 0 or height < 0:
        raise OpError("resize: width and height cannot be negative")
    if width == 0 and height == 0:
        raise OpError("resize: give a width, a height or both")
    if not keep_aspect and (width == 0 or height == 0):
        raise OpError("resize: give both width and height, or keep the aspect ratio")


def resize_target(
    *, size: tuple[int, int], mode: str, percent: float, width: int, height: int, keep_aspect: bool
) -> tuple[int, int]:
    """The (width, height) a resize of an image of `size` (width, height) produces."""
    old_width, old_height = size
    if mode == "percent":
        return round(old_width * percent / 100), round(old_height * percent / 100)
    if not keep_aspect:
        return width, height
    # Fit inside the box; the side that binds gets exactly the requested length.
    width_ratio = width / old_width if width else math.inf
    height_ratio = height / old_height if height else math.inf
    if width_ratio <= height_ratio:
        return width, round(old_height * width_ratio)
    return round(old_width * height_ratio), height


def resize(
    image: ImageArray,
    *,
    mode: str = "percent",
    percent: float = 50.0,
    width: int = 0,
    height: int = 0,
    keep_aspect: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageArray:
    """Scale by a percentage, or to pixels (0 for the side that follows the aspect ratio)."""
    check_image(image, op="resize", alpha_ok=True)
    resize_check(mode=mode, percent=percent, width=width, height=height, keep_aspect=keep_aspect)
    old_height, old_width = image.shape[:2]
    new_width, new_height = resize_target(
        size=(old_width, old_height),
        mode=mode,
        percent=percent,
        width=width,
        height=height,
        keep_aspect=keep_aspect,
    )
    if new_width < 1 or new_height < 1:
        raise OpError(f"resize: the result would be {new_width}×{new_height}, which is empty")
    _check_pixels(op="resize", width=new_width, height=new_height, max_pixels=max_pixels)
    if (new_width, new_height) == (old_width, old_height):
        return image.copy()
    shrinking = new_width <= old_width and new_height <= old_height
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return as_image(cv2.resize(image, (new_width, new_height), interpolation=interpolation))


def rotate(
    image: ImageArray,
    *,
    angle: float = 90.0,
    mode: str = "expand",
    fill: str = "#ffffff",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageArray:
    """Turn clockwise by `angle` degrees; quarter turns are exact.

    Other angles either grow the canvas to hold the whole picture ("expand") or keep the
    size and lose the corners ("crop"); uncovered canvas gets `fill` (transparent with alpha).
    """
    check_image(image, op="rotate", alpha_ok=True)
    check_choice(mode, op="rotate", name="mode", choices=ROTATE_MODES)
    if not math.isfinite(angle):
        raise OpError("rotate: the angle must be a number")
    quarters, remainder = divmod(angle % 360, 90)
    if remainder < _EDGE_SLACK or 90 - remainder < _EDGE_SLACK:
        turns = (int(quarters) + (remainder > 45)) % 4
        return image.copy() if turns == 0 else as_image(cv2.rotate(image, _QUARTER_TURNS[turns]))
    return _rotate_free(image, angle=angle, mode=mode, fill=fill, max_pixels=max_pixels)


def _rotate_free(
    image: ImageArray, *, angle: float, mode: str, fill: str, max_pixels: int
) -> ImageArray:
    red, green, blue = parse_color(fill, op="rotate")
    height, width = image.shape[:2]
    centre = ((width - 1) / 2, (height - 1) / 2)
    matrix = cv2.getRotationMatrix2D(centre, -angle, 1.0)  # OpenCV turns counter-clockwise
    new_width, new_height = width, height
    if mode == "expand":
        cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
        new_width = math.ceil(width * cos + height * sin - _EDGE_SLACK)
        new_height = math.ceil(width * sin + height * cos - _EDGE_SLACK)
        _check_pixels(op="rotate", width=new_width, height=new_height, max_pixels=max_pixels)
        matrix[0, 2] += (new_width - width) / 2
        matrix[1, 2] += (new_height - height) / 2
    border = (red, green, blue, 0) if image.shape[2] == 4 else (red, green, blue)
    return as_image(
        cv2.warpAffine(
            image,
            matrix,
            (new_width, new_height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border,
        )
    )


def flip(image: ImageArray, *, direction: str = "horizontal") -> ImageArray:
    """Mirror left-right ("horizontal") or top-bottom ("vertical")."""
    check_image(image, op="flip", alpha_ok=True)
    check_choice(direction, op="flip", name="direction", choices=FLIP_DIRECTIONS)
    return as_image(cv2.flip(image, 1 if direction == "horizontal" else 0))


def _check_pixels(*, op: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        megapixels = max_pixels / 1_000_000
        raise TooLargeError(
            f"{op}: the result would be {width}×{height}, over the limit of {megapixels:g} megapixels"
        )
