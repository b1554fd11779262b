"""Editor speed: a 5-step recipe on a 1600 px preview and on a 12-megapixel save.

Run: .venv/bin/python bench/editor.py [--quick]
The photo is a real 3264x2448 phone picture from the shared corpus, shrunk to 1600x1200 for
the preview and enlarged to 4000x3000 for the save. The baseline runs the same recipe the naive
way (float64 numpy arrays throughout), in the same process, so the ratio is like for like.
The last line printed is `editor: preview_ms=... save_ms=... key=value...`.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processing.ops import ImageArray  # noqa: E402
from processing.ops.core import as_image  # noqa: E402
from processing.recipes import recipe_render, recipe_validate  # noqa: E402

PHOTO = Path("corpus") / "exif" / "phone" / "iphone_hdr_NO.jpg"
PREVIEW_SIZE = (1600, 1200)
SAVE_SIZE = (4000, 3000)
JPEG_QUALITY = 92
RECIPE: list[dict[str, Any]] = [
    {"op": "brightness", "params": {"amount": 10}},
    {"op": "saturation", "params": {"amount": 25}},
    {"op": "sharpen", "params": {"amount": 80, "radius": 2.0}},
    {"op": "vignette", "params": {"strength": 40, "radius": 0.5}},
    {"op": "rotate", "params": {"angle": 90}},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, under a minute")
    args = parser.parse_args()
    preview_runs, save_runs = (5, 3) if args.quick else (25, 7)

    photo = _load_photo()
    preview = as_image(cv2.resize(photo, PREVIEW_SIZE, interpolation=cv2.INTER_AREA))
    full = as_image(cv2.resize(photo, SAVE_SIZE, interpolation=cv2.INTER_CUBIC))
    steps = recipe_validate(RECIPE)
    scale = PREVIEW_SIZE[0] / SAVE_SIZE[0]
    print(f"photo: {PHOTO} {photo.shape[1]}x{photo.shape[0]}")
    print(f"preview: shrunk to {PREVIEW_SIZE[0]}x{PREVIEW_SIZE[1]}, scale {scale}")
    print(f"save: enlarged to {SAVE_SIZE[0]}x{SAVE_SIZE[1]}, JPEG quality {JPEG_QUALITY}")
    print(f"recipe: {', '.join(step['op'] for step in RECIPE)}; OpenCV {cv2.__version__}")

    times = {
        "preview_ms": _median_ms(lambda: recipe_render(preview, steps, scale=scale), preview_runs),
        "save_ms": _median_ms(lambda: _encode(recipe_render(full, steps)), save_runs),
        "encode_ms": _median_ms(lambda: _encode(full), save_runs),
        "baseline_preview_ms": _median_ms(
            lambda: _naive_render(preview, scale=scale), preview_runs
        ),
        "baseline_save_ms": _median_ms(lambda: _encode(_naive_render(full, scale=1.0)), save_runs),
    }
    drift = np.abs(
        recipe_render(preview, steps, scale=scale).astype(np.int16)
        - _naive_render(preview, scale=scale)
    ).mean()
    results = {
        **{name: f"{value:.1f}" for name, value in times.items()},
        "preview_speedup": f"{times['baseline_preview_ms'] / times['preview_ms']:.1f}",
        "save_speedup": f"{times['baseline_save_ms'] / times['save_ms']:.1f}",
        "baseline_mean_abs_diff": f"{drift:.2f}",
        "runs": f"{preview_runs}/{save_runs}",
    }
    for name, value in results.items():
        print(f"  {name:24} {value}")
    print("editor: " + " ".join(f"{name}={value}" for name, value in results.items()))


def _load_photo() -> ImageArray:
    shared = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
    path = shared / PHOTO
    image = cv2.imread(str(path))
    if image is None:
        sys.exit(f"bench photo not found at {path} (set SHARED_DIR)")
    return as_image(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


def _median_ms(run: Callable[[], object], runs: int) -> float:
    run()  # warm-up: first calls pay for OpenCV's thread pool and lazy initialisation
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _encode(image: ImageArray) -> bytes:
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    assert ok
    return buffer.tobytes()


def _naive_render(image: ImageArray, *, scale: float) -> ImageArray:
    """The same five steps written the obvious way, in float64, for comparison."""
    pixels = image.astype(np.float64)
    pixels = np.clip(pixels + 10 * 2.55, 0, 255)
    grey = (pixels @ np.array([0.299, 0.587, 0.114]))[:, :, np.newaxis]
    pixels = np.clip(grey + (pixels - grey) * 1.25, 0, 255)
    blurred = cv2.GaussianBlur(pixels, (0, 0), 2.0 * scale)  # numpy has no Gaussian filter
    pixels = np.clip(pixels + (pixels - blurred) * 0.8, 0, 255)
    height, width = pixels.shape[:2]
    down, across = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
    ramp = np.clip((np.sqrt((down**2 + across**2) / 2) - 0.5) / 0.5, 0, 1)
    pixels = pixels * (1 - 0.4 * ramp * ramp * (3 - 2 * ramp))[:, :, np.newaxis]
    return np.ascontiguousarray(np.rot90(np.rint(pixels), k=-1)).astype(np.uint8)


if __name__ == "__main__":
    main()
