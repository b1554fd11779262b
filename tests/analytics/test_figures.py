"""Figures of the library in conftest.py, against values worked out by hand."""

import json
from typing import Any

import bson
import pytest
from pymongo.database import Database

from analytics import pipelines
from analytics.figures import (
    Figures,
    Table,
    compute_figures,
    compute_figures_naive,
    table_to_csv,
)
from tests.analytics.conftest import ALICE, BOB


def rows_by_key(figures: Figures, table: str) -> dict[Any, list[Any]]:
    return {row[0]: row[1:] for row in figures["tables"][table]["rows"]}


def test_it_totals_images_bytes_and_the_size_percentiles(alice_figures: Figures) -> None:
    summary = alice_figures["summary"]
    assert summary["images"] == 6
    assert summary["bytes"] == 14_750_000
    assert summary["mean_size_bytes"] == 2_458_333
    # sizes sorted: 250k 500k 1M 2M 3M 8M; nearest rank: ceil(0.5 * 6) = 3rd, ceil(0.95 * 6) = 6th
    assert summary["median_size_bytes"] == 1_000_000
    assert summary["p95_size_bytes"] == 8_000_000
    assert summary["median_megapixels"] == 2.07  # 1920 x 1080 is the 3rd of 6
    assert summary["images_scraped"] == 1
    assert summary["images_failed"] == 1
    assert summary["images_with_capture_time"] == 4
    assert alice_figures["empty"] is False
    assert alice_figures["owner_id"] == str(ALICE)


def test_it_counts_uploads_per_day_with_gaps_rolling_mean_and_running_totals(
    alice_figures: Figures,
) -> None:
    table = alice_figures["tables"]["uploads_per_day"]
    assert table["columns"] == [
        "date",
        "images",
        "bytes",
        "images_7d_mean",
        "cumulative_images",
        "cumulative_bytes",
    ]
    assert table["rows"] == [
        ["2025-03-01", 2, 5_000_000, 2, 2, 5_000_000],
        ["2025-03-02", 0, 0, 1, 2, 5_000_000],
        ["2025-03-03", 2, 750_000, 1.333, 4, 5_750_000],
        ["2025-03-04", 0, 0, 1, 4, 5_750_000],
        ["2025-03-05", 0, 0, 0.8, 4, 5_750_000],
        ["2025-03-06", 0, 0, 0.667, 4, 5_750_000],
        ["2025-03-07", 0, 0, 0.571, 4, 5_750_000],
        ["2025-03-08", 2, 9_000_000, 0.571, 6, 14_750_000],  # 4 images in the 7 days 02..08
    ]


def test_it_gives_formats_with_shares(alice_figures: Figures) -> None:
    assert alice_figures["tables"]["formats"]["rows"] == [
        ["JPEG", 3, 50, 13_000_000, 88.14],
        ["GIF", 1, 16.67, 1_000_000, 6.78],
        ["PNG", 1, 16.67, 500_000, 3.39],
        ["WEBP", 1, 16.67, 250_000, 1.69],
    ]


def test_it_counts_labels_per_detection(alice_figures: Figures) -> None:
    assert alice_figures["tables"]["labels"]["rows"] == [
        ["person", 3, 50, 0.733],
        ["dog", 2, 33.33, 0.65],
        ["cat", 1, 16.67, 0.95],
    ]


def test_it_counts_photos_per_hour_taken(alice_figures: Figures) -> None:
    hours = rows_by_key(alice_figures, "taken_hours")
    assert sorted(hours) == list(range(24))
    assert {hour: count for hour, (count,) in hours.items() if count} == {9: 1, 14: 2, 23: 1}


def test_it_names_cameras_once(alice_figures: Figures) -> None:
    assert alice_figures["tables"]["cameras"]["rows"] == [
        ["Apple iPhone 15", 2, 50],
        ["Canon EOS R5", 2, 50],
    ]


def test_it_gives_median_and_p95_processing_time_of_succeeded_jobs(alice_figures: Figures) -> None:
    # ingest 100 200 300 400: ranks ceil(2) = 2nd and ceil(3.8) = 4th; failed jobs don't count
    assert rows_by_key(alice_figures, "processing_times") == {
        "ingest": [4, 200, 400],
        "recognise": [2, 1000, 3000],
    }


def test_it_gives_failure_rates_of_finished_jobs(alice_figures: Figures) -> None:
    # the queued stylise job is not finished, so stylise has no rate
    assert rows_by_key(alice_figures, "failure_rates") == {
        "ingest": [5, 1, 20],
        "recognise": [4, 2, 50],
    }
    assert alice_figures["summary"]["job_failure_pct"] == 33.33
    assert alice_figures["summary"]["jobs"] == 10


def test_it_sums_scrape_runs_per_source(alice_figures: Figures) -> None:
    assert alice_figures["tables"]["scrape_sources"]["rows"] == [
        ["https://example.org/gallery", 2, 1, 3, 8, 5, 3],
        ["https://photos.example.com/", 1, 0, 1, 2, 2, 0],
    ]


def test_another_users_documents_do_not_count(library: Database[Any]) -> None:
    figures = compute_figures(db=library, owner_id=BOB)
    assert figures["summary"]["images"] == 2
    assert figures["summary"]["bytes"] == 4_030_000
    assert rows_by_key(figures, "labels") == {"cat": [2, 66.67, 0.85], "person": [1, 33.33, 0.4]}
    assert rows_by_key(figures, "processing_times") == {"ingest": [1, 10_000, 10_000]}
    assert figures["summary"]["scrape_images_imported"] == 7


def test_no_owner_means_every_user(library: Database[Any]) -> None:
    figures = compute_figures(db=library, owner_id=None)
    assert figures["summary"]["images"] == 8
    assert figures["summary"]["bytes"] == 18_780_000
    assert figures["summary"]["jobs"] == 12  # with the job that has no owner
    # ingest 100 200 300 400 10000: ranks ceil(2.5) = 3rd and ceil(4.75) = 5th
    assert rows_by_key(figures, "processing_times")["ingest"] == [5, 300, 10_000]
    assert figures["owner_id"] is None


@pytest.mark.parametrize("owner_id", [ALICE, BOB, None], ids=["alice", "bob", "everyone"])
def test_naive_pandas_and_pipelines_agree(library: Database[Any], owner_id: Any) -> None:
    pushdown = compute_figures(db=library, owner_id=owner_id)
    assert compute_figures_naive(db=library, owner_id=owner_id) == pushdown
    assert compute_figures(db=library, owner_id=owner_id, server_percentiles=False) == pushdown


def test_they_agree_on_a_generated_library(library: Database[Any]) -> None:
    from bench.analytics import fill

    db = library.client["analytics_generated"]
    owners = fill(db, images=1500, jobs=3000, seed=11)
    for owner_id in (owners[1], None):
        pushdown = compute_figures(db=db, owner_id=owner_id)
        assert compute_figures_naive(db=db, owner_id=owner_id) == pushdown
    kept = db[pipelines.IMAGES].count_documents({"visibility": {"$in": ["library", "archive"]}})
    assert 1400 < pushdown["summary"]["images"] == kept < 1500  # not the trash, not the hidden


def test_figures_are_json_and_bson_safe(alice_figures: Figures) -> None:
    assert json.loads(json.dumps(alice_figures, allow_nan=False)) == alice_figures
    assert bson.decode(bson.encode(alice_figures)) == alice_figures


def test_an_empty_library_says_so_without_failing(empty_library: Database[Any]) -> None:
    figures = compute_figures(db=empty_library, owner_id=None)
    assert figures["empty"] is True
    assert figures["summary"]["images"] == 0
    assert figures["summary"]["median_size_bytes"] is None
    assert all(not table["rows"] for table in figures["tables"].values())
    assert compute_figures_naive(db=empty_library, owner_id=None) == figures


def test_owner_scoped_pipelines_start_with_the_owner_match() -> None:
    for build in (
        pipelines.image_facets_pipeline,
        pipelines.job_stats_pipeline,
        pipelines.scrape_source_stats_pipeline,
    ):
        assert build(owner_id=ALICE)[0]["$match"]["owner_id"] == ALICE
        assert "owner_id" not in build(owner_id=None)[0].get("$match", {})


def test_table_to_csv_writes_a_header_and_defuses_formulas() -> None:
    table: Table = {
        "title": "t",
        "columns": ["label", "detections", "mean_score"],
        "rows": [["person", 3, 0.733], ['=HYPERLINK("x")', 1, None]],
    }
    assert table_to_csv(table) == (
        'label,detections,mean_score\r\nperson,3,0.733\r\n"\'=HYPERLINK(""x"")",1,\r\n'
    )
