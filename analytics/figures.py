"""Analytics figures: MongoDB groups the documents, pandas derives the figures. No Django.

`compute_figures` returns a JSON-safe dict (storable as it is in a MongoDB document): summary
numbers and named tables of title, columns and rows. `compute_figures_naive` computes the same
figures from every document loaded into pandas: the baseline of the benchmark and a cross-check.

Definitions: days and hours are UTC; percentiles are nearest-rank (mongod's `$percentile`);
processing times are those of succeeded jobs; a failure rate is failed / (succeeded + failed);
MB are 10^6 bytes.
"""

import csv
import io
import math
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from bson import ObjectId
from pymongo.database import Database

from analytics.aggregates import Aggregates
from analytics.naive import load_aggregates_naive
from analytics.pipelines import DIMENSION_BIN_PX, SIZE_BINS_PER_DECADE
from analytics.pushdown import load_aggregates
from gallery.terms import camera_name

FIGURES_VERSION = 1
ROLLING_DAYS = 7
MAX_DIMENSION_PX = 8000  # grid cells past this are merged into the last one
TOP_CAMERAS = 25

Cell = str | int | float | None


class Table(TypedDict):
    title: str
    columns: list[str]
    rows: list[list[Cell]]


class Figures(TypedDict):
    version: int
    empty: bool
    owner_id: str | None
    summary: dict[str, Cell]
    tables: dict[str, Table]


def compute_figures(
    *, db: Database[Any], owner_id: ObjectId | None, server_percentiles: bool | None = None
) -> Figures:
    """Figures of one owner's library, or of every library when `owner_id` is None.

    `server_percentiles`: None tries `$percentile` and falls back to computing percentiles
    here from two projected fields if the server lacks it (MongoDB < 7.0); True or False forces.
    """
    aggregates = load_aggregates(db=db, owner_id=owner_id, server_percentiles=server_percentiles)
    return figures_from(aggregates, owner_id=owner_id)


def compute_figures_naive(*, db: Database[Any], owner_id: ObjectId | None) -> Figures:
    """The same figures from every document loaded into pandas (slow; for comparison)."""
    return figures_from(load_aggregates_naive(db=db, owner_id=owner_id), owner_id=owner_id)


def table_to_csv(table: Table) -> str:
    """CSV (RFC 4180) with a header row; text that a spreadsheet would run as a formula is
    prefixed with an apostrophe, since labels, camera names and URLs come from users."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table["columns"])
    for row in table["rows"]:
        writer.writerow(["" if cell is None else _csv_safe(cell) for cell in row])
    return buffer.getvalue()


def _csv_safe(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


# -- from grouped data to figures ----------------------------------------------------------------


def figures_from(aggregates: Aggregates, *, owner_id: ObjectId | None) -> Figures:
    tables: dict[str, Table] = {
        "uploads_per_day": _uploads_per_day(aggregates.per_day),
        "formats": _formats(aggregates.breakdown),
        "file_sizes": _file_sizes(aggregates.size_histogram),
        "dimensions": _dimensions(aggregates.dimensions),
        "processing_times": _processing_times(aggregates.jobs),
        "failure_rates": _failure_rates(aggregates.jobs),
        "labels": _labels(aggregates.labels),
        "cameras": _cameras(aggregates.cameras),
        "taken_hours": _taken_hours(aggregates.hours),
        "scrape_sources": _scrape_sources(aggregates.scrape),
    }
    summary = _summary(aggregates)
    empty = not (summary["images"] or summary["jobs"] or summary["scrape_runs"])
    return {
        "version": FIGURES_VERSION,
        "empty": empty,
        "owner_id": None if owner_id is None else str(owner_id),
        "summary": summary,
        "tables": tables,
    }


def _summary(aggregates: Aggregates) -> dict[str, Cell]:
    images_by = aggregates.breakdown.groupby
    by_source = images_by("source")["images"].sum()
    by_status = images_by("status")["images"].sum()
    images = int(aggregates.breakdown["images"].sum())
    total_bytes = int(aggregates.breakdown["bytes"].sum())
    sizes = aggregates.size_percentiles or (None, None)
    pixels = aggregates.pixel_percentiles or (None, None)
    days = aggregates.per_day["day"]
    jobs = aggregates.jobs
    finished = jobs[jobs["status"].isin(["succeeded", "failed"])]["jobs"].sum()
    failed = jobs[jobs["status"] == "failed"]["jobs"].sum()
    cameras = aggregates.cameras
    return {
        "images": images,
        "bytes": total_bytes,
        "mean_size_bytes": round(total_bytes / images) if images else None,
        "median_size_bytes": _int(sizes[0]),
        "p95_size_bytes": _int(sizes[1]),
        "median_megapixels": None if pixels[0] is None else round(pixels[0] / 1e6, 2),
        "formats": int((aggregates.breakdown.groupby("format")["images"].sum() > 0).sum()),
        "first_upload": _date(days.min()) if len(days) else None,
        "last_upload": _date(days.max()) if len(days) else None,
        "active_days": len(days),
        "images_uploaded": int(by_source.get("upload", 0)),
        "images_scraped": int(by_source.get("scrape", 0)),
        "images_ready": int(by_status.get("ready", 0)),
        "images_failed": int(by_status.get("failed", 0)),
        "images_pending": int(by_status.get("pending", 0) + by_status.get("processing", 0)),
        "images_with_capture_time": int(aggregates.hours["images"].sum()),
        "detections": int(aggregates.labels["detections"].sum()),
        "distinct_labels": len(aggregates.labels),
        "camera_models": int(((cameras["make"] != "") | (cameras["model"] != "")).sum()),
        "jobs": int(jobs["jobs"].sum()),
        "jobs_failed": int(failed),
        "job_failure_pct": round(100 * failed / finished, 2) if finished else None,
        "scrape_runs": int(aggregates.scrape["runs"].sum()),
        "scrape_images_imported": int(aggregates.scrape["images_imported"].sum()),
    }


def _uploads_per_day(per_day: pd.DataFrame) -> Table:
    title = "Uploads per day (UTC)"
    columns = [
        "date",
        "images",
        "bytes",
        f"images_{ROLLING_DAYS}d_mean",
        "cumulative_images",
        "cumulative_bytes",
    ]
    if per_day.empty:
        return _table(title, columns, [])
    # days without uploads count as zero in the rolling mean and show as rows
    days = per_day.groupby("day")[["images", "bytes"]].sum()
    days = days.reindex(pd.date_range(days.index.min(), days.index.max(), freq="D"), fill_value=0)
    mean = days["images"].rolling(ROLLING_DAYS, min_periods=1).mean().round(3)
    rows = zip(
        days.index,
        days["images"],
        days["bytes"],
        mean,
        days["images"].cumsum(),
        days["bytes"].cumsum(),
        strict=True,
    )
    return _table(title, columns, [[_date(day), *rest] for day, *rest in rows])


def _formats(breakdown: pd.DataFrame) -> Table:
    formats = breakdown.groupby("format")[["images", "bytes"]].sum()
    formats = formats.reset_index().sort_values(["images", "format"], ascending=[False, True])
    images_pct = _pct(formats["images"])
    bytes_pct = _pct(formats["bytes"])
    rows = zip(
        formats["format"], formats["images"], images_pct, formats["bytes"], bytes_pct, strict=True
    )
    return _table("Image formats", ["format", "images", "images_pct", "bytes", "bytes_pct"], rows)


def _file_sizes(histogram: pd.DataFrame) -> Table:
    columns = ["size_from_mb", "size_to_mb", "images"]
    title = f"File sizes (MB, {SIZE_BINS_PER_DECADE} bins per power of ten)"
    if histogram.empty:
        return _table(title, columns, [])
    counts = histogram.groupby("bin")["images"].sum()
    bins = range(int(counts.index.min()), int(counts.index.max()) + 1)
    counts = counts.reindex(bins, fill_value=0)
    rows = [
        [_mb(10 ** (b / SIZE_BINS_PER_DECADE)), _mb(10 ** ((b + 1) / SIZE_BINS_PER_DECADE)), count]
        for b, count in counts.items()
    ]
    return _table(title, columns, rows)


def _dimensions(grid: pd.DataFrame) -> Table:
    last = MAX_DIMENSION_PX // DIMENSION_BIN_PX
    cells = grid.assign(
        width_bin=grid["width_bin"].clip(upper=last), height_bin=grid["height_bin"].clip(upper=last)
    )
    cells = cells.groupby(["width_bin", "height_bin"])["images"].sum().reset_index()
    rows = zip(
        cells["width_bin"] * DIMENSION_BIN_PX,
        cells["height_bin"] * DIMENSION_BIN_PX,
        cells["images"],
        strict=True,
    )
    title = (
        f"Image dimensions ({DIMENSION_BIN_PX} px cells; "
        f"{MAX_DIMENSION_PX} means {MAX_DIMENSION_PX} px or more)"
    )
    return _table(title, ["width_from_px", "height_from_px", "images"], rows)


def _processing_times(jobs: pd.DataFrame) -> Table:
    done = jobs[(jobs["status"] == "succeeded") & jobs["p50_ms"].notna()].sort_values("kind")
    rows = [
        [kind, count, _int(p50), _int(p95)]
        for kind, count, p50, p95 in zip(
            done["kind"], done["jobs"], done["p50_ms"], done["p95_ms"], strict=True
        )
    ]
    return _table(
        "Processing time of succeeded jobs (ms)", ["kind", "jobs", "median_ms", "p95_ms"], rows
    )


def _failure_rates(jobs: pd.DataFrame) -> Table:
    finished = jobs[jobs["status"].isin(["succeeded", "failed"])]
    if finished.empty:
        return _table(
            "Failure rate of finished jobs", ["kind", "finished", "failed", "failure_pct"], []
        )
    counts = finished.pivot_table(
        index="kind", columns="status", values="jobs", aggfunc="sum", fill_value=0
    ).reindex(columns=["succeeded", "failed"], fill_value=0)
    total = counts["succeeded"] + counts["failed"]
    rate = (100 * counts["failed"] / total).round(2)
    rows = zip(counts.index, total, counts["failed"], rate, strict=True)
    return _table(
        "Failure rate of finished jobs", ["kind", "finished", "failed", "failure_pct"], rows
    )


def _labels(labels: pd.DataFrame) -> Table:
    ordered = labels.sort_values(["detections", "label"], ascending=[False, True])
    rows = zip(
        ordered["label"],
        ordered["detections"],
        _pct(ordered["detections"]),
        ordered["mean_score"].astype(float).round(9).round(3),  # .round(9): sums in another order
        strict=True,
    )
    return _table("Detected objects", ["label", "detections", "detections_pct", "mean_score"], rows)


def _cameras(cameras: pd.DataFrame) -> Table:
    known = cameras[(cameras["make"] != "") | (cameras["model"] != "")]
    names = [
        camera_name(make, model) for make, model in zip(known["make"], known["model"], strict=True)
    ]
    counts = known.assign(camera=names).groupby("camera")["images"].sum().reset_index()
    counts = counts.sort_values(["images", "camera"], ascending=[False, True])
    shares = _pct(counts["images"])
    rows = [
        [camera, images, share]
        for camera, images, share in zip(counts["camera"], counts["images"], shares, strict=True)
    ][:TOP_CAMERAS]
    if len(counts) > TOP_CAMERAS:
        rest = counts.iloc[TOP_CAMERAS:]
        rows.append(
            [
                f"Other ({len(rest)} models)",
                rest["images"].sum(),
                round(float(shares.iloc[TOP_CAMERAS:].sum()), 2),
            ]
        )
    return _table(
        "Cameras (images with a camera in their EXIF)", ["camera", "images", "images_pct"], rows
    )


def _taken_hours(hours: pd.DataFrame) -> Table:
    title = "Photos by hour of day taken (UTC, as stored)"
    if hours.empty:
        return _table(title, ["hour", "images"], [])
    counts = hours.groupby("hour")["images"].sum().reindex(range(24), fill_value=0)
    return _table(title, ["hour", "images"], counts.reset_index().to_numpy().tolist())


def _scrape_sources(scrape: pd.DataFrame) -> Table:
    ordered = scrape.sort_values(["images_imported", "url"], ascending=[False, True])
    columns = [
        "source",
        "runs",
        "failed_runs",
        "pages_visited",
        "images_found",
        "images_imported",
        "images_skipped",
    ]
    rows = ordered.rename(columns={"url": "source"})[columns].to_numpy().tolist()
    return _table("Web imports per source", columns, rows)


# -- small helpers -------------------------------------------------------------------------------


def _table(title: str, columns: list[str], rows: Any) -> Table:
    return {
        "title": title,
        "columns": columns,
        "rows": [[_cell(value) for value in row] for row in rows],
    }


def _cell(value: Any) -> Cell:
    """A JSON- and BSON-safe scalar: numpy numbers to int/float, NaN to None, days to text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return _date(value)
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _pct(counts: pd.Series) -> pd.Series:
    total = counts.sum()
    return (100 * counts / total).round(2) if total else counts * 0.0


def _int(value: float | None) -> int | None:
    return None if value is None or value != value else int(round(value))


def _mb(size_bytes: float) -> float:
    return float(f"{size_bytes / 1e6:.4g}")


def _date(day: pd.Timestamp) -> str:
    return f"{day:%Y-%m-%d}"
