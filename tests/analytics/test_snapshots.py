"""Analytics over documents made through the real upload path, checked against hand counts."""

import statistics
from pathlib import Path

import pytest
from django.urls import reverse

from analytics.models import AnalyticsSnapshot
from analytics.services import snapshot_compute
from gallery.models import Image
from gallery.tasks import image_ingest_task
from jobs.models import Job
from tests.factories import UserFactory
from tests.waiting import reloaded, wait_until

pytestmark = pytest.mark.django_db
FILES = ["exif/gps/DSCN0010.jpg", "exif/gps/DSCN0012.jpg", "formats/png/with-alpha.png"]


def _upload(client, user, corpus: Path, names: list[str]) -> list[Image]:  # noqa: ANN001
    client.force_login(user)
    for name in names:
        with (corpus / name).open("rb") as file:
            client.post(
                reverse("gallery:upload"), {"files": [file]}, headers={"HX-Request": "true"}
            )
    for job in Job.objects.filter(owner=user, kind=Job.Kind.INGEST):
        image_ingest_task(str(job.image_id), str(job.pk))
    return list(Image.objects.filter(owner=user))


def _table(snapshot: AnalyticsSnapshot, name: str) -> list[dict[str, object]]:
    table = snapshot.figures["tables"][name]
    return [dict(zip(table["columns"], row, strict=True)) for row in table["rows"]]


def test_figures_match_hand_counts(client, corpus) -> None:
    user, other = UserFactory(), UserFactory()
    images = _upload(client, user, corpus, FILES)
    _upload(client, other, corpus, ["exif/gps/DSCN0021.jpg"])  # must not count
    sizes = sorted((corpus / name).stat().st_size for name in FILES)

    snapshot = snapshot_compute(owner=user)
    summary = snapshot.figures["summary"]
    assert summary["images"] == 3
    assert summary["bytes"] == sum(sizes)
    assert summary["median_size_bytes"] == statistics.median(sizes)
    assert summary["images_ready"] == 3
    assert summary["images_failed"] == 0
    formats = {row["format"]: row for row in _table(snapshot, "formats")}
    assert formats["JPEG"]["images"] == 2
    assert formats["PNG"]["images"] == 1
    hours = {row["hour"]: row["images"] for row in _table(snapshot, "taken_hours")}
    taken = [image.taken_at.hour for image in images if image.taken_at]
    assert sum(hours.values()) == len(taken) == 2
    assert all(hours[hour] >= 1 for hour in taken)
    ingest = [row for row in _table(snapshot, "processing_times") if row["kind"] == "ingest"]
    assert ingest
    assert ingest[0]["jobs"] == 3

    everyone = snapshot_compute(owner=None)
    assert everyone.figures["summary"]["images"] == 4


def test_the_page_shows_charts_and_tables_with_csv(client, corpus) -> None:
    user = UserFactory()
    _upload(client, user, corpus, FILES)
    snapshot = snapshot_compute(owner=user)
    body = client.get(reverse("analytics:dashboard")).content.decode()
    assert "Uploads per day" in body or "uploads" in body.lower()
    chart_url = reverse("analytics:chart", args=[snapshot.pk, "formats"])
    assert chart_url in body
    chart = client.get(chart_url)
    assert chart.status_code == 200
    assert chart["Content-Type"] == "image/svg+xml"
    svg = b"".join(chart.streaming_content).decode()
    assert "<svg" in svg
    assert "JPEG" in svg
    csv = client.get(reverse("analytics:table_csv", args=[snapshot.pk, "formats"]))
    assert csv.status_code == 200
    assert csv.content.decode().splitlines()[0].startswith("format")

    client.force_login(UserFactory())
    assert client.get(chart_url).status_code == 404
    assert (
        client.get(reverse("analytics:table_csv", args=[snapshot.pk, "formats"])).status_code == 404
    )


def test_an_empty_library_gets_a_helpful_empty_state(client) -> None:
    user = UserFactory()
    snapshot = snapshot_compute(owner=user)
    assert snapshot.charts == {}
    client.force_login(user)
    body = client.get(reverse("analytics:dashboard")).content.decode()
    assert "Nothing to analyse yet" in body
    assert "<img" not in body.split("<main", 1)[1]


@pytest.mark.slow
def test_recompute_now_runs_on_a_worker(celery_worker_process, client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("analytics:recompute"), headers={"HX-Request": "true"})
    assert "Computing" in response.content.decode()
    job = Job.objects.get(kind=Job.Kind.SNAPSHOT, owner=user)
    wait_until(lambda: not reloaded(job).is_active, timeout=90)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert AnalyticsSnapshot.objects.filter(owner=user).exists()
    progress = client.get(reverse("analytics:job_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true"
