"""Salient-object masks with U²-Net-p: the subject of any kind, not only the 20 VOC classes."""

from pathlib import Path

import cv2
import numpy as np

from processing.ml.images import as_rgb8
from processing.ml.manifest import SALIENT
from processing.ml.onnx import Backend, onnx_model

SIZE = 320
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def salient_batch(image: np.ndarray) -> np.ndarray:
    """The network's input (as rembg prepares it): 320x320 Lanczos, x / max, ImageNet mean/std."""
    small = cv2.resize(as_rgb8(image), (SIZE, SIZE), interpolation=cv2.INTER_LANCZOS4)
    pixels = small.astype(np.float32)
    pixels /= max(float(pixels.max()), 1.0)
    normalised = (pixels - MEAN) / STD
    return np.ascontiguousarray(normalised.transpose(2, 0, 1)[None])


def salient_coarse(
    *, image: np.ndarray, model_dir: Path, backend: Backend | None = None
) -> np.ndarray:
    """The fused output at 320x320, min-max normalised to 0..1 (float32)."""
    output = onnx_model(name=SALIENT, model_dir=model_dir, backend=backend).run(
        salient_batch(image)
    )
    fused = output[0, 0].astype(np.float32)
    low, high = float(fused.min()), float(fused.max())
    scaled: np.ndarray = (fused - low) / (high - low) if high > low else np.zeros_like(fused)
    return scaled


def salient_mask(
    *, image: np.ndarray, model_dir: Path, backend: Backend | None = None
) -> np.ndarray:
    """How salient each pixel is (float32 HxW, 0..1), at the image's size."""
    height, width = image.shape[:2]
    coarse = salient_coarse(image=image, model_dir=model_dir, backend=backend)
    resized: np.ndarray = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    clipped: np.ndarray = np.clip(resized, 0.0, 1.0)
    return clipped
