"""Ingest benchmark: analyse_image on a 12-megapixel JPEG against a naive full decode.

    .venv/bin/python bench/ingest.py [--quick] [--runs N]

The photo is built from a real corpus picture (the iPhone 13 Pro HEIC in formats/heic, cropped
to 4000x3000, JPEG quality 90, its EXIF copied). Both paths run on one core, interleaved, and
produce the same things: metadata, SHA-256, pHash, a 400 and a 1600 WebP with equal settings.
The last line is `ingest: speedup=<x> median_ms=<ms> baseline_ms=<ms> ...`; the medians are
process CPU time (equal to wall time on an idle machine, and fair on a busy shared one); the
wall-clock median is printed beside it.
"""

import argparse
import hashlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gallery.imaging import analyse_image, perceptual_hash  # noqa: E402
from gallery.imaging.renditions import DEFAULT_QUALITY, WEBP_METHOD  # noqa: E402

SIZES = {"thumb": 400, "preview": 1600}
CORPUS = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared")) / "corpus"


def build_photo() -> bytes:
    """A 4000x3000 quality-90 JPEG with real detail and real EXIF."""
    source = CORPUS / "formats" / "heic" / "pug.heic"  # 4032x3024, opener registered on import
    with Image.open(source) as heic:
        exif = heic.info.get("exif") or b""
        left, top = (heic.width - 4000) // 2, (heic.height - 3000) // 2
        picture = heic.convert("RGB").crop((left, top, left + 4000, top + 3000))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def naive_ingest(data: bytes, *, reducing_gap: float | None = None) -> dict[str, tuple[int, int]]:
    """Every pixel decoded, oriented, then Pillow's Lanczos from full size for each rendition."""
    hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image.getexif().get_ifd(0x8825)
        upright = ImageOps.exif_transpose(image)
    sizes = {}
    smallest = upright
    for name, side in SIZES.items():
        scale = min(1.0, side / max(upright.size))
        size = (round(upright.width * scale), round(upright.height * scale))
        resized = upright.resize(size, Image.Resampling.LANCZOS, reducing_gap=reducing_gap)
        resized.save(io.BytesIO(), "WEBP", quality=DEFAULT_QUALITY, method=WEBP_METHOD)
        sizes[name] = resized.size
        smallest = resized if resized.width < smallest.width else smallest
    perceptual_hash(image=smallest)
    return sizes


def fast_ingest(data: bytes) -> dict[str, tuple[int, int]]:
    analysis = analyse_image(file=data, sizes=SIZES)
    return {name: (r.width, r.height) for name, r in analysis.renditions.items()}


def timed(function: Callable[[bytes], object], data: bytes) -> tuple[float, float]:
    """(wall ms, CPU ms of the process): on a shared machine the CPU time is the fair one."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(data)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (well under 60 s)")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (7 if args.quick else 25)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    cv2.setNumThreads(1)

    data = build_photo()
    with Image.open(io.BytesIO(data)) as check:
        print(
            f"photo: {check.width}x{check.height} JPEG, {len(data) / 1e6:.2f} MB, "
            f"EXIF {len(check.info.get('exif', b''))} bytes"
        )
    assert fast_ingest(data) == naive_ingest(data), "the two paths must make the same sizes"

    paths: dict[str, Callable[[bytes], object]] = {
        "fast": fast_ingest,
        "baseline": naive_ingest,
        "thumbnail_gap": lambda d: naive_ingest(d, reducing_gap=2.0),
    }
    wall: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(runs):  # interleaved, so drift in the machine hits all paths alike
        for name, function in paths.items():
            wall_ms, cpu_ms = timed(function, data)
            wall[name].append(wall_ms)
            cpu[name].append(cpu_ms)
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    for name in paths:
        print(
            f"{name:14s} cpu median {medians[name]:7.1f} ms (min {min(cpu[name]):6.1f})  "
            f"wall median {statistics.median(wall[name]):7.1f} ms  runs {runs}"
        )
    speedup = medians["baseline"] / medians["fast"]
    met = speedup >= 3 and medians["fast"] < 150
    print(
        f"ingest: speedup={speedup:.2f} median_ms={medians['fast']:.1f} "
        f"baseline_ms={medians['baseline']:.1f} "
        f"baseline_reducing_gap_ms={medians['thumbnail_gap']:.1f} "
        f"wall_median_ms={statistics.median(wall['fast']):.1f} "
        f"runs={runs} cores=1 clock=cpu target_met={'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
