"""Heavy work goes to its own queue: networks on ml, crawls and folder scans on scrape, the rest on default."""

import pytest

from imagesite.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("processing.tasks.image_recognise_task", "ml"),
        ("processing.tasks.background_remove_task", "ml"),
        ("processing.tasks.stylise_task", "ml"),
        ("scraping.tasks.scrape_run_task", "scrape"),
        ("library.tasks.library_scan_task", "scrape"),
        ("gallery.tasks.image_ingest_task", "default"),
        ("processing.tasks.version_render_task", "default"),
        ("analytics.tasks.snapshot_task", "default"),
    ],
)
def test_each_task_is_routed_to_its_queue(task: str, queue: str) -> None:
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue
