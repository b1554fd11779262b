"""Periodic sweeps: nothing in the gallery stays unprocessed, nothing on disk stays orphaned.

Each sweep may run twice at once (two beats, a beat and a command): every image is claimed with
a conditional update of its document, so only one of them queues it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gallery.maintenance import orphan_files_delete, orphan_files_find
from gallery.models import Image
from gallery.services import image_ingest_enqueue
from processing.ingest import INGEST_VERSION, MAX_INGEST_ATTEMPTS

# A pending image whose task has not finished by then is assumed lost (worker gone, broker
# restarted) and is queued again; the same delay keeps the sweep from queueing it twice.
STALE_AFTER = timedelta(minutes=15)


@dataclass
class SweepReport:
    queued: list[str] = field(default_factory=list)
    given_up: int = 0

    def __str__(self) -> str:
        return f"queued {len(self.queued)}, given up on {self.given_up}"


def _needs_ingest(now: datetime) -> Q:
    failed = Q(
        status=Image.Status.FAILED, ingest_attempts__lt=MAX_INGEST_ATTEMPTS, retry_after__lte=now
    )
    lost = Q(
        status__in=[Image.Status.PENDING, Image.Status.PROCESSING],
        uploaded_at__lte=now - STALE_AFTER,
    ) & (Q(retry_after=None) | Q(retry_after__lte=now))
    outdated = Q(status=Image.Status.READY, ingest_version__lt=INGEST_VERSION)
    return failed | lost | outdated


def ingest_sweep(*, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """Queue the ingest again for failed (with backoff), lost and outdated images."""
    now = now or timezone.now()
    report = SweepReport()
    for image in Image.objects.filter(_needs_ingest(now)).order_by("uploaded_at")[:limit]:
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


def temporary_files_sweep(*, older_than: timedelta = timedelta(days=1)) -> int:
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


def orphans_sweep() -> tuple[int, int]:
    """Orphaned media files and stale temporary files removed."""
    orphans = orphan_files_find()
    orphan_files_delete(names=orphans)
    return len(orphans), temporary_files_sweep()
