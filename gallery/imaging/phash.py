"""64-bit perceptual hash (DCT, as in pHash) and the distance between two hashes."""

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from gallery.imaging.decode import normalise

_SIDE = 32  # the DCT runs on a 32x32 grey picture; its 8x8 lowest frequencies give the bits


def perceptual_hash(*, image: Image.Image | NDArray[np.uint8]) -> str:
    """16 hex digits; near-identical pictures (re-encoded, resized) differ in few bits.

    Give it the upright picture (orientation applied); transparency counts as white.
    To hash a file: ``perceptual_hash(image=load_rgb(file=f, max_side=256))``.
    """
    grey = _grey(image)
    small = cv2.resize(grey, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8]
    bits = (low > np.median(low)).flatten()
    return f"{int.from_bytes(np.packbits(bits).tobytes(), 'big'):016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hashes from perceptual_hash."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _grey(image: Image.Image | NDArray[np.uint8]) -> NDArray[np.float32]:
    if isinstance(image, Image.Image):
        picture, _ = normalise(image)
        if picture.mode == "RGBA":
            picture = _on_white(picture)
        return np.asarray(picture.convert("L"), dtype=np.float32)
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        return pixels.astype(np.float32)
    rgb = pixels[..., :3].astype(np.float32)
    if pixels.shape[2] == 4:
        alpha = pixels[..., 3:4].astype(np.float32) / 255
        # float32 already (NumPy 2 keeps the array's dtype with Python scalars); the stubs say float64
        rgb = (rgb * alpha + 255 * (1 - alpha)).astype(np.float32, copy=False)
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.float32)


def _on_white(picture: Image.Image) -> Image.Image:
    background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
    background.alpha_composite(picture)
    return background.convert("RGB")
