"""Tone and colour adjustments, mostly as 256-entry lookup tables (one cv2.LUT pass each)."""

import cv2
import numpy as np

from processing.ops.core import ImageArray, OpError, apply_lut, as_image, check_image, check_range

_LEVELS = np.arange(256, dtype=np.float32)
# Gray world fails on a picture that is almost one colour; this bounds the correction.
_MAX_CHANNEL_GAIN = 4.0


def brightness(image: ImageArray, *, amount: float = 20.0) -> ImageArray:
    """Lift (or lower) every value by `amount` percent of the full range (-100..100)."""
    check_image(image, op="brightness")
    check_range(amount, op="brightness", name="amount", low=-100, high=100)
    return apply_lut(image, table=_LEVELS + amount * 2.55)


def contrast(image: ImageArray, *, amount: float = 20.0) -> ImageArray:
    """Spread values away from (or towards) the mean grey: -100 flattens, +100 doubles."""
    check_image(image, op="contrast")
    check_range(amount, op="contrast", name="amount", low=-100, high=100)
    pivot = _mean_luma(image)
    return apply_lut(image, table=pivot + (_LEVELS - pivot) * (1 + amount / 100))


def saturation(image: ImageArray, *, amount: float = 30.0) -> ImageArray:
    """Move colours away from (or towards) their grey: -100 is black and white."""
    check_image(image, op="saturation")
    check_range(amount, op="saturation", name="amount", low=-100, high=100)
    factor = 1 + amount / 100
    grey = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return as_image(cv2.addWeighted(image, factor, grey, 1 - factor, 0))


def gamma(image: ImageArray, *, value: float = 1.2) -> ImageArray:
    """Gamma curve: above 1 brightens the midtones, below 1 darkens them."""
    check_image(image, op="gamma")
    check_range(value, op="gamma", name="gamma", low=0.05, high=10)
    return apply_lut(image, table=255 * (_LEVELS / 255) ** (1 / value))


def white_balance(image: ImageArray, *, strength: float = 100.0) -> ImageArray:
    """Gray-world white balance: scale each channel so that all three average the same."""
    check_image(image, op="white_balance")
    check_range(strength, op="white_balance", name="strength", low=0, high=100)
    means = np.array(cv2.mean(image)[:3], dtype=np.float32)
    gains = np.clip(means.mean() / np.maximum(means, 1), 1 / _MAX_CHANNEL_GAIN, _MAX_CHANNEL_GAIN)
    gains = 1 + (gains - 1) * (strength / 100)
    return apply_lut(image, table=_LEVELS[:, np.newaxis] * gains[np.newaxis, :])


def auto_levels(image: ImageArray, *, clip: float = 0.5, per_channel: bool = True) -> ImageArray:
    """Stretch values so the darkest become 0 and the brightest 255.

    `clip` percent of the pixels at each end are allowed to saturate, so that a few hot pixels
    do not stop the stretch. Per channel also removes a colour cast; otherwise hues are kept.
    """
    check_image(image, op="auto_levels")
    check_range(clip, op="auto_levels", name="clip", low=0, high=25)
    bounds = [_percentile_bounds(image, channel=channel, clip=clip) for channel in range(3)]
    if not per_channel:
        low, high = min(b[0] for b in bounds), max(b[1] for b in bounds)
        bounds = [(low, high)] * 3
    columns = [_stretch_table(low=low, high=high) for low, high in bounds]
    return apply_lut(image, table=np.stack(columns, axis=1))


def clahe(image: ImageArray, *, clip_limit: float = 2.0, tiles: int = 8) -> ImageArray:
    """Contrast-limited adaptive histogram equalisation of the lightness (colours kept)."""
    check_image(image, op="clahe")
    check_range(clip_limit, op="clahe", name="clip limit", low=0.1, high=40)
    if tiles < 1:
        raise OpError("clahe: there must be at least one tile")
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    equaliser = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles))
    lab[:, :, 0] = equaliser.apply(np.ascontiguousarray(lab[:, :, 0]))
    return as_image(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))


def _mean_luma(image: ImageArray) -> float:
    red, green, blue = cv2.mean(image)[:3]
    return 0.299 * red + 0.587 * green + 0.114 * blue


def _percentile_bounds(image: ImageArray, *, channel: int, clip: float) -> tuple[int, int]:
    histogram = cv2.calcHist([image], [channel], None, [256], [0, 256]).ravel()
    cumulative = np.cumsum(histogram)
    allowed = cumulative[-1] * clip / 100
    low = int(np.searchsorted(cumulative, allowed, side="right"))
    high = int(np.searchsorted(cumulative, cumulative[-1] - allowed, side="left"))
    return min(low, 255), min(high, 255)


def _stretch_table(*, low: int, high: int) -> np.ndarray:
    if high <= low:  # a flat channel has nothing to stretch
        return _LEVELS
    return (_LEVELS - low) * (255 / (high - low))
