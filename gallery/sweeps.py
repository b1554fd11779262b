"""Periodic sweeps: nothing in the gallery stays unprocessed, nothing on disk stays orphaned.

Orphans are found against the file fields of every installed model (and the names a model
lists in `media_names()`), so this module needs no import of the apps that store media.

Each sweep may run twice at once (two beats, a beat and a command): every image is claimed with
a conditional update of its document, so only one of them queues it.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bson import ObjectId
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import FileField, Q
from django.utils import timezone

from gallery.chunked import partial_discard
from gallery.ingest import INGEST_VERSION, MAX_INGEST_ATTEMPTS
from gallery.models import Image, PartialUpload
from gallery.services import image_ingest_enqueue
from imagesite.mongo import collection_for

# A file this young may belong to an upload whose document is being written right now.
GRACE = timedelta(minutes=10)
# A pending image whose task has not finished by then is assumed lost (worker gone, broker
# restarted) and is queued again; the same delay keeps the sweep from queueing it twice.
STALE_AFTER = timedelta(minutes=15)


@dataclass
class SweepReport:
    queued: list[str] = field(default_factory=list)
    given_up: int = 0

    def __str__(self) -> str:
        return f"queued {len(self.queued)}, given up on {self.given_up}"


def _needs_ingest(now: datetime) -> list[Q]:
    """Failed (with backoff) and lost images: a flat filter for each, read by the status index
    (SecantusDB plans no `$or` by an index); few at any time."""
    lost = Q(
        status__in=[Image.Status.PENDING, Image.Status.PROCESSING],
        uploaded_at__lte=now - STALE_AFTER,
    )
    return [
        Q(
            status=Image.Status.FAILED,
            ingest_attempts__lt=MAX_INGEST_ATTEMPTS,
            retry_after__lte=now,
        ),
        lost & Q(retry_after=None),
        lost & Q(retry_after__lte=now),
    ]


def _outdated(limit: int) -> list[ObjectId]:
    """Ready images of an older ingest: after a new INGEST_VERSION, all of them, so read in the
    (status, ingest_version) index's order, `limit` at a time. Not through the ORM: its
    `ingest_version__lt` adds a not-null check beside the range, and SecantusDB walks no index
    for that."""
    outdated = {"status": Image.Status.READY, "ingest_version": {"$lt": INGEST_VERSION}}
    return [found["_id"] for found in collection_for(Image).find(outdated, {"_id": 1}).limit(limit)]


def ingest_sweep(*, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """Queue the ingest again for failed (with backoff) and lost images, the oldest uploads
    first, then for outdated ones."""
    now = now or timezone.now()
    report = SweepReport()
    found = {
        image.pk: image
        for needs in _needs_ingest(now)
        for image in Image.objects.filter(needs).order_by("uploaded_at")[:limit]
    }
    stuck = sorted(found.values(), key=lambda image: image.uploaded_at)[:limit]
    room = limit - len(stuck)  # a limit of 0 would be none
    outdated = list(Image.objects.in_bulk(_outdated(room)).values()) if room else []
    for image in [*stuck, *outdated]:
        claimed = Image.objects.filter(
            pk=image.pk,
            status=image.status,
            ingest_attempts=image.ingest_attempts,
            retry_after=image.retry_after,
        ).update(status=Image.Status.PENDING, retry_after=now + STALE_AFTER)
        if claimed:
            image_ingest_enqueue(image=image)
            report.queued.append(str(image.pk))
    report.given_up = Image.objects.filter(
        status=Image.Status.FAILED, ingest_attempts__gte=MAX_INGEST_ATTEMPTS
    ).count()
    return report


# An upload's temporary file is written as the body arrives and removed when the request ends
# (a request lasts seconds: gunicorn kills one at 30 s); an older one was left by a killed
# web process. The sweep of temporary files runs every 10 minutes (SCHEDULE_TEMP_SWEEP_S).
TEMPORARY_GRACE = timedelta(minutes=15)


def temporary_files_sweep(*, older_than: timedelta = TEMPORARY_GRACE) -> int:
    """Remove upload temporary files left by killed web processes."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = (timezone.now() - older_than).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def partial_uploads_sweep(*, now: datetime | None = None) -> int:
    """Remove chunked uploads left unfinished for UPLOAD_PARTIAL_MAX_AGE_S (a closed tab, a
    connection that never came back): their documents, their parts, and parts with no document."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.UPLOAD_PARTIAL_MAX_AGE_S)
    removed = 0
    for upload in PartialUpload.objects.filter(updated_at__lt=cutoff):
        partial_discard(upload=upload)
        removed += 1
    folder = Path(settings.UPLOAD_PARTIAL_DIR)
    if folder.is_dir():
        known = {f"{pk}.part" for pk in PartialUpload.objects.values_list("pk", flat=True)}
        for path in folder.iterdir():
            if path.name not in known and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def orphans_sweep() -> tuple[int, int]:
    """Orphaned media files removed, and stale temporary files (an upload's, or the parts of a
    chunked upload left unfinished)."""
    orphans = orphan_files_find()
    orphan_files_delete(names=orphans)
    return len(orphans), temporary_files_sweep() + partial_uploads_sweep()


def referenced_files() -> set[str]:
    """Every media name a document refers to, whichever app's model holds it."""
    names: set[str] = set()
    for model in apps.get_models():
        fields = [field.name for field in model._meta.fields if isinstance(field, FileField)]
        if fields:
            for row in model._default_manager.values_list(*fields):
                names.update(row)
        if media_names := getattr(model, "media_names", None):
            names.update(media_names())
    names.discard("")
    return names


def stored_files(folder: str = "") -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing stored yet
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from stored_files(f"{folder}/{sub}" if folder else sub)


def orphan_files_find(*, grace: timedelta = GRACE) -> list[str]:
    referenced = referenced_files()
    cutoff = timezone.now() - grace
    return sorted(
        name
        for name in stored_files()
        if name not in referenced and default_storage.get_modified_time(name) < cutoff
    )


def orphan_files_delete(*, names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
