"""The web import's pages on a 390x844 phone screen: nothing wider than the screen."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from scraping.models import ScrapeItem, ScrapeRun, ScrapeSource

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "https://photos.example-university.edu/departments/geography/field-trips/2025/"


def _run_with_items(user) -> ScrapeRun:  # noqa: ANN001
    source = ScrapeSource.objects.create(owner=user, url=LONG + "index.html", scope="site")
    run = ScrapeRun.objects.create(
        source=source,
        owner=user,
        status=ScrapeRun.Status.SUCCEEDED,
        stop_reason=ScrapeRun.StopReason.IMAGE_LIMIT,
        finished_at=timezone.now(),
        pages_visited=12,
        images_found=340,
        images_imported=300,
        images_skipped=37,
        images_failed=3,
        skipped_reasons={"near duplicate": 20, "too small": 12, "not fetched": 5},
        failed_reasons={"http error": 2, "timeout": 1},
        error=LONG + "broken-page.html: http error: HTTP 500",
    )
    for index, (outcome, reason, detail) in enumerate(
        [
            ("near", "near duplicate", "looks the same as glacier panorama"),
            ("skipped", "too small", "64x48 < 100x100"),
            ("failed", "http error", "HTTP 404"),
        ]
    ):
        ScrapeItem.objects.create(
            run=run,
            owner=user,
            url=f"{LONG}images/very-long-file-name-of-a-photo-number-{index}-1920x1080.jpg",
            page_url=LONG + "index.html",
            outcome=outcome,
            reason=reason,
            detail=detail,
        )
    return run


def _shot(page, name: str) -> None:  # noqa: ANN001
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_the_web_import_pages_fit_a_390px_screen(signed_in_page) -> None:  # noqa: ANN001
    page = signed_in_page
    run = _run_with_items(page.user)
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in [
        ("import-sources-390.png", "/import/"),
        ("import-source-390.png", f"/import/{run.source_id}/"),
        ("import-run-390.png", f"/import/runs/{run.pk}/details/"),
    ]:
        page.goto(path)
        _shot(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        tables = page.evaluate(
            "[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right)"
        )
        assert all(right <= 390 for right in tables), (path, tables)
    page.goto(f"/import/runs/{run.pk}/details/")
    assert page.locator("#run-outcome").inner_text() == "Stopped: image limit reached"
    assert page.get_by_role("button", name="Import anyway").count() == 1
    assert page.get_by_text("HTTP 404").is_visible()
