"""Object recognition with YOLOv8n (COCO, 80 classes) on TFLite."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from processing.ml.images import Box, as_rgb8
from processing.ml.manifest import DETECTOR
from processing.ml.runtime import TfliteModel, tflite_model
from processing.ml.store import model_labels

SIZE = 640
PAD = 114
IOU = 0.45
MAX_DETECTIONS = 100
CANDIDATES = 3000  # best-scoring boxes kept before NMS; bounds its cost at low thresholds


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    score: float
    box: Box  # x0, y0, x1, y1 relative to the image

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


@dataclass(frozen=True, slots=True)
class Letterbox:
    pixels: np.ndarray  # SIZE x SIZE x 3 uint8
    scale: float
    left: int
    top: int


def letterbox(image: np.ndarray, *, size: int = SIZE) -> Letterbox:
    """Scale the long side to `size` and centre on a grey (114) square, as YOLOv8 was trained."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_width = min(size, max(1, round(width * scale)))
    new_height = min(size, max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_width, new_height), interpolation=interpolation)
    left, top = (size - new_width) // 2, (size - new_height) // 2
    pixels = np.full((size, size, 3), PAD, dtype=np.uint8)
    pixels[top : top + new_height, left : left + new_width] = resized
    return Letterbox(pixels=pixels, scale=scale, left=left, top=top)


def nms(
    *, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float, limit: int
) -> list[int]:
    """Greedy per-class non-maximum suppression (classes kept apart by offsetting boxes)."""
    shifted = boxes + (classes.astype(np.float32) * 4.0 * (boxes.max(initial=1.0) + 1.0))[:, None]
    x0, y0, x1, y1 = shifted.T
    areas = (x1 - x0) * (y1 - y0)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size and len(keep) < limit:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        width = np.clip(np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]), 0, None)
        height = np.clip(np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]), 0, None)
        overlap = width * height
        union = areas[best] + areas[rest] - overlap
        order = rest[overlap <= iou * np.maximum(union, 1e-9)]
    return keep


def detector(*, model_dir: Path) -> TfliteModel:
    return tflite_model(name=DETECTOR, model_dir=model_dir)


def detect_objects(
    *,
    image: np.ndarray,
    threshold: float = 0.25,
    model_dir: Path,
    iou: float = IOU,
    max_detections: int = MAX_DETECTIONS,
) -> list[Detection]:
    """Objects found in the image, best first, boxes relative to the image (0..1)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in 0..1, got {threshold}")
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    boxed = letterbox(pixels)
    batch = (boxed.pixels.astype(np.float32) / 255.0)[None]
    output = detector(model_dir=model_dir).run(batch)[0].T  # 8400 x (4 + 80)
    class_scores = output[:, 4:]
    classes = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(classes)), classes]
    chosen = np.flatnonzero(scores >= threshold)
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")[:CANDIDATES]]
    # this export gives boxes as fractions of the 640 input (MODELS.md says pixels: checked, not so)
    centre_x, centre_y, box_width, box_height = output[chosen, :4].T * SIZE
    boxes = np.stack(
        [
            centre_x - box_width / 2,
            centre_y - box_height / 2,
            centre_x + box_width / 2,
            centre_y + box_height / 2,
        ],
        axis=1,
    )
    keep = nms(
        boxes=boxes, scores=scores[chosen], classes=classes[chosen], iou=iou, limit=max_detections
    )
    names = model_labels(name=DETECTOR, model_dir=model_dir)
    offset = np.array([boxed.left, boxed.top, boxed.left, boxed.top], dtype=np.float32)
    extent = np.array([width, height, width, height], dtype=np.float32)
    relative = np.clip((boxes[keep] - offset) / boxed.scale / extent, 0.0, 1.0)
    return [
        Detection(
            label=names[classes[chosen[index]]],
            score=float(scores[chosen[index]]),
            box=(float(x0), float(y0), float(x1), float(y1)),
        )
        for index, (x0, y0, x1, y1) in zip(keep, relative, strict=True)
    ]
