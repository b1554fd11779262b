"""MongoDB aggregation pipelines for the analytics figures. No Django: plain pymongo.

Every builder takes `owner_id` (None means every user, for staff) and returns a whole pipeline
that starts with the owner `$match`, so the (owner, ...) indexes of the models narrow the scan.
The `*_facets_pipeline` builders put several groupings behind one `$match` and one `$facet`:
the collection is read once instead of once per figure, which is what costs most on SecantusDB.

Percentiles are mongod's discrete ones (`$percentile`, method "approximate", MongoDB 7.0+ and
SecantusDB): the value at rank ceil(p * n) of the sorted values. `percentiles=False` builds the
same pipelines without them for servers that lack the operator; the caller then computes them
from `*_values_pipeline` (a projection of two small fields).
"""

from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from pymongo.database import Database

Pipeline = list[dict[str, Any]]

IMAGES = "gallery_image"
JOBS = "processing_job"
SCRAPE_RUNS = "scraping_scraperun"
SCRAPE_SOURCES = "scraping_scrapesource"

PERCENTILES = (0.5, 0.95)
SIZE_BINS_PER_DECADE = 8  # file-size histogram: bin k holds sizes in [10^(k/8), 10^((k+1)/8)) bytes
DIMENSION_BIN_PX = 250  # width x height grid cells of 250 x 250 px


def run(db: Database[Any], collection: str, pipeline: Pipeline) -> list[dict[str, Any]]:
    """Run `pipeline` on `db[collection]` and return every result document."""
    return list(db[collection].aggregate(pipeline, allowDiskUse=True))


def owner_match(owner_id: ObjectId | None) -> Pipeline:
    return [] if owner_id is None else [{"$match": {"owner_id": owner_id}}]


def kept_images(owner_id: ObjectId | None) -> dict[str, Any]:
    """The images the figures count: the library and the archive, not the trash (on its way out)
    or what a moderator hid."""
    kept: dict[str, Any] = {"visibility": {"$in": ["library", "archive"]}}
    return kept if owner_id is None else {"owner_id": owner_id, **kept}


def kept_images_match(owner_id: ObjectId | None) -> Pipeline:
    return [{"$match": kept_images(owner_id)}]


def _percentile(expression: Any) -> dict[str, Any]:
    return {"$percentile": {"input": expression, "p": list(PERCENTILES), "method": "approximate"}}


# -- gallery_image: one grouping per figure ------------------------------------------------------


def _images_per_day() -> Pipeline:
    day = {"$dateTrunc": {"date": "$uploaded_at", "unit": "day"}}  # UTC days; MongoDB 5.0+
    return [{"$group": {"_id": day, "images": {"$sum": 1}, "bytes": {"$sum": "$size_bytes"}}}]


def _image_breakdown() -> Pipeline:
    """Counts and bytes per (format, source, status): totals, formats and shares come from it."""
    key = {"format": "$format", "source": "$source", "status": "$status"}
    return [{"$group": {"_id": key, "images": {"$sum": 1}, "bytes": {"$sum": "$size_bytes"}}}]


def _image_size_stats() -> Pipeline:
    pixels = {"$multiply": ["$width", "$height"]}
    return [
        {"$group": {"_id": None, "size": _percentile("$size_bytes"), "pixels": _percentile(pixels)}}
    ]


def _file_size_histogram() -> Pipeline:
    # $log10 rejects 0, hence the floor of 1 byte; $bucket with ~60 boundaries was 20x slower.
    log_size = {"$log10": {"$max": ["$size_bytes", 1]}}
    bin_ = {"$floor": {"$multiply": [log_size, SIZE_BINS_PER_DECADE]}}
    return [{"$group": {"_id": bin_, "images": {"$sum": 1}}}]


def _dimension_grid() -> Pipeline:
    cell = {
        axis: {"$trunc": {"$divide": [f"${axis}", DIMENSION_BIN_PX]}}
        for axis in ("width", "height")
    }
    return [{"$group": {"_id": cell, "images": {"$sum": 1}}}]


def _taken_hours() -> Pipeline:
    return [
        {"$match": {"taken_at": {"$ne": None}}},
        {"$group": {"_id": {"$hour": "$taken_at"}, "images": {"$sum": 1}}},
    ]


def _label_counts() -> Pipeline:
    return [
        {"$unwind": "$detections"},
        {
            "$group": {
                "_id": "$detections.label",
                "detections": {"$sum": 1},
                "mean_score": {"$avg": "$detections.score"},
            }
        },
    ]


def _camera_counts() -> Pipeline:
    key = {"make": "$camera_make", "model": "$camera_model"}
    return [{"$group": {"_id": key, "images": {"$sum": 1}}}]


def _image_facets(*, percentiles: bool) -> dict[str, Pipeline]:
    facets = {
        "per_day": _images_per_day(),
        "breakdown": _image_breakdown(),
        "size_histogram": _file_size_histogram(),
        "dimensions": _dimension_grid(),
        "hours": _taken_hours(),
        "labels": _label_counts(),
        "cameras": _camera_counts(),
    }
    if percentiles:
        facets["size_stats"] = _image_size_stats()
    return facets


def image_facets_pipeline(
    *, owner_id: ObjectId | None = None, percentiles: bool = True
) -> Pipeline:
    """Every image figure in one pass: a single document, one array per facet name."""
    return kept_images_match(owner_id) + [{"$facet": _image_facets(percentiles=percentiles)}]


def image_values_pipeline(*, owner_id: ObjectId | None = None) -> Pipeline:
    """Size and pixel count per image: the fallback input of the size percentiles."""
    return kept_images_match(owner_id) + [
        {"$project": {"_id": 0, "size_bytes": 1, "pixels": {"$multiply": ["$width", "$height"]}}}
    ]


# -- processing_job ----------------------------------------------------------------------------


def job_stats_pipeline(*, owner_id: ObjectId | None = None, percentiles: bool = True) -> Pipeline:
    """Jobs per (kind, status) with duration percentiles: counts, failure rates and timings.

    Queued and started jobs have no duration; `$percentile` ignores nulls and gives null.
    """
    group: dict[str, Any] = {"_id": {"kind": "$kind", "status": "$status"}, "jobs": {"$sum": 1}}
    if percentiles:
        group["duration_ms"] = _percentile("$duration_ms")
    return owner_match(owner_id) + [{"$group": group}]


def job_duration_values_pipeline(*, owner_id: ObjectId | None = None) -> Pipeline:
    """(kind, status, duration) of finished jobs: the fallback input of the percentiles."""
    return owner_match(owner_id) + [
        {"$match": {"duration_ms": {"$ne": None}}},
        {"$project": {"_id": 0, "kind": 1, "status": 1, "duration_ms": 1}},
    ]


# -- scraping ----------------------------------------------------------------------------------


def _count_if(field: str, value: str) -> dict[str, Any]:
    return {"$sum": {"$cond": [{"$eq": [f"${field}", value]}, 1, 0]}}


def scrape_source_stats_pipeline(*, owner_id: ObjectId | None = None) -> Pipeline:
    """Runs and their page and image counts per source; the URLs come from the sources."""
    return owner_match(owner_id) + [
        {
            "$group": {
                "_id": "$source_id",
                "runs": {"$sum": 1},
                "failed_runs": _count_if("status", "failed"),
                "pages_visited": {"$sum": "$pages_visited"},
                "images_found": {"$sum": "$images_found"},
                "images_imported": {"$sum": "$images_imported"},
                "images_skipped": {"$sum": "$images_skipped"},
            }
        }
    ]


def scrape_source_urls(db: Database[Any], source_ids: list[ObjectId]) -> Mapping[ObjectId, str]:
    """URL per source id, for the few sources that have runs (a projection of one field)."""
    cursor = db[SCRAPE_SOURCES].find({"_id": {"$in": source_ids}}, {"url": 1})
    return {document["_id"]: document.get("url", "") for document in cursor}
