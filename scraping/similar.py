"""Whether two pictures really are the same one, re-encoded or resized: the perceptual hash
finds candidates, then the shapes and the pixels of small copies decide.

A 64-bit pHash keeps only the lowest frequencies, so two different charts on the same white
page can be 2 bits apart; re-encoding or resizing one picture changes its small grey copy by
a few levels everywhere, while a different picture differs strongly somewhere.
"""

import cv2
import numpy as np
from numpy.typing import NDArray

NEAR_DUPLICATE_BITS = 6  # pHash distance that makes two pictures candidates
SIGNATURE_SIDE = 32  # the small grey copy compared pixel by pixel
ASPECT_TOLERANCE = 0.03  # relative: resizing rounds each side to whole pixels
# Copies of one picture (resized, re-encoded), measured on the 32x32 grey copies: the mean
# difference stays near 1 level of 255 and no pixel moves far; a chart with one bar 10 px
# taller (pHash distance 0) has 3 pixels more than 64 levels apart.
MEAN_LEVELS = 3.0
FAR_LEVELS, FAR_PIXELS = 48, 2  # at most this many pixels differ by more than FAR_LEVELS
PEAK_LEVELS = 64  # and none by more than this

Signature = NDArray[np.uint8]


def signature(*, pixels: NDArray[np.uint8]) -> Signature:
    """The small grey copy of an upright RGB (or grey) picture; transparency counts as white."""
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        alpha = pixels[..., 3:4].astype(np.float32) / 255
        pixels = (pixels[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY) if pixels.ndim == 3 else pixels
    small = cv2.resize(grey, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.uint8)


def same_aspect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """(width, height) pairs of one shape, up to rounding."""
    if min(*a, *b) <= 0:
        return False
    ratio_a, ratio_b = a[0] / a[1], b[0] / b[1]
    return abs(ratio_a - ratio_b) <= ASPECT_TOLERANCE * max(ratio_a, ratio_b)


def pixels_match(a: Signature, b: Signature) -> bool:
    """Whether two signatures are of one picture (see the thresholds above)."""
    difference = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return (
        float(difference.mean()) <= MEAN_LEVELS
        and int((difference > FAR_LEVELS).sum()) <= FAR_PIXELS
        and int(difference.max()) <= PEAK_LEVELS
    )


def pictures_match(
    *, a: Signature, a_size: tuple[int, int], b: Signature, b_size: tuple[int, int]
) -> bool:
    """Same shape (width, height up to scale) and the same small grey copy."""
    return same_aspect(a_size, b_size) and pixels_match(a, b)
