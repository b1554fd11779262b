"""The grouped data both loaders produce (pipelines in MongoDB, or pandas over every document).

`figures.py` turns an `Aggregates` into figures; because both loaders meet here, the comparison
of the two checks exactly the part that differs: the grouping.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# column -> dtype of each grouping; "day" is UTC midnight as tz-naive datetime64
SCHEMAS: dict[str, dict[str, str]] = {
    "per_day": {"day": "datetime64[ns]", "images": "int64", "bytes": "int64"},
    "breakdown": {
        "format": "object",
        "source": "object",
        "status": "object",
        "images": "int64",
        "bytes": "int64",
    },
    "size_histogram": {"bin": "int64", "images": "int64"},
    "dimensions": {"width_bin": "int64", "height_bin": "int64", "images": "int64"},
    "hours": {"hour": "int64", "images": "int64"},
    "labels": {"label": "object", "detections": "int64", "mean_score": "float64"},
    "cameras": {"make": "object", "model": "object", "images": "int64"},
    "jobs": {
        "kind": "object",
        "status": "object",
        "jobs": "int64",
        "p50_ms": "float64",
        "p95_ms": "float64",
    },
    "scrape": {
        "source_id": "object",
        "url": "object",
        "runs": "int64",
        "failed_runs": "int64",
        "pages_visited": "int64",
        "images_found": "int64",
        "images_imported": "int64",
        "images_skipped": "int64",
    },
}


def empty_frame(name: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in SCHEMAS[name].items()})


@dataclass
class Aggregates:
    """One frame per grouping (columns as in SCHEMAS) and the size percentiles.

    `size_percentiles` and `pixel_percentiles` hold (p50, p95), or None for no images.
    """

    per_day: pd.DataFrame = field(default_factory=lambda: empty_frame("per_day"))
    breakdown: pd.DataFrame = field(default_factory=lambda: empty_frame("breakdown"))
    size_histogram: pd.DataFrame = field(default_factory=lambda: empty_frame("size_histogram"))
    dimensions: pd.DataFrame = field(default_factory=lambda: empty_frame("dimensions"))
    hours: pd.DataFrame = field(default_factory=lambda: empty_frame("hours"))
    labels: pd.DataFrame = field(default_factory=lambda: empty_frame("labels"))
    cameras: pd.DataFrame = field(default_factory=lambda: empty_frame("cameras"))
    jobs: pd.DataFrame = field(default_factory=lambda: empty_frame("jobs"))
    scrape: pd.DataFrame = field(default_factory=lambda: empty_frame("scrape"))
    size_percentiles: tuple[float, float] | None = None
    pixel_percentiles: tuple[float, float] | None = None


def frame(name: str, rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A frame with exactly the columns of `name`, even when `rows` is empty."""
    if not rows:
        return empty_frame(name)
    return pd.DataFrame.from_records(list(rows), columns=list(SCHEMAS[name]))


def nearest_rank(values: Sequence[float] | pd.Series, p: float) -> float | None:
    """mongod's discrete percentile: the value at rank ceil(p * n) of the sorted values.

    Computed exactly as the server does (p * n in doubles) so that both loaders agree.
    """
    array = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    ordered = np.sort(array[~np.isnan(array)])
    if not len(ordered):
        return None
    return float(ordered[max(0, math.ceil(p * len(ordered)) - 1)])


def to_day(values: pd.Series) -> pd.Series:
    """UTC midnight as tz-naive datetime64, from aware or naive (UTC) datetimes."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_localize(None).dt.floor("D").astype("datetime64[ns]")
