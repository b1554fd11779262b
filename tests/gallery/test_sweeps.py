"""The periodic sweeps: retry with backoff, give up, lost tasks, idempotent when concurrent."""

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from gallery.ingest import INGEST_VERSION, MAX_INGEST_ATTEMPTS
from gallery.models import Image
from gallery.services import image_create
from gallery.sweeps import STALE_AFTER, ingest_sweep, orphans_sweep
from imagesite.celery import app
from imagesite.mongo import collection_for
from jobs.models import Job
from tests.factories import UserFactory
from tests.gallery.test_indexes import scans
from tests.gallery.test_selectors import library_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(corpus) -> Image:  # noqa: ANN001
    path = corpus / "exif/gps/DSCN0029.jpg"
    with path.open("rb") as file:
        image, _ = image_create(owner=UserFactory(), file=file, name=path.name)
    return image


def _ingest_jobs(image: Image) -> int:
    return Job.objects.filter(image=image, kind=Job.Kind.INGEST).count()


def test_a_failed_image_is_queued_again_once_its_backoff_has_passed(image) -> None:
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.FAILED,
        ingest_attempts=1,
        retry_after=timezone.now() + timedelta(minutes=1),
    )
    assert ingest_sweep().queued == []  # still backing off
    later = timezone.now() + timedelta(minutes=2)
    assert ingest_sweep(now=later).queued == [str(image.pk)]
    image.refresh_from_db()
    assert image.status == Image.Status.PENDING
    assert _ingest_jobs(image) == 2
    assert ingest_sweep(now=later).queued == []  # claimed: not queued twice


def test_an_image_that_keeps_failing_is_given_up_and_reported(image) -> None:
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.FAILED,
        ingest_attempts=MAX_INGEST_ATTEMPTS,
        retry_after=timezone.now() - timedelta(days=1),
        error="decoder exploded",
    )
    report = ingest_sweep()
    assert report.queued == []
    assert report.given_up == 1
    image.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert image.error == "decoder exploded"


def test_lost_and_outdated_images_are_queued_fresh_ones_are_not(image) -> None:
    assert ingest_sweep().queued == []  # just uploaded: its task is on its way
    assert ingest_sweep(now=timezone.now() + STALE_AFTER * 2).queued == [str(image.pk)]
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.READY, retry_after=None, ingest_version=INGEST_VERSION - 1
    )
    assert ingest_sweep().queued == [str(image.pk)]


def test_outdated_images_are_read_by_their_index_a_limit_at_a_time(image) -> None:
    others = library_make(image.owner, 3, seed=6)  # ready
    Image.objects.filter(pk__in=[other.pk for other in others]).update(
        ingest_version=INGEST_VERSION - 1
    )
    outdated = {"status": Image.Status.READY, "ingest_version": {"$lt": INGEST_VERSION}}
    stages = scans(collection_for(Image).find(outdated).explain())
    assert [stage.get("indexName") for stage in stages] == ["gallery_ima_status_88a978_idx"]
    assert len(ingest_sweep(limit=2).queued) == 2
    assert len(ingest_sweep(limit=2).queued) == 1  # the third; the claimed two are pending


def test_two_sweeps_at_once_queue_a_failed_image_once(image) -> None:
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.FAILED,
        ingest_attempts=1,
        retry_after=timezone.now() - timedelta(minutes=1),
    )
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def sweep() -> None:
        barrier.wait()
        try:
            results.append(ingest_sweep().queued)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(queued) for queued in results) == [0, 1]
    assert _ingest_jobs(image) == 2  # the upload's job and one retry


def test_the_orphans_sweep_removes_orphans_and_old_temporary_files(image) -> None:
    orphan = Path(settings.MEDIA_ROOT) / str(image.owner_id) / "renditions" / "xx" / "old.webp"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    stale = Path(settings.FILE_UPLOAD_TEMP_DIR) / "upload-leftover.upload"
    stale.write_bytes(b"x")
    old = time.time() - 3 * 24 * 3600
    for path in (orphan, stale):
        os.utime(path, (old, old))
    assert orphans_sweep() == (1, 1)
    assert not orphan.exists()
    assert not stale.exists()
    assert (Path(settings.MEDIA_ROOT) / image.original.name).exists()


def test_beat_schedules_every_periodic_job() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
    assert {
        "gallery.tasks.ingest_sweep_task",
        "gallery.tasks.orphans_sweep_task",
        "gallery.tasks.trash_expire_task",
        "scraping.tasks.scrape_due_task",
    } <= tasks


def test_a_killed_uploads_temporary_file_goes_within_the_quarter_hour_not_the_day() -> None:
    """F7: a web process killed mid-upload left its 7-49 MB temporary file for a day."""
    from gallery.sweeps import temporary_files_sweep

    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    left, fresh = folder / "killed.upload", folder / "in-flight.upload"
    for path in (left, fresh):
        path.write_bytes(b"x")
    old = time.time() - 20 * 60
    os.utime(left, (old, old))
    assert temporary_files_sweep() == 1
    assert not left.exists()
    assert fresh.exists()
    fresh.unlink()
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["gallery.tasks.temporary_files_sweep_task"] <= 600
