"""Background removal's parts: DeepLab v3 (VOC classes), GrabCut from a box, soft edges,
compositing. processing/ml/subject.py chooses the subject and combines the models."""

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from processing.ml.images import Box, as_rgb8, box_check, box_pixels, resize_to
from processing.ml.manifest import SEGMENTER
from processing.ml.runtime import TfliteModel, tflite_model
from processing.ml.store import model_labels

SIZE = 513
REFINE_SIDE = 1024  # edges are refined at most at this long side, then scaled up
GRABCUT_SIDE = 320  # measured on coco128: 512 px gains 0.05 IoU for 3x the time (up to 13 s)
GRABCUT_ITERATIONS = 3  # 5 was no better on coco128

Mode = Literal["transparent", "color", "blur", "image"]

# COCO names of the classes DeepLab (PASCAL VOC) knows, with their VOC names
COCO_TO_VOC = {
    "person": "person",
    "bicycle": "bicycle",
    "car": "car",
    "motorcycle": "motorbike",
    "airplane": "aeroplane",
    "bus": "bus",
    "train": "train",
    "boat": "boat",
    "bird": "bird",
    "cat": "cat",
    "dog": "dog",
    "horse": "horse",
    "sheep": "sheep",
    "cow": "cow",
    "bottle": "bottle",
    "chair": "chair",
    "couch": "sofa",
    "potted plant": "pottedplant",
    "dining table": "diningtable",
    "tv": "tvmonitor",
}


def segmenter(*, model_dir: Path) -> TfliteModel:
    return tflite_model(name=SEGMENTER, model_dir=model_dir)


def guided_filter(
    *, guide: np.ndarray, source: np.ndarray, radius: int, eps: float = 1e-3
) -> np.ndarray:
    """He et al.'s edge-preserving filter: the mask's edges snap to the image's edges."""
    grey = cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(values: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(values, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)

    mean_i, mean_p = mean(grey), mean(source)
    variance = mean(grey * grey) - mean_i * mean_i
    covariance = mean(grey * source) - mean_i * mean_p
    a = covariance / (variance + eps)
    b = mean_p - a * mean_i
    refined: np.ndarray = np.clip(mean(a) * grey + mean(b), 0.0, 1.0)
    return refined


def refine_edges(*, image: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """Scale a coarse 0..1 mask to the image and soften its edges along the image's edges."""
    height, width = image.shape[:2]
    scale = min(1.0, REFINE_SIDE / max(height, width))
    work_w, work_h = max(1, round(width * scale)), max(1, round(height * scale))
    guide = resize_to(image, width=work_w, height=work_h)
    source = cv2.resize(coarse.astype(np.float32), (work_w, work_h), interpolation=cv2.INTER_LINEAR)
    blur = max(1, round(max(work_w, work_h) / max(coarse.shape)))  # one coarse pixel, here
    refined = guided_filter(guide=guide, source=source, radius=2 * blur)
    return resize_to(refined, width=width, height=height).astype(np.float32)


def _class_ids(*, classes: Iterable[str] | None, names: Sequence[str]) -> np.ndarray:
    if classes is None:
        return np.arange(1, len(names))
    wanted = list(classes)
    unknown = sorted(set(wanted) - set(names[1:]))
    if unknown:
        raise ValueError(f"not VOC classes: {', '.join(unknown)}; known: {', '.join(names[1:])}")
    return np.array([names.index(name) for name in wanted])


def class_map(*, image: np.ndarray, model_dir: Path) -> np.ndarray:
    """DeepLab's class index per pixel, at the image's aspect ratio (long side 513)."""
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    scale = SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    batch = np.full((1, SIZE, SIZE, 3), 128, dtype=np.uint8)  # 128 is 0.0 after quantisation
    batch[0, :new_h, :new_w] = resize_to(pixels, width=new_w, height=new_h)
    return segmenter(model_dir=model_dir).run(batch)[0, :new_h, :new_w]


def foreground_mask(
    *, image: np.ndarray, model_dir: Path, classes: Iterable[str] | None = None
) -> np.ndarray:
    """Soft foreground (float32 HxW, 0..1): any VOC class, or only the named VOC classes."""
    pixels = as_rgb8(image)
    names = model_labels(name=SEGMENTER, model_dir=model_dir)
    ids = _class_ids(classes=classes, names=names)
    coarse = np.isin(class_map(image=pixels, model_dir=model_dir), ids).astype(np.float32)
    if not coarse.any():
        return np.zeros(pixels.shape[:2], dtype=np.float32)
    return refine_edges(image=pixels, coarse=coarse)


def grabcut_mask(
    *, image: np.ndarray, box: Box, iterations: int = GRABCUT_ITERATIONS
) -> np.ndarray:
    """Classical fallback: GrabCut seeded with everything outside the box as background."""
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    if min(height, width) < 8:
        raise ValueError(f"image too small for GrabCut: {width}x{height}, need 8x8 or more")
    scale = min(1.0, GRABCUT_SIDE / max(height, width))
    work_w, work_h = max(8, round(width * scale)), max(8, round(height * scale))
    small = resize_to(pixels, width=work_w, height=work_h)
    left, top, box_w, box_h = box_pixels(box_check(box), width=work_w, height=work_h)
    # GrabCut needs some background: keep a one-pixel frame outside the rectangle
    left, top = max(left, 1), max(top, 1)
    box_w = max(1, min(box_w, work_w - 1 - left))
    box_h = max(1, min(box_h, work_h - 1 - top))
    labels = np.zeros((work_h, work_w), dtype=np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(
        small,
        labels,
        (left, top, box_w, box_h),
        background,
        foreground,
        iterations,
        cv2.GC_INIT_WITH_RECT,
    )
    coarse = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    if not coarse.any():
        return np.zeros((height, width), dtype=np.float32)
    return refine_edges(image=pixels, coarse=coarse)


def _as_alpha(mask: np.ndarray, *, shape: tuple[int, int]) -> np.ndarray:
    if mask.shape != shape:
        raise ValueError(f"mask shape {mask.shape} does not match the image's {shape}")
    if mask.dtype == np.uint8:
        return mask.astype(np.float32) / 255.0
    return np.clip(mask.astype(np.float32), 0.0, 1.0)


def _cover(background: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """Scale to cover width x height, then crop the centre (no distortion)."""
    pixels = as_rgb8(background)
    scale = max(width / pixels.shape[1], height / pixels.shape[0])
    new_w = max(width, round(pixels.shape[1] * scale))
    new_h = max(height, round(pixels.shape[0] * scale))
    scaled = resize_to(pixels, width=new_w, height=new_h)
    left, top = (new_w - width) // 2, (new_h - height) // 2
    return scaled[top : top + height, left : left + width]


def remove_background(
    *,
    image: np.ndarray,
    mask: np.ndarray,
    mode: Mode = "transparent",
    color: tuple[int, int, int] = (255, 255, 255),
    background: np.ndarray | None = None,
) -> np.ndarray:
    """RGBA (transparent) or RGB with the background replaced by a colour, a blur or an image."""
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    alpha = _as_alpha(mask, shape=(height, width))
    if mode == "transparent":
        return np.dstack([pixels, np.rint(alpha * 255.0).astype(np.uint8)])
    if mode == "color":
        behind = np.empty_like(pixels)
        behind[:] = np.clip(np.asarray(color, dtype=np.int64), 0, 255).astype(np.uint8)
    elif mode == "blur":
        behind = cv2.GaussianBlur(pixels, (0, 0), sigmaX=max(2.0, max(height, width) / 80.0))
    elif mode == "image":
        if background is None:
            raise ValueError("mode 'image' needs a background image")
        behind = _cover(background, width=width, height=height)
    else:
        raise ValueError(f"unknown mode {mode!r}: transparent, color, blur or image")
    weight = alpha[:, :, None]
    blended = pixels.astype(np.float32) * weight + behind.astype(np.float32) * (1.0 - weight)
    rounded: np.ndarray = np.rint(blended)
    return rounded.astype(np.uint8)
