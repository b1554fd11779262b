"""The pipelines' loader: MongoDB groups, this turns the results into `Aggregates`. No Django.

Reads each collection once (see pipelines.py); falls back to percentiles computed here when the
server has no `$percentile` (MongoDB < 7.0).
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import OperationFailure

from analytics import pipelines
from analytics.aggregates import Aggregates, frame, nearest_rank, to_day

T = TypeVar("T")


def load_aggregates(
    *, db: Database[Any], owner_id: ObjectId | None, server_percentiles: bool | None = None
) -> Aggregates:
    """The grouped data from one pipeline per collection, each reading its collection once.

    One after the other: on SecantusDB (a Python server) running them at once was no faster
    and held both collections in the server's memory together.
    """
    aggregates = _load_images(db, owner_id, server_percentiles)
    aggregates.jobs = _load_jobs(db, owner_id, server_percentiles)
    aggregates.scrape = _load_scrape(db, owner_id)
    return aggregates


def _with_percentiles(server_percentiles: bool | None, attempt: Callable[[bool], T]) -> T:
    if server_percentiles is not None:
        return attempt(server_percentiles)
    try:
        return attempt(True)
    except OperationFailure:  # no $percentile before MongoDB 7.0: compute them here instead
        return attempt(False)


def _load_images(
    db: Database[Any], owner_id: ObjectId | None, server_percentiles: bool | None
) -> Aggregates:
    def attempt(percentiles: bool) -> Aggregates:
        pipeline = pipelines.image_facets_pipeline(owner_id=owner_id, percentiles=percentiles)
        (facets,) = pipelines.run(db, pipelines.IMAGES, pipeline)
        aggregates = _image_aggregates(facets)
        if percentiles:
            stats = facets["size_stats"][0] if facets["size_stats"] else {}
            aggregates.size_percentiles = _pair(stats.get("size"))
            aggregates.pixel_percentiles = _pair(stats.get("pixels"))
        else:
            values = pipelines.run(
                db, pipelines.IMAGES, pipelines.image_values_pipeline(owner_id=owner_id)
            )
            aggregates.size_percentiles = _percentile_pair([v.get("size_bytes") for v in values])
            aggregates.pixel_percentiles = _percentile_pair([v.get("pixels") for v in values])
        return aggregates

    return _with_percentiles(server_percentiles, attempt)


def _image_aggregates(facets: dict[str, list[dict[str, Any]]]) -> Aggregates:
    per_day = frame(
        "per_day",
        [
            {"day": row["_id"], "images": row["images"], "bytes": row["bytes"]}
            for row in facets["per_day"]
            if row["_id"] is not None
        ],
    )
    per_day["day"] = to_day(per_day["day"])
    return Aggregates(
        per_day=per_day,
        breakdown=frame(
            "breakdown",
            [
                {
                    **_keys(row, "format", "source", "status"),
                    "images": row["images"],
                    "bytes": row["bytes"],
                }
                for row in facets["breakdown"]
            ],
        ),
        size_histogram=frame(
            "size_histogram",
            [
                {"bin": int(row["_id"]), "images": row["images"]}
                for row in facets["size_histogram"]
                if row["_id"] is not None
            ],
        ),
        dimensions=frame(
            "dimensions",
            [
                {
                    "width_bin": int(row["_id"]["width"]),
                    "height_bin": int(row["_id"]["height"]),
                    "images": row["images"],
                }
                for row in facets["dimensions"]
                if row["_id"].get("width") is not None and row["_id"].get("height") is not None
            ],
        ),
        hours=frame(
            "hours", [{"hour": row["_id"], "images": row["images"]} for row in facets["hours"]]
        ),
        labels=frame(
            "labels",
            [
                {
                    "label": row["_id"] or "",
                    "detections": row["detections"],
                    "mean_score": row["mean_score"],
                }
                for row in facets["labels"]
            ],
        ),
        cameras=frame(
            "cameras",
            [{**_keys(row, "make", "model"), "images": row["images"]} for row in facets["cameras"]],
        ),
    )


def _keys(row: dict[str, Any], *names: str) -> dict[str, str]:
    """The parts of a compound group key; a missing field (key absent) counts as ""."""
    return {name: row["_id"].get(name) or "" for name in names}


def _pair(values: Sequence[float | None] | None) -> tuple[float, float] | None:
    if not values or values[0] is None or values[1] is None:
        return None
    return float(values[0]), float(values[1])


def _percentile_pair(values: list[Any]) -> tuple[float, float] | None:
    return _pair([nearest_rank(values, p) for p in pipelines.PERCENTILES])


def _load_jobs(
    db: Database[Any], owner_id: ObjectId | None, server_percentiles: bool | None
) -> pd.DataFrame:
    def attempt(percentiles: bool) -> pd.DataFrame:
        pipeline = pipelines.job_stats_pipeline(owner_id=owner_id, percentiles=percentiles)
        rows = [
            {
                **_keys(row, "kind", "status"),
                "jobs": row["jobs"],
                "durations": _pair(row.get("duration_ms")),
            }
            for row in pipelines.run(db, pipelines.JOBS, pipeline)
        ]
        if not percentiles:
            durations: dict[tuple[str, str], list[Any]] = {}
            for value in pipelines.run(
                db, pipelines.JOBS, pipelines.job_duration_values_pipeline(owner_id=owner_id)
            ):
                key = (value.get("kind") or "", value.get("status") or "")
                durations.setdefault(key, []).append(value.get("duration_ms"))
            for row in rows:
                row["durations"] = _percentile_pair(durations.get((row["kind"], row["status"]), []))
        return frame("jobs", [_job_row(**row) for row in rows])

    return _with_percentiles(server_percentiles, attempt)


def _job_row(
    *, kind: str, status: str, jobs: int, durations: tuple[float, float] | None
) -> dict[str, Any]:
    p50, p95 = durations or (None, None)
    return {"kind": kind, "status": status, "jobs": jobs, "p50_ms": p50, "p95_ms": p95}


def _load_scrape(db: Database[Any], owner_id: ObjectId | None) -> pd.DataFrame:
    rows = pipelines.run(
        db, pipelines.SCRAPE_RUNS, pipelines.scrape_source_stats_pipeline(owner_id=owner_id)
    )
    urls = pipelines.scrape_source_urls(db, [row["_id"] for row in rows])
    return frame(
        "scrape",
        [{**row, "source_id": str(row["_id"]), "url": urls.get(row["_id"], "")} for row in rows],
    )
