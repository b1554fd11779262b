"""Deep-learning features: speed, quality and memory on real data (coco128, coco128-seg).

Run: .venv/bin/python bench/ml.py [--quick] [--only style] [--models DIR] [--corpus DIR]
The weights are installed with the project's own store functions from the shared folder into a
temporary MODEL_DIR (deleted at the end). All on this machine's 2 cores, TFLite with 2 threads.
  - detect: YOLOv8n int8, median per coco128 image (as stored, mostly 640x480), model cached;
    baseline: the same with the interpreter built for every call (what "no cache" would cost);
  - bgremove: a 1600 px (long side) preview: background_mask(method="auto") + transparent PNG
    pixels; DeepLab alone and GrabCut alone are timed too;
  - style (bench/ml_style.py): Magenta int8 in LiteRT, style_ms at 1024 px and style_2048_ms at
    2048 px, output at the picture's size; worker_rss_mb: a separate process with every model
    loaded, its RSS read from outside; the TensorFlow/LiteRT runtime comparison;
  - map50: COCO-style AP (101-point interpolated precision) at IoU 0.5, mean over the classes that
    have ground truth, detections at threshold 0.001 (as COCO evaluation does), max 100 per image;
    all 128 images (--quick: the first 32);
  - iou: background removal (auto) against the rasterised polygons of every VOC-class object, on
    the coco128-seg images whose largest object is a VOC class and covers >= 20% (--quick: 10);
  - peak_mb: ru_maxrss of this process once all three models are loaded and have run;
  - throughput: 50 images detected one after another, images per second.
The last line is `ml: detect_ms=... bgremove_ms=... style_ms=... map50=... iou=... peak_mb=...`.
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
from processing.ml.manifest import DETECTOR, SEGMENTER, STYLE_PREDICTOR  # noqa: E402
from processing.ml.metrics import (  # noqa: E402
    COCO_TO_VOC,
    mask_iou,
    mean_average_precision,
    polygon_mask,
    yolo_boxes_read,
    yolo_polygons_read,
)
from processing.ml.segment import (  # noqa: E402
    background_mask,
    foreground_mask,
    grabcut_mask,
    remove_background,
)
from processing.ml.store import default_assets, model_install, model_path  # noqa: E402
from processing.ml.style import NETWORK_SIDE  # noqa: E402

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


def seg_cases(corpus: Path, names: list[str]) -> tuple[list[Any], list[Any]]:
    """(image, truth) pairs whose largest object is >= 20%: VOC subjects and the others."""
    voc, other = [], []
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
        if largest.mean() < 0.2:
            continue
        if label in COCO_TO_VOC:
            truth = np.any([mask for name, mask in masks if name in COCO_TO_VOC], axis=0)
            voc.append((path.stem, image, truth))
        else:
            other.append((path.stem, image, largest))
    return voc, other


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
    previews = [preview(image) for _, image, _ in cases[:6]]
    background_mask(image=previews[0], model_dir=model_dir)  # load both models

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


def bench_iou(cases: list[Any], model_dir: Path) -> dict[str, float]:
    auto, deeplab, methods = [], [], []
    for _, image, truth in cases:
        result = background_mask(image=image, model_dir=model_dir)
        methods.append(result.method)
        auto.append(mask_iou(predicted=result.mask, truth=truth))
        deeplab.append(
            mask_iou(predicted=foreground_mask(image=image, model_dir=model_dir), truth=truth)
        )
    return {
        "iou": float(np.mean(auto)),
        "iou_deeplab_only": float(np.mean(deeplab)),
        "grabcut_share": methods.count("grabcut") / max(1, len(methods)),
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
        voc, other = seg_cases(corpus, names)
        figures |= bench_background(voc, model_dir)
        print(
            f"background removal, {PREVIEW} px preview: {figures['bgremove_ms']:.0f} ms (auto: "
            f"detector + DeepLab + edges + RGBA); DeepLab mask alone {figures['deeplab_ms']:.0f} "
            f"ms; GrabCut from a box {figures['grabcut_ms']:.0f} ms"
        )
        figures["peak_mb"] = peak_mb()
        print(
            f"memory: peak RSS of this process {figures['peak_mb']:.0f} MB with the models loaded "
            f"and run (at start: {rss_start:.0f} MB)"
        )
        subset = images[:32] if args.quick else images
        figures["map50"] = bench_map(subset, corpus, names, model_dir)
        print(f"mAP@0.5 (COCO 101-point) over {len(subset)} coco128 images: {figures['map50']:.3f}")
        voc_cases = voc[:10] if args.quick else voc
        figures |= bench_iou(voc_cases, model_dir)
        print(
            f"background IoU over {len(voc_cases)} coco128-seg VOC images: auto "
            f"{figures['iou']:.3f}, DeepLab alone {figures['iou_deeplab_only']:.3f} "
            f"(GrabCut chosen for {figures['grabcut_share']:.0%})"
        )
        if not args.quick:
            nonvoc = bench_iou(other, model_dir)
            figures["iou_nonvoc"] = nonvoc["iou"]
            print(
                f"background IoU over {len(other)} images whose subject is not a VOC class "
                f"(largest object as truth; auto): {nonvoc['iou']:.3f} "
                f"(GrabCut chosen for {nonvoc['grabcut_share']:.0%})"
            )
    extra = " ".join(
        f"{key}={figures[key]:.0f}" if key.endswith("_ms") else f"{key}={figures[key]:.3g}"
        for key in (
            "detect_uncached_ms",
            "throughput",
            "deeplab_ms",
            "grabcut_ms",
            "style_2048_ms",
            "worker_rss_mb",
            "style_2048_peak_mb",
            "iou_deeplab_only",
            "iou_nonvoc",
        )
        if key in figures
    )
    print(
        f"ml: detect_ms={figures['detect_ms']:.1f} bgremove_ms={figures['bgremove_ms']:.0f} "
        f"style_ms={figures['style_ms']:.0f} map50={figures['map50']:.3f} "
        f"iou={figures['iou']:.3f} peak_mb={figures['peak_mb']:.0f} {extra}"
    )


if __name__ == "__main__":
    main()
