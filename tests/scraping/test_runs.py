"""A web-import run from the Django side, through the real crawler against local servers:
why it stopped, counts that add up, the images it did not import listed by URL with the
reason, near-duplicates by pixels (and imported anyway on request), conditional re-runs,
titles, single-label hosts, cancelling."""

import socket
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from gallery.imaging import hamming, perceptual_hash
from gallery.models import Image
from scraping.models import ScrapeItem, ScrapeRun, ScrapeSource, ScrapeValidator
from scraping.services import (
    image_title,
    item_import,
    run_cancel,
    run_enqueue,
    run_execute,
    source_create,
)
from tests.factories import UserFactory
from tests.scraping.sites import chart, encoded, logged_site, slow_image, with_etag

pytestmark = pytest.mark.django_db

BARS = [120, 300, 200, 380, 250, 160]
OTHER_BARS = [120, 300, 230, 380, 250, 160]  # one bar 30 px taller: pHashes 2 bits apart


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def local_site(settings):  # noqa: ANN001, ANN201
    settings.SCRAPE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SCRAPE_DELAY_S = 0.0
    return settings


def _source(user, url: str, **fields: object) -> ScrapeSource:  # noqa: ANN001
    values = {"scope": "page", "min_width": 1, "min_height": 1, **fields}
    return ScrapeSource.objects.create(owner=user, url=url, **values)


def _adds_up(run: ScrapeRun) -> None:
    assert run.images_found == run.images_imported + run.images_skipped + run.images_failed
    listed = run.items.count() + run.images_unchanged
    assert listed == run.images_skipped + run.images_failed


def _run(source: ScrapeSource) -> ScrapeRun:
    return run_execute(run=run_enqueue(source=source))


def test_two_different_charts_2_bits_apart_are_both_imported(user, local_site, tmp_path) -> None:
    first, second = chart(BARS), chart(OTHER_BARS)
    assert hamming(perceptual_hash(image=first), perceptual_hash(image=second)) <= 2
    (tmp_path / "sales-2024.png").write_bytes(encoded(first))
    (tmp_path / "sales-2025.png").write_bytes(encoded(second))
    # the first chart again, smaller and as a JPEG: the same picture, a near-duplicate
    (tmp_path / "sales-small.jpg").write_bytes(
        encoded(first.resize((400, 250)), "JPEG", quality=80)
    )
    (tmp_path / "index.html").write_text(
        '<img src="sales-2024.png" alt="Sales 2024"><img src="sales-2025.png">'
        '<img src="sales-small.jpg" alt="Sales, small">'
    )
    with logged_site(tmp_path) as (base, _log):
        run = _run(_source(user, f"{base}/index.html"))
        assert run.stop_reason == ScrapeRun.StopReason.FINISHED, run.error
        assert run.images_imported == 2
        assert run.skipped_reasons == {"near duplicate": 1}
        _adds_up(run)
        [near] = run.items.all()
        assert near.outcome == ScrapeItem.Outcome.NEAR_DUPLICATE
        # the first chart and its small copy are downloaded side by side: whichever arrives
        # second is the near-duplicate of the other
        titles = {f"{base}/sales-2024.png": "Sales 2024", f"{base}/sales-small.jpg": "Sales, small"}
        assert {near.url, near.similar.source_url} == set(titles)
        assert {image.title for image in Image.objects.filter(owner=user)} == {
            titles[near.similar.source_url],
            "sales 2025",
        }
        # the user imports it anyway: fetched again through the crawler, then imported
        imported = item_import(item=near)
    assert imported.import_state == "done", imported.import_error
    assert imported.imported.title == titles[near.url]
    assert Image.objects.filter(owner=user).count() == 3


def test_the_run_page_lists_skipped_and_failed_images_with_a_button_for_near_duplicates(
    client, user, local_site, tmp_path
) -> None:
    picture = chart(BARS)
    (tmp_path / "chart.png").write_bytes(encoded(picture))
    (tmp_path / "copy.jpg").write_bytes(encoded(picture.resize((400, 250)), "JPEG", quality=85))
    (tmp_path / "tiny.png").write_bytes(encoded(PILImage.new("RGB", (40, 30), "red")))
    (tmp_path / "index.html").write_text(
        '<img src="chart.png"><img src="copy.jpg"><img src="tiny.png"><img src="gone.jpg">'
    )
    with logged_site(tmp_path) as (base, _log):
        run = _run(_source(user, f"{base}/index.html", min_width=50, min_height=50))
    _adds_up(run)
    assert (run.images_found, run.images_imported, run.images_skipped) == (4, 1, 2)
    assert run.failed_reasons == {"http error": 1}
    client.force_login(user)
    page = client.get(reverse("scraping:run_detail", args=[run.pk])).content.decode()
    assert f"{base}/tiny.png" in page
    assert "too small" in page
    assert "40x30 &lt; 50x50" in page
    assert f"{base}/gone.jpg" in page
    assert "HTTP 404" in page
    near = run.items.get(outcome="near")
    assert reverse("scraping:item_import", args=[near.pk]) in page
    assert "Import anyway" in page
    listing = client.get(reverse("scraping:source_detail", args=[run.source_id])).content.decode()
    assert reverse("scraping:run_detail", args=[run.pk]) in listing
    assert "Finished" in listing
    # the button queues the import (the task itself is item_import, tested above)
    response = client.post(reverse("scraping:item_import", args=[near.pk]))
    assert response.status_code == 302
    near.refresh_from_db()
    assert near.import_state == "queued"
    # another user sees none of it
    client.force_login(UserFactory())
    assert client.get(reverse("scraping:run_detail", args=[run.pk])).status_code == 404
    assert client.post(reverse("scraping:item_import", args=[near.pk])).status_code == 404
    assert client.post(reverse("scraping:run_cancel", args=[run.pk])).status_code == 404


def _pages_site(root: Path, pages: int, images_per_page: int) -> None:
    """index links to page1..pageN-1; every page shows its own charts."""
    for number in range(pages):
        name = "index" if number == 0 else f"page{number}"
        images = ""
        for index in range(images_per_page):
            bars = [30 + 40 * ((number * 7 + index * 3 + k) % 9) for k in range(5)]
            (root / f"{name}-{index}.png").write_bytes(encoded(chart(bars)))
            images += f'<img src="{name}-{index}.png">'
        links = (
            "".join(f'<a href="page{n}.html">{n}</a>' for n in range(1, pages))
            if not number
            else ""
        )
        (root / f"{name}.html").write_text(images + links)


def test_a_run_stopped_by_the_image_limit_says_so_and_counts_add_up(
    user, local_site, tmp_path
) -> None:
    local_site.SCRAPE_MAX_IMAGES = 2
    _pages_site(tmp_path, pages=3, images_per_page=3)
    with logged_site(tmp_path) as (base, _log):
        run = _run(_source(user, f"{base}/index.html", scope="site", max_pages=3))
    assert run.status == ScrapeRun.Status.SUCCEEDED
    assert run.stop_reason == ScrapeRun.StopReason.IMAGE_LIMIT
    assert run.outcome_display == "Stopped: image limit reached"
    assert run.images_imported == 2
    assert run.images_found > 2
    _adds_up(run)
    reasons = set(run.items.values_list("reason", flat=True))
    assert reasons <= {"not fetched", "run stopped"}
    assert reasons


def test_a_run_stopped_by_the_page_limit_says_so(user, local_site, tmp_path) -> None:
    _pages_site(tmp_path, pages=4, images_per_page=1)
    with logged_site(tmp_path) as (base, _log):
        run = _run(_source(user, f"{base}/index.html", scope="site", max_pages=2))
    assert run.stop_reason == ScrapeRun.StopReason.PAGE_LIMIT
    assert run.pages_visited == 2
    assert run.images_imported == 2
    _adds_up(run)


def test_a_run_stopped_by_the_run_timeout_says_so_and_lists_what_it_left(
    user, local_site, tmp_path
) -> None:
    local_site.SCRAPE_RUN_TIMEOUT_S = 6
    slow = encoded(chart([5, 10, 15]))
    (tmp_path / "quick.png").write_bytes(encoded(chart(BARS)))
    (tmp_path / "index.html").write_text('<img src="quick.png"><img src="slow.png">')
    with logged_site(tmp_path, {"/slow.png": slow_image(slow, 30)}) as (base, _log):
        run = _run(_source(user, f"{base}/index.html"))
    assert run.stop_reason == ScrapeRun.StopReason.TIMEOUT
    assert run.outcome_display == "Stopped: run timeout"
    assert run.images_imported == 1
    _adds_up(run)
    [left] = run.items.all()
    assert left.url == f"{base}/slow.png"
    assert "run timeout" in left.detail


def test_a_run_cancelled_while_it_runs_ends_cancelled(user, local_site, tmp_path) -> None:
    (tmp_path / "index.html").write_text('<img src="slow.png">')
    slow = slow_image(encoded(chart([5, 10, 15])), 20)
    with logged_site(tmp_path, {"/slow.png": slow}) as (base, log):
        run = run_enqueue(source=_source(user, f"{base}/index.html"))

        def cancel_when_fetching() -> None:
            deadline = time.monotonic() + 15
            while not log.count("/slow.png") and time.monotonic() < deadline:
                time.sleep(0.1)
            run_cancel(run=ScrapeRun.objects.get(pk=run.pk))

        canceller = threading.Thread(target=cancel_when_fetching)
        canceller.start()
        started = time.monotonic()
        ended = run_execute(run=run)
        canceller.join()
    assert time.monotonic() - started < 15
    assert ended.status == ScrapeRun.Status.CANCELLED
    assert ended.stop_reason == ScrapeRun.StopReason.CANCELLED
    _adds_up(ended)


def test_a_queued_run_cancelled_ends_at_once(user, local_site) -> None:
    run = run_enqueue(source=_source(user, "http://127.0.0.1:9/"))
    assert run_cancel(run=run).stop_reason == ScrapeRun.StopReason.CANCELLED
    assert run_execute(run=ScrapeRun.objects.get(pk=run.pk)).status == ScrapeRun.Status.CANCELLED


def test_a_run_that_reaches_nothing_ends_failed(user, local_site) -> None:
    run = _run(_source(user, "http://127.0.0.1:9/"))
    assert run.status == ScrapeRun.Status.FAILED
    assert run.stop_reason == ScrapeRun.StopReason.FAILED
    assert run.outcome_display == "Failed"


def test_a_re_run_asks_with_the_stored_etag_and_counts_304_unchanged(
    user, local_site, tmp_path
) -> None:
    data = encoded(chart(BARS))
    (tmp_path / "index.html").write_text('<img src="tagged.png">')
    with logged_site(tmp_path, {"/tagged.png": with_etag(data)}) as (base, log):
        source = _source(user, f"{base}/index.html")
        first = _run(source)
        [validator] = ScrapeValidator.objects.filter(source=source)
        second = _run(source)
        # deleted from the gallery since: fetched whole again, not asked conditionally
        Image.objects.filter(owner=user).delete()
        third = _run(source)
    assert first.images_imported == 1
    assert validator.url == f"{base}/tagged.png"
    assert validator.etag.startswith('"')
    sent = [headers.get("If-None-Match") for headers in log.headers("/tagged.png")]
    assert sent == [None, validator.etag, None]
    assert (second.images_unchanged, second.images_skipped, second.images_imported) == (1, 1, 0)
    assert second.skipped_reasons == {"unchanged": 1}
    _adds_up(second)
    assert third.images_imported == 1


def test_a_single_label_allowed_host_can_be_added_and_imported(
    client, user, local_site, tmp_path
) -> None:
    local_site.SCRAPE_ALLOWED_HOSTS = ["nas"]
    client.force_login(user)
    form = {
        "url": "http://nas/photos/",
        "scope": "page",
        "max_depth": 1,
        "max_pages": 5,
        "min_width": 10,
        "min_height": 10,
        "schedule": "",
    }
    response = client.post(reverse("scraping:sources"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ScrapeSource.objects.get(owner=user).url == "http://nas/photos/"
    # a single-label name not allowed is still refused by the SSRF guard, not by the form
    local_site.SCRAPE_ALLOWED_HOSTS = []
    response = client.post(reverse("scraping:sources"), {**form, "url": "http://nas2/"})
    assert "can&#x27;t be imported" in response.content.decode()
    # end to end with this machine's own single-label name
    host = socket.gethostname()
    try:
        resolved = socket.gethostbyname(host)
    except OSError:
        resolved = ""
    if "." in host or resolved != "127.0.0.1":
        pytest.skip(f"the host name {host!r} is not a single label resolving to 127.0.0.1")
    local_site.SCRAPE_ALLOWED_HOSTS = [host]
    (tmp_path / "index.html").write_text('<img src="nas.png" alt="From the NAS">')
    (tmp_path / "nas.png").write_bytes(encoded(chart(BARS)))
    with logged_site(tmp_path) as (base, _log):
        url = base.replace("127.0.0.1", host) + "/index.html"
        source = source_create(
            owner=user,
            url=url,
            scope="page",
            max_depth=1,
            max_pages=1,
            min_width=1,
            min_height=1,
            schedule="",
        )
        run = _run(source)
    assert run.images_imported == 1, run.error
    assert Image.objects.get(owner=user).title == "From the NAS"


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("  A   sunset ", "http://x/a.jpg", "A sunset"),
        ("", "http://x/photos/IMG_2041-1024x768.jpg", "IMG 2041"),
        ("", "http://x/beach%20house_thumb@2x.webp", "beach house"),
        ("", "http://x/0f1e2d3c4b5a69788796a5b4c3d2e1f0.png", ""),
        ("", "http://x/12345.jpg", ""),
    ],
)
def test_imported_images_are_titled_from_the_page_or_a_cleaned_file_name(
    title: str, url: str, expected: str
) -> None:
    assert image_title(title=title, url=url) == expected
