"""Bringing caller arrays to what the networks take: HxWx3 RGB uint8."""

from collections.abc import Sequence

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 relative to the image (0..1)


def as_rgb8(image: np.ndarray) -> np.ndarray:
    """HxWx3 RGB uint8 from RGB/RGBA/grey arrays in uint8, uint16 or float (0..1).

    RGBA is composited over white (what a viewer shows for transparent pixels). Four channels are
    always read as RGBA: convert CMYK and other modes before (Pillow: `image.convert("RGB")`).
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"expected HxW, HxWx3 or HxWx4 pixels, got shape {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"empty image: shape {image.shape}")
    pixels = _to_uint8(image)
    if pixels.ndim == 2:
        return np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3:4].astype(np.float32) / 255.0
        rgb = pixels[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return np.ascontiguousarray(np.rint(rgb).astype(np.uint8))
    return np.ascontiguousarray(pixels)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        scaled: np.ndarray = np.rint(image.astype(np.float32) / 257.0)
        return scaled.astype(np.uint8)
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError("float image holds NaN or infinite values")
        if image.min() < 0.0 or image.max() > 1.0:
            raise ValueError("float pixels must lie in 0..1 (convert 0..255 floats to uint8)")
        return np.rint(image * 255.0).astype(np.uint8)
    raise ValueError(f"unsupported pixel type {image.dtype}: use uint8, uint16 or float 0..1")


def resize_to(image: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """Area filter when shrinking (no aliasing), linear when enlarging."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    shrinking = width * height < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def box_inside(box: Sequence[float]) -> bool:
    """A relative box (x0, y0, x1, y1) that is not empty and lies in the image."""
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def point_inside(point: Sequence[float]) -> bool:
    """A relative point (x, y) in the image."""
    return len(point) == 2 and all(0 <= value <= 1 for value in point)


def box_check(box: Box) -> Box:
    x0, y0, x1, y1 = (float(value) for value in box)
    x0, x1 = sorted((min(max(x0, 0.0), 1.0), min(max(x1, 0.0), 1.0)))
    y0, y1 = sorted((min(max(y0, 0.0), 1.0), min(max(y1, 0.0), 1.0)))
    if x1 - x0 <= 0.0 or y1 - y0 <= 0.0:
        raise ValueError(
            f"empty box {box}: expected relative (x0, y0, x1, y1) with x0 < x1, y0 < y1"
        )
    return x0, y0, x1, y1


def box_pixels(box: Box, *, width: int, height: int) -> tuple[int, int, int, int]:
    """x, y, w, h in pixels, at least one pixel wide and high."""
    x0, y0, x1, y1 = box
    left = min(int(round(x0 * width)), width - 1)
    top = min(int(round(y0 * height)), height - 1)
    right = max(int(round(x1 * width)), left + 1)
    bottom = max(int(round(y1 * height)), top + 1)
    return left, top, min(right, width) - left, min(bottom, height) - top
