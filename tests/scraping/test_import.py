"""Web import through the Django side: sources, runs, images in the gallery, schedules."""

import pytest
from django.urls import reverse
from django.utils import timezone

from gallery.models import Image
from scraping.models import ScrapeRun, ScrapeSource
from scraping.services import run_enqueue, run_execute, sources_due_enqueue
from tests.factories import UserFactory
from tests.scraping.test_crawl import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def local_site(settings):  # noqa: ANN001, ANN201
    settings.SCRAPE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SCRAPE_DELAY_S = 0.0


def _source(user, url: str, **fields: object) -> ScrapeSource:  # noqa: ANN001
    values = {"scope": "page", "min_width": 1, "min_height": 1, **fields}
    return ScrapeSource.objects.create(owner=user, url=url, **values)


def test_site_a_is_imported_once_and_a_second_run_adds_nothing(user, corpus, local_site) -> None:
    with serve(corpus / "site-a") as base:
        source = _source(user, f"{base}/index.html")
        first = run_execute(run=run_enqueue(source=source))
        second = run_execute(run=run_enqueue(source=source))
    assert first.status == ScrapeRun.Status.SUCCEEDED, first.error
    assert first.stop_reason == ScrapeRun.StopReason.FINISHED
    assert first.pages_visited == 1
    # 98 distinct files are referenced (EXPECTED.md); most thumbnails are the same picture as
    # their full-size file, so those arrive as near-duplicates, listed and not imported.
    assert first.images_found == 98
    assert first.images_found == first.images_imported + first.images_skipped + first.images_failed
    near = first.skipped_reasons.get("near duplicate", 0)
    assert first.images_imported + near + first.skipped_reasons.get("duplicate", 0) == 98
    assert near >= 40
    assert first.images_imported == Image.objects.filter(owner=user).count() >= 49
    assert first.items.filter(outcome="near").count() == near
    image = Image.objects.filter(owner=user).first()
    assert image.source == Image.Source.SCRAPE
    assert image.source_url.startswith(base)
    assert image.source_page == f"{base}/index.html"
    assert image.scrape_run_id == first.pk
    assert second.images_imported == 0
    assert second.images_found == 98
    # http.server sends Last-Modified and answers If-Modified-Since: what is in the gallery
    # comes back 304, counted unchanged; near-duplicates (not in the gallery) are fetched again
    assert second.images_unchanged == first.images_imported
    assert second.images_found == second.images_skipped + second.images_failed
    assert Image.objects.filter(owner=user).count() == first.images_imported


def test_a_private_address_is_refused_when_the_source_is_added(client, user) -> None:
    client.force_login(user)
    for url in (
        "http://127.0.0.1/",
        "http://10.0.0.1/photos",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://localhost/",
    ):
        response = client.post(
            reverse("scraping:sources"),
            {
                "url": url,
                "scope": "page",
                "max_depth": 1,
                "max_pages": 5,
                "min_width": 10,
                "min_height": 10,
                "schedule": "",
            },
        )
        assert response.status_code == 200
        assert "can&#x27;t be imported" in response.content.decode(), url
    assert not ScrapeSource.objects.exists()


def test_a_scheduled_source_that_keeps_failing_is_paused(user, local_site) -> None:
    source = _source(user, "http://127.0.0.1:9/", schedule="daily")  # nothing listens there
    for _ in range(3):
        run = run_execute(run=run_enqueue(source=source))
        assert run.status == ScrapeRun.Status.FAILED
        assert run.error
        source.refresh_from_db()
    assert source.paused
    assert "Paused after 3" in source.paused_reason


def test_due_sources_are_claimed_once(user) -> None:
    _source(
        user,
        "https://example.org/",
        schedule="hourly",
        next_run_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    _source(
        user,
        "https://example.org/later",
        schedule="hourly",
        next_run_at=timezone.now() + timezone.timedelta(minutes=5),
    )
    assert len(sources_due_enqueue()) == 1
    assert sources_due_enqueue() == []
    assert ScrapeRun.objects.count() == 1


def test_another_users_source_and_runs_are_404(client, user) -> None:
    source = _source(user, "https://example.org/")
    run = ScrapeRun.objects.create(source=source, owner=user)
    client.force_login(UserFactory())
    assert client.get(reverse("scraping:source_detail", args=[source.pk])).status_code == 404
    assert client.get(reverse("scraping:run_progress", args=[run.pk])).status_code == 404
    assert client.post(reverse("scraping:source_run", args=[source.pk])).status_code == 404
    assert client.post(reverse("scraping:source_delete", args=[source.pk])).status_code == 404
    assert ScrapeSource.objects.filter(pk=source.pk).exists()
