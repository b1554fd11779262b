"""Scanning a server folder: what is imported, what is skipped and why, what a rescan notices,
and a scan that dies mid-way resuming without importing anything twice."""

import hashlib
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import library.services as library_services
from gallery.models import Image
from gallery.services import image_create
from jobs.models import Job
from jobs.selectors import jobs_queued_count
from library.models import LibraryFile, LibraryFolder, LibraryScan
from library.services import folder_attach, scan_pause, scan_resume, scan_run, scan_start
from tests.library.conftest import PHOTOS

pytestmark = pytest.mark.django_db


def _scan(folder) -> LibraryScan:  # noqa: ANN001
    scan = scan_start(folder=folder)
    scan_run(scan_id=str(scan.pk), generation=scan.generation)
    scan.refresh_from_db()
    return scan


def test_a_folder_outside_the_roots_or_a_link_out_of_them_cannot_be_attached(
    user, staff, root, tmp_path
) -> None:
    with pytest.raises(ValidationError, match="not under a library root"):
        folder_attach(owner=user, path=str(tmp_path), attached_by=staff, scan=False)
    (root / "away").symlink_to(tmp_path)
    with pytest.raises(ValidationError, match="not under a library root"):
        folder_attach(owner=user, path=str(root / "away"), attached_by=staff, scan=False)
    with pytest.raises(ValidationError, match="staff"):
        folder_attach(owner=user, path=str(root), attached_by=user, scan=False)


def test_a_scan_imports_the_photos_of_nested_folders_and_says_why_it_skipped_the_rest(
    user, staff, photo_folder, corpus
) -> None:
    uploaded, _ = image_create(
        owner=user, file=(corpus / PHOTOS[0]).open("rb"), name="uploaded-before.jpg"
    )
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    scan = _scan(folder)
    assert scan.status == LibraryScan.Status.SUCCEEDED, scan.error
    assert scan.files_seen == 8
    # a.jpg was uploaded before: a duplicate, as is the link to it inside the folder
    assert scan.imported == 2
    reasons = dict(scan.skipped_reasons)
    assert reasons.pop(LibraryFile.objects.get(relpath="2020/bomb.jpg").reason) == 1
    assert reasons == {
        "duplicate": 2,
        "not_image": 1,
        "symlink_outside": 1,
        "symlink_folder": 1,
    }, scan.skipped_reasons
    assert scan.skipped == 6
    assert scan.failed == 0
    images = Image.objects.filter(owner=user)
    assert images.count() == 3  # the upload and the two new ones, never the secret
    secret = (photo_folder.parent.parent / "outside" / "secret.jpg").read_bytes()
    assert not images.filter(sha256=hashlib.sha256(secret).hexdigest()).exists()
    assert set(images.exclude(pk=uploaded.pk).values_list("source", flat=True)) == {"library"}
    by_path = {record.relpath: record for record in LibraryFile.objects.filter(folder=folder)}
    assert by_path["a.jpg"].image_id == uploaded.pk
    assert not by_path["a.jpg"].owns_image
    assert by_path["2020/bomb.jpg"].reason in ("corrupt", "decode_limit")


def test_the_original_is_copied_into_the_media_storage_and_the_folder_left_untouched(
    user, staff, photo_folder, settings
) -> None:
    before = {path: path.stat().st_mtime_ns for path in photo_folder.rglob("*") if path.is_file()}
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    _scan(folder)
    image = LibraryFile.objects.get(folder=folder, relpath="2019/b.jpg").image
    stored = Path(settings.MEDIA_ROOT) / image.original.name
    assert stored.read_bytes() == (photo_folder / "2019" / "b.jpg").read_bytes()
    assert not stored.samefile(photo_folder / "2019" / "b.jpg")
    after = {path: path.stat().st_mtime_ns for path in photo_folder.rglob("*") if path.is_file()}
    assert after == before
    # the folder's file can go: the gallery keeps serving its copy
    (photo_folder / "2019" / "b.jpg").unlink()
    assert stored.exists()


def test_a_rescan_notices_changed_removed_and_added_files_and_nothing_else(
    user, staff, photo_folder, corpus
) -> None:
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    first = _scan(folder)
    assert first.imported == 3
    again = _scan(folder)
    assert (again.imported, again.changed, again.removed) == (0, 0, 0)
    assert again.unchanged == 8
    old = LibraryFile.objects.get(folder=folder, relpath="2019/b.jpg").image
    shutil.copy(corpus / "exif/gps/DSCN0027.jpg", photo_folder / "2019" / "b.jpg")
    (photo_folder / "2019" / "summer" / "c.jpg").unlink()
    shutil.copy(corpus / "exif/gps/DSCN0029.jpg", photo_folder / "new.jpg")
    os.utime(photo_folder / "a.jpg")  # touched: the same content
    third = _scan(folder)
    assert (third.imported, third.changed, third.removed) == (1, 1, 1)
    assert third.unchanged == 6  # five untouched and the touched one
    old.refresh_from_db()
    assert old.in_trash  # its file holds other content now
    gone = LibraryFile.objects.get(folder=folder, relpath="2019/summer/c.jpg")
    assert gone.missing_since is not None
    assert not Image.objects.get(pk=gone.image_id).in_trash  # still within the grace period


def test_copies_in_one_batch_are_imported_once_and_files_that_swap_content_keep_their_images(
    user, staff, root, corpus
) -> None:
    first, second = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:2]
    folder_path = root / "copies"
    folder_path.mkdir()
    shutil.copy(first, folder_path / "a.jpg")
    shutil.copy(first, folder_path / "a copy.jpg")
    shutil.copy(second, folder_path / "b.jpg")
    folder = folder_attach(owner=user, path=str(folder_path), attached_by=staff, scan=False)
    scan = _scan(folder)
    assert (scan.imported, scan.skipped_reasons) == (2, {"duplicate": 1})
    assert LibraryFile.objects.filter(folder=folder, owns_image=True).count() == 2
    (folder_path / "a copy.jpg").unlink()
    (folder_path / "a.jpg").write_bytes(second.read_bytes())
    (folder_path / "b.jpg").write_bytes(first.read_bytes())
    scan = _scan(folder)
    assert scan.files_seen == 2
    # each image is still some file's content: neither leaves the gallery
    assert Image.objects.filter(owner=user, trashed_at=None).count() == 2


def test_a_file_missing_past_the_grace_period_leaves_the_gallery_and_returns_with_its_file(
    user, staff, photo_folder, settings
) -> None:
    settings.LIBRARY_MISSING_GRACE_S = 60
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    _scan(folder)
    kept = photo_folder.parent / "kept.jpg"
    shutil.move(photo_folder / "2019" / "b.jpg", kept)
    _scan(folder)
    record = LibraryFile.objects.get(folder=folder, relpath="2019/b.jpg")
    LibraryFile.objects.filter(pk=record.pk).update(
        missing_since=timezone.now() - timedelta(minutes=5)
    )
    assert _scan(folder).trashed == 1
    assert Image.objects.get(pk=record.image_id).in_trash
    shutil.move(kept, photo_folder / "2019" / "b.jpg")
    back = _scan(folder)
    assert back.restored == 1
    assert back.imported == 0
    assert not Image.objects.get(pk=record.image_id).in_trash


@pytest.mark.parametrize(
    ("dies_in", "images_left"),
    [
        ("image_stage", 5),  # the second batch's third original written, nothing recorded
        ("images_commit", 10),  # the second batch's images and jobs written, no file's record
        ("_records_save", 10),  # and its records too, but not its checkpoint
    ],
)
def test_a_scan_that_dies_mid_batch_resumes_where_it_stopped_and_counts_nothing_twice(
    user, staff, root, corpus, settings, monkeypatch, dies_in, images_left
) -> None:
    """The worker's death is an exception out of the middle of a batch (BaseException, as a
    SIGKILL leaves no handler either); the next slice (the job sent again) goes on."""
    folder_path = root / "many"
    folder_path.mkdir()
    sources = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:12]
    for index, path in enumerate(sources):
        (folder_path / f"d{index % 3}").mkdir(exist_ok=True)
        shutil.copy(path, folder_path / f"d{index % 3}" / f"{index:02}.jpg")
    settings.LIBRARY_SCAN_BATCH = 5
    real = getattr(library_services, dies_in)
    calls = {"n": 0}

    class WorkerKilled(BaseException):
        pass

    def dying(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        made = real(*args, **kwargs)
        if calls["n"] == (8 if dies_in == "image_stage" else 2):  # in the second batch
            raise WorkerKilled
        return made

    monkeypatch.setattr(library_services, dies_in, dying)
    folder = folder_attach(owner=user, path=str(folder_path), attached_by=staff, scan=False)
    scan = scan_start(folder=folder)
    with pytest.raises(WorkerKilled):
        scan_run(scan_id=str(scan.pk), generation=scan.generation)
    scan.refresh_from_db()
    assert scan.files_seen == 5
    assert scan.imported == 5
    assert Image.objects.filter(owner=user).count() == images_left
    monkeypatch.setattr(library_services, dies_in, real)
    scan_run(scan_id=str(scan.pk), generation=scan.generation)  # the job, sent again
    scan.refresh_from_db()
    assert scan.status == LibraryScan.Status.SUCCEEDED
    assert (scan.files_seen, scan.imported, scan.skipped) == (12, 12, 0)
    assert Image.objects.filter(owner=user).count() == 12
    assert LibraryFile.objects.filter(folder=folder, owns_image=True).count() == 12
    assert Job.objects.filter(kind=Job.Kind.INGEST).count() == 12


def test_a_scan_a_batch_of_ingests_ahead_ingests_the_oldest_itself_before_going_on(
    user, staff, root, corpus, settings, monkeypatch
) -> None:
    """No worker takes the ingests here: before its second batch the scan ingests one image of
    the first (its job claimed and finished, so the message will find it done), then goes on."""
    folder_path = root / "paced"
    folder_path.mkdir()
    for index, path in enumerate(sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:10]):
        shutil.copy(path, folder_path / f"{index:02}.jpg")
    settings.LIBRARY_SCAN_BATCH = 5
    monkeypatch.setattr(library_services, "INGEST_WAIT_S", 60.0)
    folder = folder_attach(owner=user, path=str(folder_path), attached_by=staff, scan=False)
    scan = _scan(folder)
    assert (scan.status, scan.imported) == (LibraryScan.Status.SUCCEEDED, 10)
    assert jobs_queued_count(kind=Job.Kind.INGEST) == 9
    ingested = Job.objects.get(kind=Job.Kind.INGEST, status=Job.Status.SUCCEEDED)
    assert Image.objects.get(status=Image.Status.READY).pk == ingested.image_id


def test_a_paused_scan_stops_after_its_batch_and_goes_on_when_resumed(
    user, staff, photo_folder, settings, monkeypatch
) -> None:
    settings.LIBRARY_SCAN_BATCH = 2
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    scan = scan_start(folder=folder)
    real = library_services._checkpoint

    def pause_after_first(scan_, **kwargs):  # noqa: ANN001, ANN003, ANN202
        stored = real(scan_, **kwargs)
        scan_pause(scan=scan_)
        return stored

    monkeypatch.setattr(library_services, "_checkpoint", pause_after_first)
    scan_run(scan_id=str(scan.pk), generation=scan.generation)
    scan.refresh_from_db()
    assert scan.status == LibraryScan.Status.PAUSED
    assert scan.files_seen == 2
    monkeypatch.setattr(library_services, "_checkpoint", real)
    assert scan_resume(scan=scan)
    scan_run(scan_id=str(scan.pk), generation=scan.generation)
    scan.refresh_from_db()
    assert scan.status == LibraryScan.Status.SUCCEEDED
    assert scan.files_seen == 8


def test_the_beat_and_the_command_start_a_scan_of_each_scheduled_folder_once(
    user, staff, photo_folder, root, settings
) -> None:
    from django.core.management import call_command

    assert settings.CELERY_BEAT_SCHEDULE["library-scans"]["task"] == (
        "library.tasks.library_scans_due_task"
    )
    scheduled = folder_attach(owner=user, path=str(photo_folder), attached_by=staff, scan=False)
    (root / "manual").mkdir()
    manual = folder_attach(owner=user, path=str(root / "manual"), attached_by=staff, scan=False)
    LibraryFolder.objects.filter(pk=manual.pk).update(scheduled=False)
    call_command("library_scan")
    call_command("library_scan")  # the open scan is not doubled
    assert LibraryScan.objects.filter(folder=scheduled).count() == 1
    assert not LibraryScan.objects.filter(folder=manual).exists()
    call_command("library_scan", str(manual.pk))
    assert LibraryScan.objects.filter(folder=manual).count() == 1
