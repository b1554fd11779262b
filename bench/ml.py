"""Deep-learning features: speed, quality and memory on real data (coco128, coco128-seg).

Run: .venv/bin/python bench/ml.py [--quick] [--only style] [--models DIR] [--corpus DIR]
The weights are installed with the project's own store functions from the shared folder into a
temporary MODEL_DIR (deleted at the end). All on this machine's 2 cores, TFLite with 2 threads.
  - detect: YOLOv8n int8, median per coco128 image (as stored, mostly 640x480), model cached;
    baseline: the same with the interpreter built for every call (what "no cache" would cost);
  - bgremove: a 1600 px (long side) preview: background_mask(method="auto", every model and
    the GrabCut candidates) + transparent PNG pixels; DeepLab alone and GrabCut alone timed too;
  - style (bench/ml_style.py): Magenta int8 in LiteRT, style_ms at 1024 px and style_2048_ms at
    2048 px, output at the picture's size; worker_rss_mb: a separate process with every model
    loaded, its RSS read from outside; the TensorFlow/LiteRT runtime comparison;
  - map50: COCO-style AP (101-point interpolated precision) at IoU 0.5, mean over the classes that
    have ground truth, detections at threshold 0.001 (as COCO evaluation does), max 100 per image;
    all 128 images (--quick: the first 32);
  - iou_*: background removal against the largest object's mask, on every coco128-seg image whose
    largest object covers >= 10% (--quick: every sixth of them): auto (all models together),
    and DeepLab alone and U²-Net-p alone on the same model outputs; VOC subjects and the others
    (iou_voc, iou_other) apart; iou_oracle, iou_oracle_other: per picture the best of those and
    of every candidate mask auto chooses among, the ceiling of any choice among these models;
  - salient runtimes: U²-Net-p in onnxruntime and in cv2.dnn on the same inputs, interleaved;
  - faces: YuNet through cv2.FaceDetectorYN, median per coco128 picture (the first 20);
  - peak_mb: ru_maxrss of this process once all three models are loaded and have run;
  - throughput: 50 images detected one after another, images per second.
The last line is `ml: detect_ms=... bgremove_ms=... style_ms=... faces_ms=... iou_auto=... iou_voc=...
iou_other=... iou_deeplab_only=... iou_salient_only=... iou_oracle=... iou_oracle_other=... map50=...
peak_mb=...`.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ml_style import bench_runtime, bench_style, bench_worker_memory  # noqa: E402
from processing.ml import runtime  # noqa: E402
from processing.ml.detect import detect_objects, letterbox  # noqa: E402
from processing.ml.faces import detect_faces  # noqa: E402
from processing.ml.manifest import DETECTOR, SALIENT, SEGMENTER, STYLE_PREDICTOR  # noqa: E402
from processing.ml.metrics import (  # noqa: E402
    COCO_TO_VOC,
    mask_iou,
    mean_average_precision,
    polygon_mask,
    yolo_boxes_read,
    yolo_polygons_read,
)
from processing.ml.onnx import OnnxModel  # noqa: E402
from processing.ml.salient import salient_batch  # noqa: E402
from processing.ml.segment import foreground_mask, grabcut_mask, remove_background  # noqa: E402
from processing.ml.store import default_assets, model_install, model_path  # noqa: E402
from processing.ml.style import NETWORK_SIDE  # noqa: E402
from processing.ml.subject import (  # noqa: E402
    background_mask,
    evidence_gather,
    subject_candidates,
)

SHARED = Path(os.environ.get("SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
PREVIEW = 1600


def rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def preview(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = PREVIEW / max(height, width)
    size = (round(width * scale), round(height * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)


def median_ms(function: Callable[[], Any], *, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def seg_cases(corpus: Path, names: list[str], *, share: float = 0.1) -> list[Any]:
    """(stem, image, truth, is_voc) for every coco128-seg image whose largest object covers at
    least `share` of it; the truth is that object's mask alone."""
    cases = []
    for path in sorted((corpus / "coco128-seg/images/train2017").glob("*.jpg")):
        label_file = corpus / "coco128-seg/labels/train2017" / f"{path.stem}.txt"
        polygons = yolo_polygons_read(path=label_file, names=names)
        if not polygons:
            continue
        image = rgb(path)
        height, width = image.shape[:2]
        masks = [
            (label, polygon_mask(polygon=p, width=width, height=height)) for label, p in polygons
        ]
        label, largest = max(masks, key=lambda item: int(item[1].sum()))
        if largest.mean() >= share:
            cases.append((path.stem, image, largest, label in COCO_TO_VOC))
    return cases


def bench_detection(images: list[Path], model_dir: Path) -> dict[str, float]:
    pixels = [rgb(path) for path in images[:20]]
    detect_objects(image=pixels[0], model_dir=model_dir)  # load once
    times = []
    for image in pixels:
        start = time.perf_counter()
        detect_objects(image=image, model_dir=model_dir)
        times.append((time.perf_counter() - start) * 1000)
    path = model_path(name=DETECTOR, model_dir=model_dir)
    batch = (letterbox(pixels[0]).pixels.astype(np.float32) / 255.0)[None]

    def uncached() -> None:
        runtime.TfliteModel(path=path).run(batch)

    batch_images = [rgb(path) for path in (images * 2)[:50]]
    start = time.perf_counter()
    for image in batch_images:
        detect_objects(image=image, model_dir=model_dir)
    throughput = len(batch_images) / (time.perf_counter() - start)
    return {
        "detect_ms": statistics.median(times),
        "detect_uncached_ms": median_ms(uncached, repeat=5),
        "throughput": throughput,
    }


def bench_map(images: list[Path], corpus: Path, names: list[str], model_dir: Path) -> float:
    predictions, truths = [], []
    for path in images:
        predictions.append(detect_objects(image=rgb(path), threshold=0.001, model_dir=model_dir))
        label = corpus / "coco128/labels/train2017" / f"{path.stem}.txt"
        truths.append(yolo_boxes_read(path=label, names=names))
    return mean_average_precision(predictions=predictions, truths=truths)


def bench_background(cases: list[Any], model_dir: Path) -> dict[str, float]:
    """bgremove_ms: auto on a 1600 px preview, all models, edges and the RGBA output."""
    previews = [preview(image) for _, image, _, _ in cases[:6]]
    background_mask(image=previews[0], model_dir=model_dir)  # load every model

    def removal(image: np.ndarray) -> None:
        remove_background(image=image, mask=background_mask(image=image, model_dir=model_dir).mask)

    auto = [median_ms(lambda image=image: removal(image), repeat=1) for image in previews]
    deeplab = [
        median_ms(lambda i=i: foreground_mask(image=i, model_dir=model_dir), repeat=1)
        for i in previews
    ]
    box = (0.15, 0.1, 0.85, 0.95)
    grabcut = [
        median_ms(lambda i=i: grabcut_mask(image=i, box=box), repeat=1) for i in previews[:3]
    ]
    return {
        "bgremove_ms": statistics.median(auto),
        "deeplab_ms": statistics.median(deeplab),
        "grabcut_ms": statistics.median(grabcut),
    }


def bench_salient_runtimes(cases: list[Any], model_dir: Path) -> dict[str, float]:
    """U²-Net-p in onnxruntime and in cv2.dnn, interleaved on the same inputs (after a warm-up
    call each): the choice of processing/ml/onnx.py."""
    path = model_path(name=SALIENT, model_dir=model_dir)
    models = {
        "onnxruntime": OnnxModel(path=path, backend="onnxruntime"),
        "opencv": OnnxModel(path=path, backend="opencv"),
    }
    batches = [salient_batch(image) for _, image, _, _ in cases[:6]]
    times: dict[str, list[float]] = {name: [] for name in models}
    outputs = {}
    for model in models.values():
        model.run(batches[0])
    for batch in batches:
        for name, model in models.items():
            start = time.perf_counter()
            outputs[name] = model.run(batch)
            times[name].append((time.perf_counter() - start) * 1000)
    return {
        "salient_onnxruntime_ms": statistics.median(times["onnxruntime"]),
        "salient_opencv_ms": statistics.median(times["opencv"]),
        "salient_runtime_diff": float(np.abs(outputs["onnxruntime"] - outputs["opencv"]).max()),
    }


def bench_faces(images: list[Path], model_dir: Path) -> dict[str, float]:
    """faces_ms: YuNet per coco128 picture as stored (mostly 640x480), model loaded."""
    pixels = [rgb(path) for path in images[:20]]
    detect_faces(image=pixels[0], model_dir=model_dir)
    times, found = [], 0
    for image in pixels:
        start = time.perf_counter()
        found += len(detect_faces(image=image, model_dir=model_dir))
        times.append((time.perf_counter() - start) * 1000)
    return {"faces_ms": statistics.median(times), "faces_found": found}


def _full_size(mask: np.ndarray, truth: np.ndarray) -> np.ndarray:
    height, width = truth.shape
    return cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def bench_subject_iou(cases: list[Any], model_dir: Path) -> dict[str, float]:
    """iou_*: auto against each model alone, on the same evidence (each model run once per
    picture), against the largest object's mask; VOC subjects and the others apart.
    iou_oracle*: per picture the best of those three and of every candidate mask auto chooses
    among (subject_candidates: each model's mask, each sure object's box candidates, scaled up
    without edge refinement), the ceiling of any rule that chooses among these masks."""
    methods = ("auto", "salient", "deeplab")
    names = (*methods, "oracle", "oracle_models")
    scores: dict[str, list[tuple[bool, float]]] = {name: [] for name in names}
    for _, image, truth, is_voc in cases:
        evidence = evidence_gather(image=image, model_dir=model_dir)
        for method in methods:
            mask = background_mask(
                image=image, model_dir=model_dir, method=method, evidence=evidence
            ).mask
            scores[method].append((is_voc, mask_iou(predicted=mask, truth=truth)))
        candidates = [
            mask_iou(predicted=_full_size(mask, truth), truth=truth)
            for mask in subject_candidates(evidence).values()
        ]
        alone = max(scores[method][-1][1] for method in methods)
        scores["oracle_models"].append((is_voc, alone))
        scores["oracle"].append((is_voc, max([alone, *candidates])))

    def mean(method: str, voc: bool | None = None) -> float:
        values = [iou for is_voc, iou in scores[method] if voc is None or is_voc == voc]
        return float(np.mean(values)) if values else float("nan")

    return {
        "iou_auto": mean("auto"),
        "iou_voc": mean("auto", True),
        "iou_other": mean("auto", False),
        "iou_deeplab_only": mean("deeplab"),
        "iou_salient_only": mean("salient"),
        "iou_oracle": mean("oracle"),
        "iou_oracle_voc": mean("oracle", True),
        "iou_oracle_other": mean("oracle", False),
        "iou_oracle_models": mean("oracle_models"),
        "iou_oracle_models_other": mean("oracle_models", False),
        "iou_cases": len(cases),
        "iou_voc_cases": sum(is_voc for *_, is_voc in cases),
    }


def style_part(
    *, images: list[Path], model_dir: Path, quick: bool, runtimes: bool
) -> dict[str, float]:
    """Style transfer, the worker's memory and (runtimes) the TensorFlow/LiteRT comparison, which
    imports TensorFlow in a fresh process: about 20 s (bench/ml_style.py)."""
    artwork = model_dir / "styles" / "starry_night.jpg"
    figures = bench_style(
        contents=[images[index] for index in (3, 5, 8)],
        artwork=artwork,
        model_dir=model_dir,
        quick=quick,
    )
    print(
        f"style transfer (Magenta int8, LiteRT; network at {NETWORK_SIDE} px, output at the "
        f"picture's size): 1024 px {figures['style_ms']:.0f} ms, 2048 px "
        f"{figures['style_2048_ms']:.0f} ms (median)"
    )
    figures |= bench_worker_memory(model_dir=model_dir, content=images[3], artwork=artwork)
    print(
        f"worker process, every model loaded and run once: RSS {figures['worker_rss_mb']:.0f} "
        f"MB (read from outside); after a 2048 px style transfer: peak "
        f"{figures['style_2048_peak_mb']:.0f} MB, now {figures['worker_rss_after_mb']:.0f} MB"
    )
    if not runtimes:
        return figures
    paths = [
        model_path(name=name, model_dir=model_dir)
        for name in (DETECTOR, SEGMENTER, STYLE_PREDICTOR)
    ]
    runtime_figures = bench_runtime(model_paths=paths)
    for name in ("tensorflow", "litert"):
        if f"{name}_rss_mb" in runtime_figures:
            install = runtime_figures.get(f"{name}_install_mb", float("nan"))
            print(
                f"runtime {name}: package {install:.0f} MB, import "
                f"{runtime_figures[f'{name}_import_s']:.2f} s in a fresh process, RSS "
                f"{runtime_figures[f'{name}_rss_mb']:.0f} MB with detector, DeepLab and the "
                "style predictor loaded and run"
            )
    return figures


def segmentation_and_faces(
    corpus: Path, names: list[str], images: list[Path], model_dir: Path, *, quick: bool
) -> dict[str, float]:
    """bgremove_ms, the salient runtimes, faces_ms and the iou_* figures, printed."""
    figures: dict[str, float] = {}
    cases = seg_cases(corpus, names)
    figures |= bench_background(cases, model_dir)
    print(
        f"background removal, {PREVIEW} px preview: {figures['bgremove_ms']:.0f} ms (auto: "
        f"U²-Net-p + DeepLab + detector + GrabCut candidates + edges + RGBA); DeepLab mask "
        f"alone {figures['deeplab_ms']:.0f} ms; GrabCut from a box {figures['grabcut_ms']:.0f} ms"
    )
    figures |= bench_salient_runtimes(cases, model_dir)
    print(
        f"U²-Net-p 320x320, same inputs interleaved: onnxruntime "
        f"{figures['salient_onnxruntime_ms']:.0f} ms, cv2.dnn {figures['salient_opencv_ms']:.0f} "
        f"ms median (outputs differ by at most {figures['salient_runtime_diff']:.1e})"
    )
    figures |= bench_faces(images, model_dir)
    print(
        f"faces: YuNet {figures['faces_ms']:.1f} ms median per coco128 picture "
        f"({figures['faces_found']:.0f} faces in 20 pictures)"
    )
    chosen = cases[::6] if quick else cases  # --quick: every sixth picture
    figures |= bench_subject_iou(chosen, model_dir)
    print(
        f"background IoU over {len(chosen)} coco128-seg pictures whose largest object covers "
        f">= 10% (that object's mask as truth; {figures['iou_voc_cases']:.0f} VOC subjects): "
        f"auto {figures['iou_auto']:.3f} (VOC {figures['iou_voc']:.3f}, others "
        f"{figures['iou_other']:.3f}); DeepLab alone {figures['iou_deeplab_only']:.3f}, "
        f"U²-Net-p alone {figures['iou_salient_only']:.3f}; the best mask per picture "
        f"(oracle) {figures['iou_oracle']:.3f} (VOC {figures['iou_oracle_voc']:.3f}, others "
        f"{figures['iou_oracle_other']:.3f}); the best of auto, DeepLab and U²-Net-p alone "
        f"{figures['iou_oracle_models']:.3f} (others {figures['iou_oracle_models_other']:.3f})"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller subsets, under a minute")
    parser.add_argument("--models", type=Path, default=SHARED / "models")
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--only", choices=["all", "style"], default="all", help="style: that part")
    args = parser.parse_args()
    rss_start = peak_mb()
    corpus, names = args.corpus, (args.corpus / "coco128/classes.txt").read_text().split("\n")
    images = sorted((corpus / "coco128/images/train2017").glob("*.jpg"))
    with tempfile.TemporaryDirectory(prefix="ml-bench-") as folder:
        model_dir = Path(folder)
        for asset in default_assets():
            model_install(spec=asset, source_dir=args.models, model_dir=model_dir)
        figures: dict[str, float] = {}
        runtimes = args.only == "style" or not args.quick  # --quick alone: under a minute
        figures |= style_part(
            images=images, model_dir=model_dir, quick=args.quick, runtimes=runtimes
        )
        if args.only == "style":
            print(
                f"ml: style_ms={figures['style_ms']:.0f} "
                f"style_2048_ms={figures['style_2048_ms']:.0f} "
                f"worker_rss_mb={figures['worker_rss_mb']:.0f} "
                f"style_2048_peak_mb={figures['style_2048_peak_mb']:.0f}"
            )
            return
        figures |= bench_detection(images, model_dir)
        print(
            f"detect: {figures['detect_ms']:.1f} ms median per image (model cached), "
            f"{figures['detect_uncached_ms']:.0f} ms with the interpreter built per call; "
            f"{figures['throughput']:.1f} images/s over 50 images"
        )
        figures |= segmentation_and_faces(corpus, names, images, model_dir, quick=args.quick)
        figures["peak_mb"] = peak_mb()
        print(
            f"memory: peak RSS of this process {figures['peak_mb']:.0f} MB with the models loaded "
            f"and run (at start: {rss_start:.0f} MB)"
        )
        subset = images[:32] if args.quick else images
        figures["map50"] = bench_map(subset, corpus, names, model_dir)
        print(f"mAP@0.5 (COCO 101-point) over {len(subset)} coco128 images: {figures['map50']:.3f}")
    extra = " ".join(
        f"{key}={figures[key]:.0f}" if key.endswith("_ms") else f"{key}={figures[key]:.3g}"
        for key in (
            "map50",
            "peak_mb",
            "style_2048_peak_mb",
            "detect_uncached_ms",
            "throughput",
            "deeplab_ms",
            "grabcut_ms",
            "salient_onnxruntime_ms",
            "salient_opencv_ms",
        )
        if key in figures
    )
    print(
        f"ml: detect_ms={figures['detect_ms']:.1f} bgremove_ms={figures['bgremove_ms']:.0f} "
        f"style_ms={figures['style_ms']:.0f} style_2048_ms={figures['style_2048_ms']:.0f} "
        f"faces_ms={figures['faces_ms']:.1f} iou_auto={figures['iou_auto']:.3f} "
        f"iou_voc={figures['iou_voc']:.3f} iou_other={figures['iou_other']:.3f} "
        f"iou_deeplab_only={figures['iou_deeplab_only']:.3f} "
        f"iou_salient_only={figures['iou_salient_only']:.3f} "
        f"iou_oracle={figures['iou_oracle']:.3f} iou_oracle_other={figures['iou_oracle_other']:.3f} "
        f"worker_rss_mb={figures['worker_rss_mb']:.0f} {extra}"
    )


if __name__ == "__main__":
    main()
