"""The naive loader: every document of the owner into pandas, grouped there. No Django.

It exists to be measured against the pipelines (bench/analytics.py) and to check them: it must
produce the same `Aggregates` as `figures.load_aggregates` for any data.
"""

from typing import Any

import numpy as np
import pandas as pd
from bson import ObjectId
from pymongo.database import Database

from analytics import pipelines
from analytics.aggregates import Aggregates, empty_frame, frame, nearest_rank, to_day

IMAGE_FIELDS = [
    "format",
    "source",
    "status",
    "size_bytes",
    "width",
    "height",
    "uploaded_at",
    "taken_at",
    "camera_make",
    "camera_model",
    "detections",
]


def load_aggregates_naive(*, db: Database[Any], owner_id: ObjectId | None) -> Aggregates:
    match = {} if owner_id is None else {"owner_id": owner_id}
    images = _documents(db, pipelines.IMAGES, pipelines.kept_images(owner_id), IMAGE_FIELDS)
    aggregates = _image_aggregates(images) if len(images) else Aggregates()
    aggregates.jobs = _job_aggregates(
        _documents(db, pipelines.JOBS, match, ["kind", "status", "duration_ms"])
    )
    aggregates.scrape = _scrape_aggregates(
        db,
        _documents(
            db,
            pipelines.SCRAPE_RUNS,
            match,
            [
                "source_id",
                "status",
                "pages_visited",
                "images_found",
                "images_imported",
                "images_skipped",
            ],
        ),
    )
    return aggregates


def _documents(
    db: Database[Any], collection: str, match: dict[str, Any], columns: list[str]
) -> pd.DataFrame:
    """Whole documents (no projection: that is the point), with `columns` present if missing."""
    documents = pd.DataFrame(list(db[collection].find(match)))
    return documents.reindex(columns=documents.columns.union(columns, sort=False))


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


def _image_aggregates(images: pd.DataFrame) -> Aggregates:
    images = images.assign(
        format=_text(images["format"]),
        source=_text(images["source"]),
        status=_text(images["status"]),
        camera_make=_text(images["camera_make"]),
        camera_model=_text(images["camera_model"]),
        size_bytes=pd.to_numeric(images["size_bytes"]),
    )
    sizes = images["size_bytes"].fillna(0).clip(lower=1).to_numpy(float)
    pixels = images["width"].astype(float) * images["height"].astype(float)
    per_day = (
        images.assign(day=to_day(images["uploaded_at"]))
        .groupby("day")
        .agg(images=("day", "size"), bytes=("size_bytes", "sum"))
    )
    breakdown = images.groupby(["format", "source", "status"]).agg(
        images=("format", "size"), bytes=("size_bytes", "sum")
    )
    histogram = (
        pd.Series(np.floor(np.log10(sizes) * pipelines.SIZE_BINS_PER_DECADE))
        .value_counts()
        .rename_axis("bin")
        .rename("images")
    )
    cells = (
        pd.DataFrame(
            {
                "width_bin": np.trunc(images["width"].astype(float) / pipelines.DIMENSION_BIN_PX),
                "height_bin": np.trunc(images["height"].astype(float) / pipelines.DIMENSION_BIN_PX),
            }
        )
        .dropna()
        .astype(int)
    )
    taken = pd.to_datetime(images["taken_at"].dropna(), utc=True)
    return Aggregates(
        per_day=per_day.reset_index(),
        breakdown=breakdown.reset_index(),
        size_histogram=histogram.reset_index().astype(int),
        dimensions=cells.value_counts().rename("images").reset_index(),
        hours=taken.dt.hour.value_counts().rename_axis("hour").rename("images").reset_index(),
        labels=_label_aggregates(images["detections"]),
        cameras=(
            images.groupby(["camera_make", "camera_model"])
            .size()
            .rename("images")
            .rename_axis(["make", "model"])
            .reset_index()
        ),
        size_percentiles=_pair(images["size_bytes"]),
        pixel_percentiles=_pair(pixels),
    )


def _pair(values: pd.Series) -> tuple[float, float] | None:
    low, high = (nearest_rank(values, p) for p in pipelines.PERCENTILES)
    return None if low is None or high is None else (low, high)


def _label_aggregates(detections: pd.Series) -> pd.DataFrame:
    found = detections.dropna().explode().dropna()
    if found.empty:
        return empty_frame("labels")
    found = pd.DataFrame(found.tolist())
    found = found.assign(label=_text(found["label"]), score=pd.to_numeric(found["score"]))
    grouped = found.groupby("label").agg(detections=("label", "size"), mean_score=("score", "mean"))
    return grouped.reset_index()


def _job_aggregates(jobs: pd.DataFrame) -> pd.DataFrame:
    if jobs.empty:
        return empty_frame("jobs")
    jobs = jobs.assign(kind=_text(jobs["kind"]), status=_text(jobs["status"]))
    rows = []
    for (kind, status), group in jobs.groupby(["kind", "status"]):
        p50, p95 = (nearest_rank(group["duration_ms"], p) for p in pipelines.PERCENTILES)
        rows.append(
            {"kind": kind, "status": status, "jobs": len(group), "p50_ms": p50, "p95_ms": p95}
        )
    return frame("jobs", rows)


def _scrape_aggregates(db: Database[Any], runs: pd.DataFrame) -> pd.DataFrame:
    if runs.empty:
        return empty_frame("scrape")
    counted = ["pages_visited", "images_found", "images_imported", "images_skipped"]
    grouped = (
        runs.assign(failed_runs=(runs["status"] == "failed").astype(int))
        .groupby("source_id")
        .agg(
            runs=("source_id", "size"),
            failed_runs=("failed_runs", "sum"),
            **{column: (column, "sum") for column in counted},
        )
    )
    sources = pd.DataFrame(
        list(db[pipelines.SCRAPE_SOURCES].find({"_id": {"$in": list(grouped.index)}}))
    )
    urls = dict(zip(sources["_id"], sources["url"], strict=True)) if len(sources) else {}
    grouped = grouped.reset_index()
    grouped["url"] = [urls.get(source_id, "") for source_id in grouped["source_id"]]
    grouped["source_id"] = grouped["source_id"].astype(str)
    return grouped[empty_frame("scrape").columns]
