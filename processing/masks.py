"""Masks a user drew (the brush on a background removal): checked by content, not by name."""

import struct

import cv2
import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 4096  # the canvas draws at the version's size (at most 2048 px); room to spare
MAX_BYTES = 16 * 1024 * 1024


class MaskError(ValueError):
    """The upload is no usable mask; the message is fit for the user."""


def mask_png_check(data: bytes, *, width: int, height: int) -> bytes:
    """A grey PNG of the drawn mask (its alpha, or its grey levels), refused unless it is a
    PNG of at most MAX_SIDE px a side at the picture's aspect ratio (within 2%)."""
    if len(data) > MAX_BYTES:
        raise MaskError("The mask is too large.")
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 33:
        raise MaskError("The mask must be a PNG image.")
    mask_w, mask_h = struct.unpack(">II", data[16:24])  # read before decoding: no bombs
    if not (0 < mask_w <= MAX_SIDE and 0 < mask_h <= MAX_SIDE):
        raise MaskError(f"The mask must be at most {MAX_SIDE} pixels a side.")
    if abs(mask_w / mask_h - width / height) > 0.02 * (width / height):
        raise MaskError("The mask does not have the picture's shape.")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise MaskError("The mask could not be read.")
    if decoded.ndim == 3 and decoded.shape[2] == 4:
        grey = decoded[:, :, 3]  # the canvas paints the subject opaque, the rest clear
    elif decoded.ndim == 3:
        grey = cv2.cvtColor(decoded, cv2.COLOR_BGR2GRAY)
    else:
        grey = decoded
    if grey.dtype != np.uint8:
        grey = (grey / 257).astype(np.uint8)
    ok, buffer = cv2.imencode(".png", grey)
    if not ok:
        raise MaskError("The mask could not be stored.")
    return bytes(buffer.tobytes())
