"""Benchmark of the analytics snapshot: pipelines in the database vs every document in pandas.

    .venv/bin/python bench/analytics.py [--quick] [--images N] [--jobs N]

Starts its own SecantusDB (storage in a temporary folder, deleted at the end), inserts a
generated library (default 100,000 images and 300,000 jobs from 6 users, with the models'
indexes but the gallery's terms indexes, which no snapshot reads; the images carry their terms
and pairs as the gallery writes them), then times in one run:
  - snapshot: compute_figures + render_charts for all users (the staff view, the largest);
  - the same for the largest single user;
  - compute_figures_naive (every document loaded into pandas) for all users,
and checks that both give the same figures.

Memory (Linux /proc, not tracemalloc, which would slow everything and miss numpy's buffers):
peak_mb is the peak resident set size (VmHWM, reset through /proc/self/clear_refs before each
phase) minus the resident size at the phase's start: what the snapshot itself needs.
process_peak_mb is that peak whole (Python, pandas and Matplotlib included); server_peak_mb
is the database server's, which cannot drop below what it already held (server_start_mb: its
resident size as the snapshot starts, mostly the WiredTiger cache the inserts filled).
pushdown_speedup is compute_figures_naive's time over compute_figures' (charts excluded).
The last line is: analytics: snapshot_s=<s> peak_mb=<mb> pushdown_speedup=<x> ...
"""

import argparse
import contextlib
import hashlib
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pymongo
from bson import ObjectId

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.charts import render_charts  # noqa: E402
from analytics.figures import compute_figures, compute_figures_naive  # noqa: E402
from gallery.terms import document_terms  # noqa: E402
from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port  # noqa: E402

END = datetime(2025, 6, 30, tzinfo=UTC)
HISTORY_DAYS = 730
USER_SHARES = [0.45, 0.25, 0.12, 0.08, 0.06, 0.04]
FORMATS = {
    "JPEG": 0.62,
    "PNG": 0.15,
    "WEBP": 0.09,
    "HEIF": 0.06,
    "GIF": 0.03,
    "AVIF": 0.02,
    "TIFF": 0.02,
    "BMP": 0.01,
}
BYTES_PER_PIXEL = {
    "JPEG": 0.35,
    "PNG": 1.6,
    "WEBP": 0.2,
    "HEIF": 0.18,
    "GIF": 0.5,
    "AVIF": 0.12,
    "TIFF": 3.0,
    "BMP": 3.0,
}
PHOTO_SIZES = [(4032, 3024), (4000, 3000), (6000, 4000), (5472, 3648), (3264, 2448), (8192, 5464)]
WEB_SIZES = [
    (1920, 1080),
    (2560, 1440),
    (1280, 720),
    (800, 600),
    (1024, 768),
    (640, 480),
    (1200, 630),
    (400, 400),
    (256, 256),
    (3840, 2160),
]
CAMERAS = [
    ("Apple", "iPhone 15 Pro"),
    ("Apple", "iPhone 13"),
    ("samsung", "SM-S918B"),
    ("Google", "Pixel 8"),
    ("Canon", "Canon EOS R5"),
    ("SONY", "ILCE-7M4"),
    ("NIKON CORPORATION", "NIKON Z 6_2"),
    ("FUJIFILM", "X-T5"),
    ("Apple", "iPhone 11"),
    ("OLYMPUS CORPORATION", "E-M10MarkIII"),
    ("Canon", "Canon EOS 5D Mark IV"),
    ("Xiaomi", "2201123G"),
    ("Panasonic", "DC-G9"),
    ("DJI", "FC3582"),
    ("LEICA", "Q2"),
    ("OnePlus", "CPH2449"),
    ("Canon", "Canon PowerShot G7 X"),
    ("GoPro", "HERO11 Black"),
]
LABELS = [
    "person",
    "car",
    "dog",
    "cat",
    "chair",
    "bottle",
    "cup",
    "tree",
    "bird",
    "bicycle",
    "boat",
    "potted plant",
    "dining table",
    "book",
    "laptop",
    "tv",
    "horse",
    "bench",
    "umbrella",
    "handbag",
    "clock",
    "truck",
    "bus",
    "sheep",
    "cow",
    "backpack",
    "vase",
    "couch",
    "bed",
    "cell phone",
]
JOB_KINDS = {  # share, median duration ms, failure rate
    "ingest": (0.33, 180, 0.01),
    "recognise": (0.33, 850, 0.03),
    "render": (0.14, 320, 0.005),
    "remove_background": (0.08, 2400, 0.04),
    "stylise": (0.06, 7500, 0.06),
    "snapshot": (0.03, 1800, 0.005),
    "scrape": (0.03, 25000, 0.12),
}
HOURS = np.array(
    [
        1,
        0.6,
        0.4,
        0.3,
        0.3,
        0.5,
        1.2,
        2,
        2.6,
        3,
        3.2,
        3.4,
        4,
        3.8,
        3.6,
        3.7,
        4.1,
        4.6,
        5,
        4.8,
        4.2,
        3.4,
        2.4,
        1.6,
    ]
)


def zipf(count: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def upload_times(rng: np.random.Generator, count: int) -> list[datetime]:
    """A growing library with busier weekends, a few bulk-import days and evening peaks."""
    days = np.arange(HISTORY_DAYS)
    weights = (1 + 3 * days / HISTORY_DAYS) * np.where(days % 7 >= 5, 1.5, 1.0)
    weights[rng.choice(HISTORY_DAYS, 12, replace=False)] *= 25
    day = rng.choice(days, count, p=weights / weights.sum())
    hour = rng.choice(24, count, p=np.roll(HOURS, 1) / HOURS.sum())
    millis = rng.integers(0, 3_600_000, count)
    start = END - timedelta(days=HISTORY_DAYS)
    return [
        start + timedelta(days=int(d), hours=int(h), milliseconds=int(ms))
        for d, h, ms in zip(day, hour, millis, strict=True)
    ]


def owner_choice(rng: np.random.Generator, count: int, owners: int) -> np.ndarray:
    shares = np.array(USER_SHARES[:owners])
    return rng.choice(owners, count, p=shares / shares.sum())


def fake_images(
    rng: np.random.Generator, count: int, owners: list[ObjectId], run_ids: list[ObjectId]
) -> Iterator[dict[str, Any]]:
    """Image documents as the Django model writes them (every field, EXIF included)."""
    owner = owner_choice(rng, count, len(owners))
    fmt = rng.choice(list(FORMATS), count, p=list(FORMATS.values()))
    uploaded = upload_times(rng, count)
    scraped = rng.random(count) < 0.18
    status = rng.choice(
        ["ready", "failed", "pending", "processing"], count, p=[0.955, 0.015, 0.02, 0.01]
    )
    camera = rng.choice(len(CAMERAS), count, p=zipf(len(CAMERAS)))
    label_p = zipf(len(LABELS), 1.3)
    for i in range(count):
        photo = fmt[i] in ("JPEG", "HEIF", "TIFF") and not scraped[i] and rng.random() < 0.85
        width, height = (
            PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))]
            if photo
            else WEB_SIZES[rng.integers(len(WEB_SIZES))]
        )
        if photo and rng.random() < 0.35:
            width, height = height, width
        elif not photo and rng.random() < 0.4:  # resized and cropped web images
            width = int(rng.integers(200, 3000))
            height = max(50, int(width / rng.choice([1, 4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3])))
        size = max(2048, int(width * height * BYTES_PER_PIXEL[fmt[i]] * rng.lognormal(0, 0.35)))
        taken = None
        make, model = "", ""
        if photo:
            make, model = CAMERAS[camera[i]]
            delay = timedelta(days=float(rng.exponential(20)))
            taken = (uploaded[i] - delay).replace(hour=int(rng.choice(24, p=HOURS / HOURS.sum())))
            taken = taken.replace(microsecond=taken.microsecond // 1000 * 1000)
        labels = (
            rng.choice(len(LABELS), rng.poisson(1.6), p=label_p) if status[i] == "ready" else []
        )
        digest = hashlib.sha256(f"{i}".encode()).hexdigest()
        yield {
            "owner_id": owners[owner[i]],
            "original": f"originals/{digest[:2]}/{digest[2:4]}/{digest}.{fmt[i].lower()}",
            "thumbnail": f"thumbs/{digest[:2]}/{digest}.webp",
            "preview": f"previews/{digest[:2]}/{digest}.webp",
            "title": "",
            "description": "",
            "tags": [],
            "original_name": f"IMG_{i:05d}.{fmt[i].lower()}",
            "format": str(fmt[i]),
            "width": width,
            "height": height,
            "size_bytes": size,
            "sha256": digest,
            "phash": digest[:16],
            "uploaded_at": uploaded[i],
            "taken_at": taken,
            "camera_make": make,
            "camera_model": model,
            "exif": (
                {
                    "Make": make,
                    "Model": model,
                    "ExposureTime": "1/125",
                    "FNumber": 2.8,
                    "ISOSpeedRatings": int(rng.choice([100, 200, 400, 800, 1600])),
                    "FocalLength": 26.0,
                    "LensModel": "",
                    "Orientation": 1,
                    "Software": "17.5.1",
                    "DateTimeOriginal": str(taken),
                }
                if photo
                else {}
            ),
            "latitude": None,
            "longitude": None,
            "source": "scrape" if scraped[i] else "upload",
            "source_url": f"https://example.org/images/{i}.jpg" if scraped[i] else "",
            "source_page": "https://example.org/gallery" if scraped[i] else "",
            "scrape_run_id": run_ids[i % len(run_ids)] if scraped[i] else None,
            "status": str(status[i]),
            "error": "decode error" if status[i] == "failed" else "",
            "ingest_version": 1,
            "ingest_attempts": 1,
            "retry_after": None,
            "detections": [
                {
                    "label": LABELS[label],
                    "box": [0.1, 0.2, 0.6, 0.9],
                    "score": round(float(rng.uniform(0.3, 0.99)), 3),
                }
                for label in labels
            ],
            "recognised_at": uploaded[i] if status[i] == "ready" else None,
            "recognition_model": "ssd-mobilenet-v2" if status[i] == "ready" else "",
            "hidden": (hidden := bool(rng.random() < 0.005)),
            "visibility": "hidden" if hidden else "trash" if rng.random() < 0.02 else "library",
            "current_version_id": None,
        }


def fake_jobs(
    rng: np.random.Generator, count: int, owners: list[ObjectId]
) -> Iterator[dict[str, Any]]:
    kinds = list(JOB_KINDS)
    kind = rng.choice(len(kinds), count, p=[share for share, _, _ in JOB_KINDS.values()])
    owner = owner_choice(rng, count, len(owners))
    queued = upload_times(rng, count)
    state = rng.random(count)
    for i in range(count):
        name = kinds[kind[i]]
        _, median_ms, failure = JOB_KINDS[name]
        status = (
            "queued"
            if state[i] < 0.005
            else "started"
            if state[i] < 0.008
            else "failed"
            if state[i] < 0.008 + failure
            else "succeeded"
        )
        duration = (
            None
            if status in ("queued", "started")
            else max(1, int(rng.lognormal(math.log(median_ms), 0.6)))
        )
        started = queued[i] + timedelta(milliseconds=int(rng.exponential(400)))
        yield {
            "owner_id": None if name == "snapshot" and i % 3 == 0 else owners[owner[i]],
            "image_id": ObjectId() if name not in ("snapshot", "scrape") else None,
            "kind": name,
            "status": status,
            "queued_at": queued[i],
            "started_at": None if status == "queued" else started,
            "finished_at": None if duration is None else started + timedelta(milliseconds=duration),
            "duration_ms": duration,
            "error": "Traceback: OSError" if status == "failed" else "",
            "progress": {},
        }


def fake_scraping(
    rng: np.random.Generator, owners: list[ObjectId], sources: int, runs: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    source_docs = [
        {
            "_id": ObjectId(),
            "owner_id": owners[i % len(owners)],
            "url": f"https://site{i}.example.com/gallery/{i}",
            "scope": "page",
            "max_depth": 1,
            "max_pages": 20,
            "min_width": 100,
            "min_height": 100,
            "schedule": "daily",
            "paused": False,
        }
        for i in range(sources)
    ]
    started = upload_times(rng, runs)
    run_docs = []
    for i in range(runs):
        source = source_docs[int(rng.choice(sources, p=zipf(sources)))]
        failed = rng.random() < 0.08
        found = 0 if failed else int(rng.poisson(25))
        imported = int(found * rng.uniform(0.2, 0.9))
        run_docs.append(
            {
                "owner_id": source["owner_id"],
                "source_id": source["_id"],
                "status": "failed" if failed else "succeeded",
                "queued_at": started[i],
                "started_at": started[i],
                "finished_at": started[i] + timedelta(seconds=30),
                "pages_visited": int(rng.integers(1, 20)),
                "images_found": found,
                "images_imported": imported,
                "images_skipped": found - imported,
                "skipped_reasons": {},
                "error": "",
            }
        )
    return source_docs, run_docs


def fill(db: Any, *, images: int, jobs: int, seed: int = 7) -> list[ObjectId]:
    """Insert a generated library with the models' indexes; returns the owners, largest first."""
    rng = np.random.default_rng(seed)
    owners = [ObjectId() for _ in USER_SHARES]
    # The indexes first: SecantusDB builds an index on a full collection entry by entry, far
    # slower than keeping it during the inserts (30,000 jobs: 2 indexes made after the load
    # took 322 s; made before, they added 19 s to the inserts)
    db.gallery_image.create_index([("owner_id", 1), ("uploaded_at", -1)])
    db.gallery_image.create_index([("owner_id", 1), ("taken_at", -1)])
    db.processing_job.create_index([("owner_id", 1), ("queued_at", -1)])
    db.processing_job.create_index([("kind", 1), ("status", 1)])
    db.scraping_scraperun.create_index([("source_id", 1), ("queued_at", -1)])
    sources, runs = fake_scraping(rng, owners, sources=40, runs=max(50, images // 40))
    db.scraping_scrapesource.insert_many(sources)
    db.scraping_scraperun.insert_many(runs)  # sets each run's _id
    run_ids = [run["_id"] for run in runs]
    for batch in batches(fake_images(rng, images, owners, run_ids), 5000):
        for document in batch:  # the gallery's fields (gallery.terms), pairs included
            document["terms"] = document_terms(document)
            document["sort_taken_at"] = document["taken_at"] or document["uploaded_at"]
        db.gallery_image.insert_many(batch, ordered=False)
    for batch in batches(fake_jobs(rng, jobs, owners), 10000):
        db.processing_job.insert_many(batch, ordered=False)
    return owners


def batches(items: Any, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- measuring --------------------------------------------------------------------------------


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int | str = "self") -> None:
    with contextlib.suppress(OSError):  # "5" resets VmHWM (Linux >= 4.0)
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class Phase:
    """Seconds and memory of one measured call; memory in MB, from /proc (Linux)."""

    def __init__(self, label: str, action: Callable[[], Any], server_pid: int) -> None:
        reset_peak()
        reset_peak(server_pid)
        start_rss = rss_mb()
        self.server_start = rss_mb(server_pid)  # its cache already holds what it has read
        started = time.perf_counter()
        self.result = action()
        self.seconds = time.perf_counter() - started
        self.process_peak = rss_mb(field="VmHWM")  # peak RSS of this process in the phase
        self.peak = self.process_peak - start_rss  # what the phase added to it
        self.server_peak = rss_mb(server_pid, "VmHWM")
        print(
            f"  {label:<44} {self.seconds:7.2f} s   peak +{self.peak:5.0f} MB "
            f"(process {self.process_peak:5.0f} MB, database server {self.server_peak:5.0f} MB, "
            f"from {self.server_start:5.0f} MB)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 images and 30,000 jobs")
    parser.add_argument("--images", type=int)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    images = args.images or (10_000 if args.quick else 100_000)
    jobs = args.jobs or (30_000 if args.quick else 300_000)

    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as storage:
        port = free_port()
        server = embedded_db_start(port=port, storage=storage)
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        try:
            embedded_db_wait(uri=uri, process=server)
            client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri)
            bench(client["bench"], images=images, jobs=jobs, server_pid=server.pid)
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=60)


def bench(db: Any, *, images: int, jobs: int, server_pid: int) -> None:
    print(f"SecantusDB bench: {images:,} images, {jobs:,} jobs", flush=True)
    started = time.perf_counter()
    owners = fill(db, images=images, jobs=jobs)
    insert_s = time.perf_counter() - started
    print(f"  insert (generate + insert_many + indexes)   {insert_s:7.2f} s", flush=True)

    timings: dict[str, float] = {}

    def snapshot(owner_id: ObjectId | None) -> Callable[[], tuple[Any, dict[str, bytes]]]:
        def run() -> tuple[Any, dict[str, bytes]]:
            started = time.perf_counter()
            figures = compute_figures(db=db, owner_id=owner_id)
            timings["compute"] = time.perf_counter() - started
            return figures, render_charts(figures)

        return run

    snapshot_all = Phase("snapshot, all users (pipelines + charts)", snapshot(None), server_pid)
    figures, charts = snapshot_all.result
    compute_s = timings["compute"]
    print(
        f"    of which compute_figures {compute_s:.2f} s, render_charts "
        f"{snapshot_all.seconds - compute_s:.2f} s"
    )
    snapshot_user = Phase(
        "snapshot, largest user (pipelines + charts)", snapshot(owners[0]), server_pid
    )
    naive = Phase(
        "compute_figures_naive, all users (pandas)",
        lambda: compute_figures_naive(db=db, owner_id=None),
        server_pid,
    )
    agree = naive.result == figures
    chart_kb = sum(len(chart) for chart in charts.values()) / 1024
    print(f"  {len(charts)} SVG charts, {chart_kb:.0f} KB; naive and pushdown agree: {agree}")
    print(
        f"analytics: snapshot_s={snapshot_all.seconds:.2f} peak_mb={snapshot_all.peak:.0f} "
        f"pushdown_speedup={naive.seconds / compute_s:.2f} compute_s={compute_s:.2f} "
        f"naive_s={naive.seconds:.2f} naive_peak_mb={naive.peak:.0f} "
        f"process_peak_mb={snapshot_all.process_peak:.0f} "
        f"server_peak_mb={snapshot_all.server_peak:.0f} "
        f"server_start_mb={snapshot_all.server_start:.0f} "
        f"user_snapshot_s={snapshot_user.seconds:.2f} insert_s={insert_s:.2f} "
        f"images={images} jobs={jobs} agree={str(agree).lower()}"
    )


if __name__ == "__main__":
    main()
