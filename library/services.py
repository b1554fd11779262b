"""Server folders: attach (staff), scans (start, pause, resume, one slice of the walk on the
worker), and what a scan does to each file.

A scan walks the folder in batches, in the order of the paths, and checkpoints after each
batch: one conditional update of the scan's document moves the cursor and adds the batch's
counts, so a slice that dies (a killed worker: the job's lease runs out and the jobs sweep sends
it again) resumes after the last batch stored and counts nothing twice. A file of the unfinished
batch that was already recorded by this scan keeps the outcome it got; importing goes through
`gallery.services.image_create`, the upload's own path (validation by content, dedupe by
SHA-256), so a file is never imported twice.

The original is copied into the media storage (content-addressed, as an upload's is), never
read from the folder afterwards: the gallery, the editor and the media views stay one code
path, media can live on object storage, and a folder that is unmounted or reorganised does not
break the images already imported. The cost is the disk space of a second copy.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from gallery.imaging.inspect import sha256_of
from gallery.models import Image
from gallery.services import image_create, images_hide
from imagesite.mongo import collection_for
from jobs.services import job_enqueue
from library.models import REASONS, LibraryFile, LibraryFolder, LibraryScan
from library.paths import Entry, FolderRefused, NotAFile, count_files, file_open, folder_resolve
from library.paths import walk as folder_walk

logger = logging.getLogger(__name__)
SCAN_TASK = "library.tasks.library_scan_task"
SCAN_JOB_KIND = "library_scan"  # a kind of its own (jobs lists no choice for it)
BATCH = 100  # files per checkpoint
SLICE_S = 20.0  # a slice queues the next one after this long, so other work gets the worker
MAX_FAILURES_KEPT = 50


def library_roots() -> list[str]:
    return [root for root in settings.LIBRARY_ROOTS if root]


def folder_attach(*, owner: User, path: str, attached_by: User, scan: bool = True) -> LibraryFolder:
    """Attach a server folder to a user (staff only: the view and the API check). The path must
    resolve under LIBRARY_ROOTS; ValidationError otherwise."""
    if not attached_by.is_staff:
        raise ValidationError("Only staff attach server folders.", code="forbidden")
    try:
        real = folder_resolve(path=path.strip(), roots=library_roots())
    except FolderRefused as error:
        raise ValidationError(str(error), code="refused") from None
    folder, _ = LibraryFolder.objects.get_or_create(
        owner=owner, path=real, defaults={"attached_by": attached_by.email}
    )
    if scan:
        scan_start(folder=folder)
    return folder


def folder_detach(*, folder: LibraryFolder) -> None:
    """Forget the folder and its scans; the images it brought stay in the gallery."""
    LibraryScan.objects.filter(folder=folder).update(status=LibraryScan.Status.FAILED)
    LibraryFile.objects.filter(folder=folder).delete()
    folder.delete()


def scan_start(*, folder: LibraryFolder) -> LibraryScan:
    """Start a scan, or return the open one (a paused scan is resumed)."""
    if open_scan := (
        LibraryScan.objects.filter(
            folder=folder, status__in=[*_ACTIVE, LibraryScan.Status.PAUSED]
        ).first()
    ):
        if open_scan.status == LibraryScan.Status.PAUSED:
            scan_resume(scan=open_scan)
        return open_scan
    scan = LibraryScan.objects.create(folder=folder, owner_id=folder.owner_id)
    _slice_enqueue(scan)
    return scan


_ACTIVE = [LibraryScan.Status.QUEUED, LibraryScan.Status.RUNNING]


def scan_pause(*, scan: LibraryScan) -> bool:
    """The running slice stops after its batch; nothing is queued until it is resumed."""
    return bool(
        LibraryScan.objects.filter(pk=scan.pk, status__in=_ACTIVE).update(
            status=LibraryScan.Status.PAUSED
        )
    )


def scan_resume(*, scan: LibraryScan) -> bool:
    generation = scan.generation + 1
    resumed = LibraryScan.objects.filter(
        pk=scan.pk, status=LibraryScan.Status.PAUSED, generation=scan.generation
    ).update(status=LibraryScan.Status.QUEUED, generation=generation)
    if resumed:
        scan.generation, scan.status = generation, LibraryScan.Status.QUEUED
        _slice_enqueue(scan)
    return bool(resumed)


def _slice_enqueue(scan: LibraryScan) -> None:
    job_enqueue(
        task=SCAN_TASK,
        kind=SCAN_JOB_KIND,
        owner_id=scan.owner_id,
        args=(str(scan.pk), scan.generation),
    )


def scans_due_start(*, now: datetime | None = None) -> list[LibraryScan]:
    """The beat's job: a scan of every scheduled folder that has no open scan."""
    started = []
    open_folders = set(
        LibraryScan.objects.filter(status__in=[*_ACTIVE, LibraryScan.Status.PAUSED]).values_list(
            "folder_id", flat=True
        )
    )
    for folder in LibraryFolder.objects.filter(scheduled=True):
        if folder.pk not in open_folders:
            started.append(scan_start(folder=folder))
    return started


@dataclass
class BatchCounts:
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, record: LibraryFile) -> None:
        self.outcomes[record.outcome] += 1
        if record.outcome == LibraryFile.Outcome.SKIPPED:
            self.reasons[record.reason or "rejected"] += 1
        elif record.outcome == LibraryFile.Outcome.FAILED:
            self.failures.append({"path": record.relpath, "reason": record.reason})


def scan_run(*, scan_id: str, generation: int) -> None:
    """One slice of a scan (the task's body): batches until the walk ends, the scan is paused
    or SLICE_S has passed (then the next slice is queued)."""
    now = timezone.now()
    LibraryScan.objects.filter(pk=scan_id, status=LibraryScan.Status.QUEUED).update(
        status=LibraryScan.Status.RUNNING
    )
    LibraryScan.objects.filter(pk=scan_id, started_at=None).update(started_at=now)
    scan = LibraryScan.objects.filter(pk=scan_id).select_related("folder", "owner").first()
    if scan is None or scan.status != LibraryScan.Status.RUNNING or scan.generation != generation:
        return  # finished, paused, or a newer slice owns it
    folder = scan.folder
    try:  # the roots may have changed since the folder was attached
        path = folder_resolve(path=folder.path, roots=library_roots())
        if path != folder.path:
            raise FolderRefused("the folder now resolves elsewhere (a link was changed)")
    except FolderRefused as error:
        _scan_fail(scan, f"The folder can't be scanned: {error}")
        return
    if scan.files_total is None:
        LibraryScan.objects.filter(pk=scan.pk).update(files_total=count_files(path))
    deadline = time.monotonic() + SLICE_S
    while True:
        entries = _next_batch(path, scan.cursor)
        if not entries:
            scan_finish(scan=scan)
            return
        counts = _batch_process(scan, folder=folder, path=path, entries=entries)
        if not _checkpoint(scan, entries=entries, counts=counts):
            return  # paused meanwhile, or another slice moved on: that one carries on
        if time.monotonic() > deadline:
            _slice_enqueue(scan)
            return


def _next_batch(path: str, cursor: list[str]) -> list[Entry]:
    batch = []
    for entry in folder_walk(path, after=tuple(cursor)):
        batch.append(entry)
        if len(batch) >= BATCH:
            break
    return batch


def _batch_process(
    scan: LibraryScan, *, folder: LibraryFolder, path: str, entries: list[Entry]
) -> BatchCounts:
    counts = BatchCounts()
    known = {
        record.relpath: record
        for record in LibraryFile.objects.filter(
            folder=folder, relpath__in=[entry.relpath for entry in entries]
        )
    }
    unchanged: list[ObjectId] = []
    for entry in entries:
        record = known.get(entry.relpath)
        if record is not None and record.last_scan_id == scan.pk:
            counts.add(record)  # done before this slice's worker died: count it again, once
            continue
        if (
            record is not None
            and record.missing_since is None
            and record.outcome != LibraryFile.Outcome.FAILED
            and (record.size, record.mtime_ns) == (entry.size, entry.mtime_ns)
        ):
            unchanged.append(record.pk)
            record.outcome = LibraryFile.Outcome.UNCHANGED
            counts.add(record)
            continue
        counts.add(_file_process(scan, folder=folder, path=path, entry=entry, record=record))
    if unchanged:  # one write for the whole batch: a rescan of an unchanged folder is fast
        LibraryFile.objects.filter(pk__in=unchanged).update(
            last_scan=scan.pk, outcome=LibraryFile.Outcome.UNCHANGED, reason=""
        )
    return counts


def _file_process(
    scan: LibraryScan,
    *,
    folder: LibraryFolder,
    path: str,
    entry: Entry,
    record: LibraryFile | None,
) -> LibraryFile:
    """Import a new or changed file, note a touched or returning one; the record is saved with
    this scan's id and the outcome it counts as."""
    if record is None:
        record = LibraryFile(folder=folder, owner_id=folder.owner_id, relpath=entry.relpath)
    was_missing = record.missing_since is not None
    previous_image_id = record.image_id if record.owns_image else None
    record.size, record.mtime_ns, record.last_scan_id = entry.size, entry.mtime_ns, scan.pk
    record.missing_since, record.reason = None, ""
    try:
        with file_open(folder=path, entry=entry) as file:
            digest = sha256_of(file) if record.sha256 else ""
            if digest and digest == record.sha256 and record.outcome != LibraryFile.Outcome.FAILED:
                # touched, or back after missing: the same content, nothing to import
                record.outcome = (
                    LibraryFile.Outcome.RESTORED if was_missing else LibraryFile.Outcome.UNCHANGED
                )
                _unhide(record)
                record.save()
                return record
            file.seek(0)
            image, created = image_create(
                owner=scan.owner, file=file, name=entry.key[-1], source=Image.Source.LIBRARY
            )
    except NotAFile as error:
        record.outcome, record.reason = LibraryFile.Outcome.SKIPPED, error.reason
    except ValidationError as error:
        code = getattr(error, "code", "") or "rejected"
        failed = code == "storage"
        record.outcome = LibraryFile.Outcome.FAILED if failed else LibraryFile.Outcome.SKIPPED
        record.reason = code if code in REASONS or failed else "rejected"
    except OSError as error:  # unreadable (permissions) or gone since the walk
        record.outcome = LibraryFile.Outcome.FAILED
        record.reason = (error.strerror or type(error).__name__)[:40]
    else:
        changed = bool(record.sha256) and record.sha256 != image.sha256
        record.sha256, record.image_id = image.sha256, image.pk
        record.owns_image = created or (record.owns_image and image.pk == previous_image_id)
        record.hidden_by_library = False
        if created:
            record.outcome = (
                LibraryFile.Outcome.CHANGED if changed else LibraryFile.Outcome.IMPORTED
            )
        else:
            record.outcome, record.reason = LibraryFile.Outcome.SKIPPED, "duplicate"
        if changed and previous_image_id and previous_image_id != image.pk:
            _image_retire(previous_image_id, keep=record)
    record.save()
    return record


def _unhide(record: LibraryFile) -> None:
    if record.hidden_by_library and record.image_id:
        images_hide(images=Image.objects.filter(pk=record.image_id), hidden=False)
    record.hidden_by_library = False


def _image_retire(image_id: ObjectId, *, keep: LibraryFile) -> None:
    """An image whose file now holds other content leaves the gallery (hidden: the trash,
    where there is one), unless another library file still has that content."""
    others = LibraryFile.objects.filter(image_id=image_id, missing_since=None).exclude(pk=keep.pk)  # type: ignore[misc]
    if not others.exists():
        images_hide(images=Image.objects.filter(pk=image_id), hidden=True)  # type: ignore[misc]


def _checkpoint(scan: LibraryScan, *, entries: list[Entry], counts: BatchCounts) -> bool:
    """Move the cursor past the batch and add its counts, in one conditional update."""
    outcomes = counts.outcomes
    increments: dict[str, Any] = {
        "batches": 1,
        "files_seen": len(entries),
        "imported": outcomes[LibraryFile.Outcome.IMPORTED],
        "changed": outcomes[LibraryFile.Outcome.CHANGED],
        "unchanged": outcomes[LibraryFile.Outcome.UNCHANGED],
        "restored": outcomes[LibraryFile.Outcome.RESTORED],
        "skipped": outcomes[LibraryFile.Outcome.SKIPPED],
        "failed": outcomes[LibraryFile.Outcome.FAILED],
    }
    increments |= {f"skipped_reasons.{code}": n for code, n in counts.reasons.items()}
    update: dict[str, Any] = {"$inc": increments, "$set": {"cursor": list(entries[-1].key)}}
    if counts.failures:
        update["$push"] = {"failures": {"$each": counts.failures, "$slice": -MAX_FAILURES_KEPT}}
    result = collection_for(LibraryScan).update_one(
        {
            "_id": scan.pk,
            "batches": scan.batches,
            "generation": scan.generation,
            "status": LibraryScan.Status.RUNNING,
        },
        update,
    )
    if not result.modified_count:
        return False
    scan.batches += 1
    scan.cursor = list(entries[-1].key)
    return True


def scan_finish(*, scan: LibraryScan, now: datetime | None = None) -> None:
    """After the walk: files not seen are missing (the images stay, for the grace period);
    those missing past LIBRARY_MISSING_GRACE_S leave the gallery (hidden: trash where there is
    one); then the scan is finished."""
    now = now or timezone.now()
    folder_id = scan.folder_id
    gone = LibraryFile.objects.filter(folder_id=folder_id, missing_since=None).exclude(
        last_scan_id=scan.pk
    )
    removed = gone.update(missing_since=now)
    trashed = files_trash(folder_id=folder_id, now=now)
    LibraryScan.objects.filter(pk=scan.pk, status=LibraryScan.Status.RUNNING).update(
        status=LibraryScan.Status.SUCCEEDED, finished_at=now, removed=removed, trashed=trashed
    )


def files_trash(*, folder_id: ObjectId, now: datetime) -> int:
    """Hide the images whose files have been missing past the grace period (the gallery has no
    trash yet: hidden is the nearest state, and a file that comes back shows its image again)."""
    cutoff = now - timedelta(seconds=settings.LIBRARY_MISSING_GRACE_S)
    expired = LibraryFile.objects.filter(  # type: ignore[misc]
        folder_id=folder_id,
        missing_since__lte=cutoff,
        hidden_by_library=False,
        owns_image=True,
        image__isnull=False,
    )
    records = list(expired)
    image_ids = [record.image_id for record in records]
    images_hide(images=Image.objects.filter(pk__in=image_ids), hidden=True)
    LibraryFile.objects.filter(pk__in=[record.pk for record in records]).update(
        hidden_by_library=True
    )
    return len(records)


def _scan_fail(scan: LibraryScan, message: str) -> None:
    LibraryScan.objects.filter(pk=scan.pk).update(
        status=LibraryScan.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )
