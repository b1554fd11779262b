"""Quality measures shared by the tests and bench/ml.py: labels, mAP@0.5, mask IoU, edge likeness."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from processing.ml.images import Box
from processing.ml.segment import COCO_TO_VOC

__all__ = [
    "COCO_TO_VOC",
    "average_precision",
    "box_iou",
    "edge_correlation",
    "mask_iou",
    "mean_average_precision",
    "polygon_mask",
    "yolo_boxes_read",
    "yolo_polygons_read",
]


@dataclass(frozen=True, slots=True)
class Labelled:
    label: str
    box: Box


@dataclass(frozen=True, slots=True)
class Scored:
    label: str
    score: float
    box: Box


def yolo_boxes_read(*, path: Path, names: Sequence[str]) -> list[Labelled]:
    """YOLO `class cx cy w h` lines (relative) as corner boxes; no file: no objects."""
    if not path.is_file():
        return []
    objects = []
    for line in path.read_text().split("\n"):
        if fields := line.split():
            cx, cy, w, h = (float(value) for value in fields[1:5])
            objects.append(
                Labelled(names[int(fields[0])], (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
            )
    return objects


def yolo_polygons_read(*, path: Path, names: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """YOLO segmentation lines `class x1 y1 x2 y2 ...` as (label, Nx2 relative vertices)."""
    if not path.is_file():
        return []
    polygons = []
    for line in path.read_text().split("\n"):
        if fields := line.split():
            vertices = np.array([float(value) for value in fields[1:]], dtype=np.float32)
            polygons.append((names[int(fields[0])], vertices.reshape(-1, 2)))
    return polygons


def polygon_mask(*, polygon: np.ndarray, width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=np.uint8)
    points = np.rint(polygon * np.array([width, height], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)


def box_iou(a: Box, b: Box) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union if union > 0 else 0.0


def average_precision(*, hits: np.ndarray, scores: np.ndarray, positives: int) -> float:
    """COCO-style AP: precision made monotone, sampled at 101 recall points (0, 0.01 ... 1)."""
    if positives == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    true = np.cumsum(hits[order])
    recall = true / positives
    precision = true / np.arange(1, len(order) + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    points = np.linspace(0.0, 1.0, 101)
    at = np.searchsorted(recall, points, side="left")
    sampled = np.where(at < len(envelope), envelope[np.minimum(at, len(envelope) - 1)], 0.0)
    return float(sampled.mean())


def _class_hits(
    *,
    predictions: Sequence[Sequence[Scored]],
    truths: Sequence[Sequence[Labelled]],
    label: str,
    iou: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    hits, scores, positives = [], [], 0
    for found, expected in zip(predictions, truths, strict=True):
        wanted = [item.box for item in expected if item.label == label]
        positives += len(wanted)
        taken = [False] * len(wanted)
        for item in sorted((p for p in found if p.label == label), key=lambda p: -p.score):
            overlaps = [
                0.0 if used else box_iou(item.box, box)
                for box, used in zip(wanted, taken, strict=True)
            ]
            best = int(np.argmax(overlaps)) if overlaps else -1
            hit = best >= 0 and overlaps[best] >= iou
            if hit:
                taken[best] = True
            hits.append(hit)
            scores.append(item.score)
    return np.array(hits, dtype=np.float64), np.array(scores, dtype=np.float64), positives


def mean_average_precision(
    *,
    predictions: Sequence[Sequence[Scored]],
    truths: Sequence[Sequence[Labelled]],
    iou: float = 0.5,
) -> float:
    """mAP over the classes that have ground truth (COCO 101-point AP, greedy matching by score)."""
    labels = sorted({item.label for expected in truths for item in expected})
    values = []
    for label in labels:
        hits, scores, positives = _class_hits(
            predictions=predictions, truths=truths, label=label, iou=iou
        )
        values.append(average_precision(hits=hits, scores=scores, positives=positives))
    return float(np.mean(values)) if values else float("nan")


def mask_iou(*, predicted: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> float:
    found = predicted >= threshold
    union = np.logical_or(found, truth).sum()
    return float(np.logical_and(found, truth).sum() / union) if union else 1.0


def edge_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of Sobel gradient magnitudes of two same-size images (structure kept)."""

    def magnitude(image: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        smooth = cv2.GaussianBlur(grey, (0, 0), 1.5)
        return cv2.magnitude(
            cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
        )

    return float(np.corrcoef(magnitude(a).ravel(), magnitude(b).ravel())[0, 1])
