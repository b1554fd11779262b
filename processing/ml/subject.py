"""Which subject to cut out, and its mask, from what three models know.

- U²-Net-p (salient): what stands out, of any kind, but not always the object a person means
  (it takes the woman under an umbrella, the shoes around a sleeping dog);
- DeepLab (VOC): exact outlines of 20 classes, nothing for the others;
- YOLOv8n (boxes): which objects there are, of 80 classes, and where.

"Automatic" takes the detector's main object (large and sure: on coco128 that is the object a
person would cut out far more often than the most salient box), or the salient region when
nothing is detected. A large DeepLab segment that no box of its class holds counts as a detected
object too (the detector misses a train behind its stop sign, a boat under a dog). Inside the
subject's box several masks compete: the salient pixels, DeepLab's pixels of the subject's
class, and GrabCut seeded from the box alone and from those pixels. The one whose outline fits
the box best wins (a subject's mask touches its tight box on every side and fills a fair part
of it; a mask of the wrong thing does not), DeepLab's unless another fits far better. A detected
person that the mask takes in part is taken whole. A click picks another subject: the smallest
detected box under the point, else the region under it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from processing.ml.detect import Detection, detect_objects
from processing.ml.images import Box, as_rgb8, box_check, box_pixels, resize_to
from processing.ml.manifest import DETECTOR, SALIENT, SEGMENTER
from processing.ml.salient import salient_coarse
from processing.ml.segment import (
    COCO_TO_VOC,
    GRABCUT_ITERATIONS,
    GRABCUT_SIDE,
    class_map,
    refine_edges,
)
from processing.ml.store import ModelCorrupt, ModelMissing, model_labels, model_path

Method = Literal["auto", "salient", "deeplab", "grabcut"]
Point = tuple[float, float]  # x, y relative to the image (0..1)

WORK_SIDE = 513  # where the masks are compared (DeepLab's size); edges are refined at full size
MIN_SCORE = 0.25
PERSON_SCORE = 0.4
PERSON_TAKEN = 0.05  # a person whose mask is this much inside the subject's is taken whole
GROUP_BOXES = 3  # a salient region holding this many detected objects is one subject
SALIENT_TAKEN = 0.3  # a salient region this much inside the subject's mask is taken whole
BOX_MARGIN = 0.02  # masks may spill this far (of the image) past a detector's box
CLICK_BOX = 0.3  # a click on nothing known: GrabCut in a box this large around the point
SEGMENT_SCORE = 0.6  # a DeepLab segment the detector missed counts as a fairly sure detection
SEGMENT_AREA = 0.05  # ... when it covers this much of the picture
SEGMENT_OUTSIDE = 0.5  # ... and at least this much of it lies outside the boxes of its class
DEEPLAB_TOLERANCE = 0.1  # DeepLab's outline of a VOC subject wins unless another fits far better


@dataclass(frozen=True, slots=True)
class MaskResult:
    mask: np.ndarray  # float32 HxW, 0..1, at the image's size
    method: str  # how the winning mask was made: salient, deeplab, grabcut, box+salient...
    box: Box | None  # the subject's box, when there was one
    label: str = ""  # the subject's detected class, "" for none
    people_added: int = 0  # detected people taken whole beside the subject


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the models said about one picture, at the work size."""

    pixels: np.ndarray  # work-size RGB
    salient: np.ndarray | None  # float32 0..1
    classes: np.ndarray | None  # DeepLab class per pixel
    voc_names: tuple[str, ...]
    detections: Sequence[Detection]


def _installed(name: str, model_dir: Path) -> bool:
    try:
        model_path(name=name, model_dir=model_dir)
    except (ModelMissing, ModelCorrupt):
        return False
    return True


def evidence_gather(
    *,
    image: np.ndarray,
    model_dir: Path,
    detections: Sequence[Detection] | None = None,
    use_salient: bool = True,
    use_deeplab: bool = True,
) -> Evidence:
    """Run the installed models once (a missing one is left out; detections given are reused)."""
    pixels = as_rgb8(image)
    height, width = pixels.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    work_w, work_h = max(8, round(width * scale)), max(8, round(height * scale))
    work = resize_to(pixels, width=work_w, height=work_h)
    salient = None
    if use_salient and _installed(SALIENT, model_dir):
        coarse = salient_coarse(image=pixels, model_dir=model_dir)
        salient = np.clip(cv2.resize(coarse, (work_w, work_h)), 0.0, 1.0)
    classes, names = None, tuple[str, ...]()
    if use_deeplab and _installed(SEGMENTER, model_dir):
        found = class_map(image=pixels, model_dir=model_dir).astype(np.uint8)
        classes = cv2.resize(found, (work_w, work_h), interpolation=cv2.INTER_NEAREST)
        names = model_labels(name=SEGMENTER, model_dir=model_dir)
    if detections is None:
        detections = (
            detect_objects(image=pixels, model_dir=model_dir)
            if _installed(DETECTOR, model_dir)
            else []
        )
    return Evidence(work, salient, classes, names, detections)


def main_subject(
    detections: Sequence[Detection], *, min_score: float = MIN_SCORE
) -> Detection | None:
    """The detection that is both large and sure (area x score), or None."""
    candidates = [item for item in detections if item.score >= min_score]
    return max(candidates, key=lambda item: item.area * item.score, default=None)


def _bounds(mask: np.ndarray) -> Box:
    rows, cols = np.flatnonzero(np.any(mask, axis=1)), np.flatnonzero(np.any(mask, axis=0))
    height, width = mask.shape
    return (cols[0] / width, rows[0] / height, (cols[-1] + 1) / width, (rows[-1] + 1) / height)


def segment_subjects(evidence: Evidence) -> list[Detection]:
    """DeepLab's segments that the detector missed, as detections: each connected region of one
    VOC class covering SEGMENT_AREA of the picture, mostly outside the boxes detected for that
    class (a train behind a stop sign, a boat under a dog; not a crowd already detected)."""
    if evidence.classes is None:
        return []
    voc_to_coco = {voc: coco for coco, voc in COCO_TO_VOC.items()}
    shape = evidence.classes.shape
    found = []
    for class_id in np.unique(evidence.classes):
        label = voc_to_coco.get(evidence.voc_names[class_id]) if class_id else None
        if label is None:
            continue
        covered = np.zeros(shape, dtype=bool)
        for item in evidence.detections:
            if item.label == label and item.score >= MIN_SCORE:
                covered |= _box_region(item.box, shape=shape, margin=0.0)
        count, regions, stats, _ = cv2.connectedComponentsWithStats(
            (evidence.classes == class_id).astype(np.uint8)
        )
        for index in range(1, count):
            if stats[index, cv2.CC_STAT_AREA] < SEGMENT_AREA * evidence.classes.size:
                continue
            region = regions == index
            if (region & ~covered).sum() >= SEGMENT_OUTSIDE * region.sum():
                found.append(Detection(label, SEGMENT_SCORE, _bounds(region)))
    return found


def clicked_subject(
    detections: Sequence[Detection], *, point: Point, min_score: float = MIN_SCORE
) -> Detection | None:
    """The smallest sure box under the point (the most specific object clicked), or None."""
    x, y = point
    under = [
        item
        for item in detections
        if item.score >= min_score
        and item.box[0] <= x <= item.box[2]
        and item.box[1] <= y <= item.box[3]
    ]
    return min(under, key=lambda item: item.area, default=None)


def _box_region(box: Box, *, shape: tuple[int, int], margin: float = BOX_MARGIN) -> np.ndarray:
    height, width = shape
    x0, y0, x1, y1 = box
    grown = box_check((x0 - margin, y0 - margin, x1 + margin, y1 + margin))
    left, top, box_w, box_h = box_pixels(grown, width=width, height=height)
    region = np.zeros(shape, dtype=bool)
    region[top : top + box_h, left : left + box_w] = True
    return region


def _class_pixels(evidence: Evidence, label: str) -> np.ndarray | None:
    voc = COCO_TO_VOC.get(label)
    if evidence.classes is None or voc is None or voc not in evidence.voc_names:
        return None
    pixels: np.ndarray = evidence.classes == evidence.voc_names.index(voc)
    return pixels


def grabcut_seeded(*, pixels: np.ndarray, box: Box, prior: np.ndarray | None = None) -> np.ndarray:
    """GrabCut inside the box (outside: background); a prior (0..1) seeds the likely subject."""
    height, width = pixels.shape[:2]
    scale = min(1.0, GRABCUT_SIDE / max(height, width))
    work_w, work_h = max(8, round(width * scale)), max(8, round(height * scale))
    small = resize_to(pixels, width=work_w, height=work_h)
    left, top, box_w, box_h = box_pixels(box_check(box), width=work_w, height=work_h)
    left, top = max(left, 1), max(top, 1)  # GrabCut needs some background: a one-pixel frame
    right, bottom = min(left + box_w, work_w - 1), min(top + box_h, work_h - 1)
    labels = np.full((work_h, work_w), cv2.GC_BGD, dtype=np.uint8)
    inside = np.zeros((work_h, work_w), dtype=bool)
    inside[top:bottom, left:right] = True
    labels[inside] = cv2.GC_PR_FGD
    if prior is not None:
        seed = cv2.resize(prior.astype(np.float32), (work_w, work_h), interpolation=cv2.INTER_AREA)
        if (seed[inside] >= 0.5).mean() > 0.05:
            labels[inside & (seed < 0.5)] = cv2.GC_PR_BGD
            labels[inside & (seed >= 0.9)] = cv2.GC_FGD
    if not inside.any() or (labels == cv2.GC_BGD).all():
        return np.zeros((height, width), dtype=bool)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(
            small,
            labels,
            (0, 0, 1, 1),  # unused with a mask
            background,
            foreground,
            GRABCUT_ITERATIONS,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:  # one class of pixels only (a flat image): nothing to separate
        return np.zeros((height, width), dtype=bool)
    found = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    resized: np.ndarray = cv2.resize(found, (width, height)) >= 0.5
    return resized


def _fit(mask: np.ndarray, box: Box) -> float:
    """How well a mask fits its box: IoU of the mask's own bounds with the box, plus a little
    for filling it (up to half)."""
    rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
    if not rows.any():
        return 0.0
    height, width = mask.shape
    top, bottom = np.flatnonzero(rows)[[0, -1]]
    left, right = np.flatnonzero(cols)[[0, -1]]
    bounds = (left / width, top / height, (right + 1) / width, (bottom + 1) / height)
    overlap_w = max(0.0, min(bounds[2], box[2]) - max(bounds[0], box[0]))
    overlap_h = max(0.0, min(bounds[3], box[3]) - max(bounds[1], box[1]))
    overlap = overlap_w * overlap_h
    union = (
        (bounds[2] - bounds[0]) * (bounds[3] - bounds[1])
        + (box[2] - box[0]) * (box[3] - box[1])
        - overlap
    )
    x, y, box_w, box_h = box_pixels(box, width=width, height=height)
    fill = float(mask[y : y + box_h, x : x + box_w].mean())
    return float(overlap / union + 0.3 * min(fill, 0.5))


def box_candidates(evidence: Evidence, *, box: Box, label: str = "") -> dict[str, np.ndarray]:
    """The competing masks of the subject in a box, by name."""
    shape = evidence.pixels.shape[:2]
    region = _box_region(box, shape=shape)
    candidates: dict[str, np.ndarray] = {}
    prior = None
    if evidence.salient is not None:
        candidates["salient"] = (evidence.salient >= 0.5) & region
        prior = evidence.salient
    if (pixels := _class_pixels(evidence, label)) is not None:
        candidates["deeplab"] = pixels & region
        prior = pixels.astype(np.float32) if prior is None else 0.5 * prior + 0.5 * pixels
    candidates["grabcut"] = grabcut_seeded(pixels=evidence.pixels, box=box)
    if prior is not None:
        candidates["grabcut+models"] = grabcut_seeded(pixels=evidence.pixels, box=box, prior=prior)
    return candidates


def box_mask(evidence: Evidence, *, box: Box, label: str = "") -> tuple[np.ndarray, str]:
    """The best-fitting candidate mask of the subject in the box (work size), and its name."""
    candidates = box_candidates(evidence, box=box, label=label)
    fits = {key: _fit(mask, box) for key, mask in candidates.items()}
    name = max(fits, key=lambda key: fits[key])
    if "deeplab" in fits and fits["deeplab"] >= fits[name] - DEEPLAB_TOLERANCE:
        name = "deeplab"  # on its own classes DeepLab's outline beats GrabCut's and the salient's
    return candidates[name], name


def subject_candidates(evidence: Evidence) -> dict[str, np.ndarray]:
    """Every mask "automatic" chooses among (work size, by name): each model's own, and each
    sure detected or segmented object's box candidates. bench/ml.py takes the best of them per
    picture against the truth: the ceiling of any choosing rule on these models."""
    found: dict[str, np.ndarray] = {}
    if evidence.salient is not None:
        found["salient"] = evidence.salient >= 0.5
    if evidence.classes is not None:
        found["deeplab"] = evidence.classes > 0
    subjects = [item for item in evidence.detections if item.score >= MIN_SCORE]
    for index, item in enumerate([*subjects, *segment_subjects(evidence)]):
        for name, mask in box_candidates(evidence, box=item.box, label=item.label).items():
            found[f"{index}:{item.label}:{name}"] = mask
    return found


def _component_at(mask: np.ndarray, *, point: Point) -> np.ndarray | None:
    height, width = mask.shape
    x = min(width - 1, max(0, int(point[0] * width)))
    y = min(height - 1, max(0, int(point[1] * height)))
    if not mask[y, x]:
        return None
    _, labels = cv2.connectedComponents(mask.astype(np.uint8))
    component: np.ndarray = labels == labels[y, x]
    return component


def point_mask(evidence: Evidence, *, point: Point) -> tuple[np.ndarray, str]:
    """The region under a click where no box is: DeepLab's segment, the salient region, or
    GrabCut in a box around the point."""
    if evidence.classes is not None:
        found = _component_at(evidence.classes > 0, point=point)
        if found is not None:
            return found, "deeplab"
    if evidence.salient is not None:
        found = _component_at(evidence.salient >= 0.5, point=point)
        if found is not None:
            return found, "salient"
    x, y, half = point[0], point[1], CLICK_BOX / 2
    box = box_check((x - half, y - half, x + half, y + half))
    return grabcut_seeded(pixels=evidence.pixels, box=box), "grabcut"


def salient_regions_taken_whole(evidence: Evidence, mask: np.ndarray) -> np.ndarray:
    """Add every salient region the mask mostly takes already: the flowers above a vase, the
    branches the birds sit on, come with the subject whole instead of in blotches."""
    if evidence.salient is None or not mask.any():
        return mask
    count, regions = cv2.connectedComponents((evidence.salient >= 0.5).astype(np.uint8))
    if count <= 1:
        return mask
    sizes = np.bincount(regions.ravel(), minlength=count)
    inside = np.bincount(regions[mask], minlength=count)
    taken = np.flatnonzero(inside >= SALIENT_TAKEN * np.maximum(sizes, 1))
    taken = taken[taken > 0]  # 0 is the background
    result: np.ndarray = mask | np.isin(regions, taken)
    return result


def people_taken_whole(
    evidence: Evidence, mask: np.ndarray, *, subject: Detection | None
) -> tuple[np.ndarray, int]:
    """Add every detected person the mask takes in part: never half a person. (A person as
    the subject keeps to their own box: people side by side stay apart.)"""
    added = 0
    if subject is not None and subject.label == "person":
        return mask, added
    for person in evidence.detections:
        if person.label != "person" or person.score < PERSON_SCORE or person is subject:
            continue
        whole, _ = _person_pixels(evidence, person)
        size = int(whole.sum())
        if size and (mask & whole).sum() >= PERSON_TAKEN * size and (whole & ~mask).any():
            mask = mask | whole
            added += 1
    return mask, added


def _person_pixels(evidence: Evidence, person: Detection) -> tuple[np.ndarray, str]:
    region = _box_region(person.box, shape=evidence.pixels.shape[:2])
    pixels = _class_pixels(evidence, "person")
    if pixels is not None and (pixels & region).sum() > 0.1 * region.sum():
        return pixels & region, "deeplab"
    return box_mask(evidence, box=person.box, label="person")


def subject_mask(
    evidence: Evidence,
    *,
    method: Method = "auto",
    box: Box | None = None,
    point: Point | None = None,
) -> tuple[np.ndarray, str, Detection | None, Box | None]:
    """The subject's coarse mask at work size, how it was made, its detection and box."""
    if method == "salient":
        if evidence.salient is None:
            raise ModelMissing(f"model {SALIENT!r} is not installed")
        return evidence.salient >= 0.5, "salient", None, None
    if method == "deeplab":
        if evidence.classes is None:
            raise ModelMissing(f"model {SEGMENTER!r} is not installed")
        return evidence.classes > 0, "deeplab", None, None
    subject = None
    if box is None and point is not None:
        subject = clicked_subject(evidence.detections, point=point)
        if subject is None:
            mask, how = point_mask(evidence, point=point)
            return mask, f"click+{how}", None, None
    elif box is None:
        subject = main_subject([*evidence.detections, *segment_subjects(evidence)])
    if box is None and subject is not None:
        box = subject.box
    if method == "grabcut":
        seed = box or (0.1, 0.1, 0.9, 0.9)
        return grabcut_seeded(pixels=evidence.pixels, box=seed), "grabcut", subject, seed
    if box is None:  # nothing detected: what stands out, else the centre of the picture
        if evidence.salient is not None and (evidence.salient >= 0.5).mean() > 0.01:
            return evidence.salient >= 0.5, "salient", None, None
        seed = (0.1, 0.1, 0.9, 0.9)
        return grabcut_seeded(pixels=evidence.pixels, box=seed), "grabcut", None, seed
    label = subject.label if subject is not None else ""
    mask, how = box_mask(evidence, box=box, label=label)
    if (
        point is None
        and subject is not None
        and (group := salient_group(evidence, mask, subject)) is not None
    ):
        return group, "salient group", subject, box
    return mask, how, subject, box


def salient_group(evidence: Evidence, mask: np.ndarray, subject: Detection) -> np.ndarray | None:
    """The salient region the main subject belongs to, when it holds GROUP_BOXES detections or
    more and is at least twice the subject (birds on a tree: the tree with its birds, not one
    bird); None otherwise. People are left apart: a crowd is no one subject."""
    if evidence.salient is None or subject.label == "person" or not mask.any():
        return None
    count, regions = cv2.connectedComponents((evidence.salient >= 0.5).astype(np.uint8))
    touched = np.unique(regions[mask & (regions > 0)])
    if not touched.size:
        return None
    group = np.isin(regions, touched)
    height, width = group.shape
    inside = 0
    for item in evidence.detections:
        if item.score < MIN_SCORE:
            continue
        x = min(width - 1, int((item.box[0] + item.box[2]) / 2 * width))
        y = min(height - 1, int((item.box[1] + item.box[3]) / 2 * height))
        inside += bool(group[y, x])
    if inside >= GROUP_BOXES and group.sum() >= 2 * mask.sum():
        return group
    return None


def background_mask(
    *,
    image: np.ndarray,
    model_dir: Path,
    method: Method = "auto",
    box: Box | None = None,
    point: Point | None = None,
    detections: Sequence[Detection] | None = None,
    refine: bool = True,
    evidence: Evidence | None = None,
) -> MaskResult:
    """The subject's soft mask at the image's size (see the module's docstring).

    method: auto (all the installed models together), salient or deeplab (that model alone),
    grabcut (classical: from the box, the clicked or main object's box, or the centre). `box`
    or `point` (relative) name the subject; `detections` already found skip a detector run,
    `evidence` (evidence_gather of this image) skips every model run.
    """
    if method not in ("auto", "salient", "deeplab", "grabcut"):
        raise ValueError(f"unknown method {method!r}: auto, salient, deeplab or grabcut")
    pixels = as_rgb8(image)
    if min(pixels.shape[:2]) < 8:
        raise ValueError(f"image too small: {pixels.shape[1]}x{pixels.shape[0]}, need 8x8 or more")
    if box is not None:
        box = box_check(box)
    if evidence is None and method == "grabcut" and box is not None:
        evidence = Evidence(pixels, None, None, (), [])  # GrabCut on a given box: no model
    if evidence is None:
        evidence = evidence_gather(
            image=pixels,
            model_dir=model_dir,
            detections=detections,
            use_salient=method in ("auto", "salient"),
            use_deeplab=method in ("auto", "deeplab"),
        )
    coarse, how, subject, used_box = subject_mask(evidence, method=method, box=box, point=point)
    added = 0
    if method == "auto" and not how.startswith("click+"):
        if how in ("salient", "grabcut+models"):  # the salient model's blotches, made whole
            coarse = salient_regions_taken_whole(evidence, coarse)
        coarse, added = people_taken_whole(evidence, coarse, subject=subject)
    height, width = pixels.shape[:2]
    if not coarse.any():
        return MaskResult(np.zeros((height, width), np.float32), how, used_box)
    soft = coarse.astype(np.float32)
    mask = (
        refine_edges(image=pixels, coarse=soft)
        if refine
        else cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR)
    )
    return MaskResult(
        mask=mask,
        method=how,
        box=used_box,
        label=subject.label if subject is not None else "",
        people_added=added,
    )
