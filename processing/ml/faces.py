"""Faces with YuNet (cv2.FaceDetectorYN), privacy blur or pixelation, and the portrait blur."""

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from processing.ml.images import Box, as_rgb8, box_check, box_pixels, resize_to
from processing.ml.manifest import FACES, model_spec
from processing.ml.store import model_path

FACE_SCORE = 0.6  # MODELS.md: at 0.6 the boxes sat on faces in 16 coco128 crowd pictures
NMS = 0.3
TOP_K = 5000
MAX_SIDE = 1280  # detection runs at most at this long side (faces a few pixels high are lost)
GROW = 0.15  # a privacy region reaches this share of the face's size beyond its box
Hide = Literal["blur", "pixelate"]


@dataclass(frozen=True, slots=True)
class Face:
    box: Box  # x0, y0, x1, y1 relative to the image
    score: float


class FaceModel:
    """One YuNet detector and its lock (setInputSize and detect are not thread-safe)."""

    def __init__(self, *, path: Path) -> None:
        self.detector: Any = cv2.FaceDetectorYN.create(
            str(path), "", (320, 320), FACE_SCORE, NMS, TOP_K
        )
        self.lock = threading.Lock()

    def detect(self, bgr: np.ndarray, *, threshold: float) -> np.ndarray:
        with self.lock:
            self.detector.setInputSize((bgr.shape[1], bgr.shape[0]))
            self.detector.setScoreThreshold(threshold)
            _, found = self.detector.detect(bgr)
        return np.zeros((0, 15), np.float32) if found is None else np.asarray(found)


@functools.cache
def _cached(path: str, sha256: str) -> FaceModel:
    return FaceModel(path=Path(path))


_load_lock = threading.Lock()


def face_model(*, model_dir: Path) -> FaceModel:
    path = model_path(name=FACES, model_dir=model_dir)  # ModelMissing / ModelCorrupt
    with _load_lock:
        return _cached(str(path), model_spec(name=FACES).file.sha256)


def detect_faces(
    *, image: np.ndarray, model_dir: Path, threshold: float = FACE_SCORE, max_side: int = MAX_SIDE
) -> list[Face]:
    """Faces found in the image, best first, boxes relative to it."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in 0..1, got {threshold}")
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    work_w, work_h = max(1, round(width * scale)), max(1, round(height * scale))
    bgr = cv2.cvtColor(resize_to(pixels, width=work_w, height=work_h), cv2.COLOR_RGB2BGR)
    found = face_model(model_dir=model_dir).detect(bgr, threshold=threshold)
    faces = []
    for x, y, w, h, *_, score in found[np.argsort(-found[:, 14])] if len(found) else []:
        box = (x / work_w, y / work_h, (x + w) / work_w, (y + h) / work_h)
        try:
            faces.append(Face(box=box_check(box), score=float(score)))
        except ValueError:  # a box wholly outside the picture
            continue
    return faces


def _region(box: Box, *, width: int, height: int, grow: float) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * grow, (y1 - y0) * grow
    return box_pixels(box_check((x0 - dx, y0 - dy, x1 + dx, y1 + dy)), width=width, height=height)


def hide_faces(
    *, image: np.ndarray, boxes: list[Box], how: Hide = "blur", grow: float = GROW
) -> np.ndarray:
    """The image with every box (a face, grown by `grow`) blurred beyond recognition or
    pixelated; nothing outside the boxes changes."""
    if how not in ("blur", "pixelate"):
        raise ValueError(f"unknown way to hide faces {how!r}: blur or pixelate")
    pixels = as_rgb8(image).copy()
    height, width = pixels.shape[:2]
    for box in boxes:
        left, top, box_w, box_h = _region(box, width=width, height=height, grow=grow)
        patch = pixels[top : top + box_h, left : left + box_w]
        if how == "pixelate":
            cells = max(1, round(max(box_w, box_h) / 8))  # about 8 blocks across a face
            small = cv2.resize(
                patch,
                (max(1, box_w // cells), max(1, box_h // cells)),
                interpolation=cv2.INTER_AREA,
            )
            hidden = cv2.resize(small, (box_w, box_h), interpolation=cv2.INTER_NEAREST)
        else:
            sigma = max(box_w, box_h) / 6
            hidden = cv2.GaussianBlur(patch, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
        pixels[top : top + box_h, left : left + box_w] = hidden
    return pixels


def portrait_blur(
    *, image: np.ndarray, mask: np.ndarray, strength: float = 0.5, falloff: float = 0.08
) -> np.ndarray:
    """The subject (mask, 0..1) sharp, the background blurred: `strength` 0..1 sets the blur,
    which grows with the distance from the subject over `falloff` (a share of the long side),
    like a lens's depth of field. The blur leaves the subject's colours out (no halo)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in 0..1, got {strength}")
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    alpha = np.clip(mask.astype(np.float32), 0.0, 1.0)
    if alpha.shape != (height, width):
        raise ValueError(f"mask shape {alpha.shape} does not match the image's {(height, width)}")
    if strength == 0.0:
        return pixels.copy()
    side = max(height, width)
    background = 1.0 - alpha
    source = pixels.astype(np.float32) * background[:, :, None]

    def blurred(sigma: float) -> np.ndarray:
        """The background alone, blurred (normalised by the blurred weight: no subject colour)."""
        weight = cv2.GaussianBlur(background, (0, 0), sigma)[:, :, None]
        spread = cv2.GaussianBlur(source, (0, 0), sigma)
        fill = cv2.GaussianBlur(pixels.astype(np.float32), (0, 0), sigma)
        out: np.ndarray = np.where(weight > 1e-3, spread / np.maximum(weight, 1e-3), fill)
        return out

    strong_sigma = max(1.0, strength * side / 30)
    near, far = blurred(strong_sigma / 3), blurred(strong_sigma)
    subject = (alpha >= 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(1 - subject, cv2.DIST_L2, 5) if subject.any() else None
    ramp = (
        np.ones((height, width), np.float32)
        if distance is None
        else np.clip(distance / max(1.0, falloff * side), 0.0, 1.0)
    )
    behind = near * (1.0 - ramp[:, :, None]) + far * ramp[:, :, None]
    weight = alpha[:, :, None]
    result: np.ndarray = np.rint(pixels.astype(np.float32) * weight + behind * (1.0 - weight))
    clipped: np.ndarray = np.clip(result, 0, 255).astype(np.uint8)
    return clipped
