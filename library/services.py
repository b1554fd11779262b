"""Server folders: attach (staff), scans (start, pause, resume, one slice of the walk on the
worker), and what a scan does to each file.

A scan walks the folder in batches, in the order of the paths, and checkpoints after each
batch: one conditional update of the scan's document moves the cursor and adds the batch's
counts, so a slice that dies (a killed worker: the job's lease runs out and the jobs sweep sends
it again) resumes after the last batch stored and counts nothing twice. A file of the unfinished
batch that was already recorded by this scan keeps the outcome it got. Importing is the upload's
own path, `gallery.services.image_create`, taken a batch at a time: each file is checked by
content as an upload is (`image_inspect`), duplicates of the owner's images (by SHA-256) are
found with one query, and the new images, their jobs and the files' records are written with
one write of each kind per batch (`images_commit`), so a file is never imported twice and a
file costs about one database command of the scan's own instead of seven.

The original is copied into the media storage (content-addressed, as an upload's is), never
read from the folder afterwards: the gallery, the editor and the media views stay one code
path, media can live on object storage, and a folder that is unmounted or reorganised does not
break the images already imported. The cost is the disk space of a second copy.
"""

import logging
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import IO, Any

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from gallery.imaging import ImageInfo
from gallery.imaging.inspect import sha256_of
from gallery.ingest import image_ingest
from gallery.library import images_restore, images_trash
from gallery.models import Image
from gallery.selectors import images_by_content
from gallery.services import image_inspect, image_stage, images_commit
from imagesite.mongo import collection_for
from jobs.models import Job
from jobs.selectors import jobs_queued_count, jobs_queued_oldest
from jobs.services import job_enqueue, job_run
from library.models import REASONS, LibraryFile, LibraryFolder, LibraryScan
from library.paths import Entry, FolderRefused, NotAFile, count_files, file_open, folder_resolve
from library.paths import walk as folder_walk

logger = logging.getLogger(__name__)
SCAN_TASK = "library.tasks.library_scan_task"
SCAN_JOB_KIND = "library_scan"  # a kind of its own (jobs lists no choice for it)
UNCHANGED_BATCH = 2000  # files per checkpoint at most, unchanged ones included
SLICE_S = 20.0  # a slice queues the next one after this long, so other work gets the worker
INGEST_WAIT_S = 20.0  # a batch waits this long at most for the ingests queued to come down
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

    def add(self, *, outcome: str, reason: str, relpath: str) -> None:
        self.outcomes[outcome] += 1
        if outcome == LibraryFile.Outcome.SKIPPED:
            self.reasons[reason or "rejected"] += 1
        elif outcome == LibraryFile.Outcome.FAILED:
            self.failures.append({"path": relpath, "reason": reason})


Known = dict[str, dict[str, Any]]  # relpath -> the fields of its record a scan compares
_KNOWN_FIELDS = {
    "relpath": 1,
    "size": 1,
    "mtime_ns": 1,
    "outcome": 1,
    "reason": 1,
    "last_scan_id": 1,
    "missing_since": 1,
}


def _known(folder_id: ObjectId) -> Known:
    """Every record of the folder, read once per slice (one indexed query): a file whose size
    and modification time match its record is unchanged and costs no query and no write."""
    records = collection_for(LibraryFile).find({"folder_id": folder_id}, _KNOWN_FIELDS)
    return {record["relpath"]: record for record in records}


def _unchanged(record: dict[str, Any] | None, entry: Entry) -> bool:
    return (
        record is not None
        and record.get("missing_since") is None
        and record.get("outcome") != LibraryFile.Outcome.FAILED
        and (record.get("size"), record.get("mtime_ns")) == (entry.size, entry.mtime_ns)
    )


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
    known = _known(folder.pk)
    deadline = time.monotonic() + SLICE_S
    while True:
        entries = _next_batch(path, scan.cursor, known)
        if not entries:
            scan_finish(scan=scan, path=path)
            return
        if any(not _unchanged(known.get(entry.relpath), entry) for entry in entries):
            _ingests_wait(scan)
        counts = _batch_process(scan, folder=folder, path=path, entries=entries, known=known)
        if not _checkpoint(scan, entries=entries, counts=counts):
            return  # paused meanwhile, or another slice moved on: that one carries on
        if time.monotonic() > deadline:
            _slice_enqueue(scan)
            return


def _ingests_wait(scan: LibraryScan) -> None:
    """Import no faster than the workers ingest: while a batch of ingests or more is queued,
    ingest the owner's oldest queued image here (its job claimed as a worker claims it, so the
    message finds it done), for INGEST_WAIT_S at most. A scan far ahead of the ingests would
    fill the broker's queue, and taking a message from a long queue costs SecantusDB a sort of
    the whole queue (0.5 s with 2,000 waiting), which slows every task."""
    deadline = time.monotonic() + INGEST_WAIT_S
    while (
        jobs_queued_count(kind=Job.Kind.INGEST) >= settings.LIBRARY_SCAN_BATCH
        and time.monotonic() < deadline
    ):
        job = jobs_queued_oldest(kind=Job.Kind.INGEST, owner_id=scan.owner_id)
        if job is None:  # another owner's: their workers' turn
            time.sleep(0.2)
            continue
        try:
            job_run(job_id=str(job.pk), work=partial(_ingest, job.image_id))
        except Exception:  # the image is marked failed: the ingest sweep sends it again
            logger.exception("ingest of image %s failed during a scan", job.image_id)


def _ingest(image_id: ObjectId | None) -> None:
    """gallery.tasks.image_ingest_task's work (services do not import tasks)."""
    if image := Image.objects.filter(pk=image_id).first():  # type: ignore[misc]  # deleted?
        image_ingest(image=image)


def _next_batch(path: str, cursor: list[str], known: Known) -> list[Entry]:
    """The next LIBRARY_SCAN_BATCH files that need work, with the unchanged ones between them
    (up to UNCHANGED_BATCH in all): a rescan of an unchanged folder checkpoints rarely."""
    batch, work = [], 0
    for entry in folder_walk(path, after=tuple(cursor)):
        batch.append(entry)
        work += not _unchanged(known.get(entry.relpath), entry)
        if work >= settings.LIBRARY_SCAN_BATCH or len(batch) >= UNCHANGED_BATCH:
            break
    return batch


def _batch_process(
    scan: LibraryScan, *, folder: LibraryFolder, path: str, entries: list[Entry], known: Known
) -> BatchCounts:
    counts = BatchCounts()
    checked: list[LibraryFile] = []
    with ExitStack() as files:  # what is imported is read from the file it was checked in
        pending: list[_Pending] = []
        for entry in entries:
            seen = known.get(entry.relpath)
            if seen is not None and seen.get("last_scan_id") == scan.pk:
                # done before this slice's worker died: count it again, once
                counts.add(
                    outcome=seen["outcome"], reason=seen.get("reason", ""), relpath=entry.relpath
                )
                continue
            if _unchanged(seen, entry):
                counts.add(outcome=LibraryFile.Outcome.UNCHANGED, reason="", relpath=entry.relpath)
                continue
            record = LibraryFile.objects.filter(pk=seen["_id"]).first() if seen else None
            done = _file_check(
                scan, folder=folder, path=path, entry=entry, record=record, files=files
            )
            if isinstance(done, _Pending):
                pending.append(done)
            else:
                checked.append(done)
        retired = _imports_write(scan, pending)
    records = checked + [item.record for item in pending]
    _records_save(records)
    for image_id, record in retired:  # once every record of the batch says what it holds now
        _image_retire(image_id, keep=record)
    for record in records:
        counts.add(outcome=record.outcome, reason=record.reason, relpath=record.relpath)
        known[record.relpath] = {
            "_id": record.pk,
            "size": record.size,
            "mtime_ns": record.mtime_ns,
            "outcome": record.outcome,
            "reason": record.reason,
            "last_scan_id": scan.pk,
            "missing_since": None,
        }
    return counts


@dataclass
class _Pending:
    """A new or changed file that passed the upload's checks, open until its batch is written."""

    record: LibraryFile
    file: IO[bytes]
    info: ImageInfo
    name: str
    previous_image_id: ObjectId | None


def _file_check(
    scan: LibraryScan,
    *,
    folder: LibraryFolder,
    path: str,
    entry: Entry,
    record: LibraryFile | None,
    files: ExitStack,
) -> LibraryFile | _Pending:
    """Check a new or changed file as an upload is checked: the file to import (`_Pending`),
    or its record with the outcome it counts as (touched, back after missing, refused)."""
    if record is None:
        record = LibraryFile(folder=folder, owner_id=folder.owner_id, relpath=entry.relpath)
    was_missing = record.missing_since is not None
    previous_image_id = record.image_id if record.owns_image else None
    record.size, record.mtime_ns, record.last_scan_id = entry.size, entry.mtime_ns, scan.pk
    record.missing_since, record.reason = None, ""
    try:
        file = files.enter_context(file_open(folder=path, entry=entry))
        digest = sha256_of(file) if record.sha256 else ""
        if digest and digest == record.sha256 and record.outcome != LibraryFile.Outcome.FAILED:
            # touched, or back after missing: the same content, nothing to import
            record.outcome = (
                LibraryFile.Outcome.RESTORED if was_missing else LibraryFile.Outcome.UNCHANGED
            )
            _unhide(record)
            return record
        file.seek(0)
        info = image_inspect(file=file)
    except NotAFile as error:
        record.outcome, record.reason = LibraryFile.Outcome.SKIPPED, error.reason
    except ValidationError as error:
        _refused(record, error)
    except OSError as error:  # unreadable (permissions) or gone since the walk
        record.outcome = LibraryFile.Outcome.FAILED
        record.reason = (error.strerror or type(error).__name__)[:40]
    else:
        return _Pending(record, file, info, entry.key[-1], previous_image_id)
    return record


def _refused(record: LibraryFile, error: ValidationError) -> None:
    code = getattr(error, "code", "") or "rejected"
    failed = code == "storage"
    record.outcome = LibraryFile.Outcome.FAILED if failed else LibraryFile.Outcome.SKIPPED
    record.reason = code if code in REASONS or failed else "rejected"


def _imports_write(
    scan: LibraryScan, pending: list[_Pending]
) -> list[tuple[ObjectId, LibraryFile]]:
    """Import a batch's checked files as image_create imports one (a duplicate of an image
    the owner has is not stored again), with one query for those duplicates and one write of
    each kind for the new images; sets each record's outcome. Returns the images whose file now
    holds other content, with that file's record, for `_image_retire`."""
    if not pending:
        return []
    owner = scan.owner
    hashes = {item.info.sha256 for item in pending}
    had = images_by_content(owner_id=owner.pk, hashes=hashes)
    staged: dict[str, Image] = {}
    for item in pending:
        sha256 = item.info.sha256
        if sha256 in had or sha256 in staged:
            continue
        try:
            staged[sha256] = image_stage(
                owner=owner,
                file=item.file,
                info=item.info,
                name=item.name,
                source=Image.Source.LIBRARY,
            )
        except ValidationError as error:  # the original could not be written
            _refused(item.record, error)
    written = {
        image.sha256: image for image in images_commit(owner=owner, images=[*staged.values()])
    }
    if lost := set(staged) - set(written):  # uploaded meanwhile: the upload's image it is
        had |= images_by_content(owner_id=owner.pk, hashes=lost)
    claimed: set[ObjectId] = set()  # one file of the batch owns each image, the rest are duplicates
    retired = []
    for item in pending:
        image = written.get(item.info.sha256) or had.get(item.info.sha256)
        if image is None:
            continue  # refused above
        created = image.pk not in claimed and (
            item.info.sha256 in written or _lost_import(scan, image=image, record=item.record)
        )
        claimed.add(image.pk)
        if previous := _imported(item, image=image, created=created):
            retired.append((previous, item.record))
    return retired


def _imported(item: _Pending, *, image: Image, created: bool) -> ObjectId | None:
    """Note on the record the image its file became; the image it held before, if that one
    is now another content's."""
    record, previous_image_id = item.record, item.previous_image_id
    changed = bool(record.sha256) and record.sha256 != image.sha256
    record.sha256, record.image_id = image.sha256, image.pk
    record.owns_image = created or (record.owns_image and image.pk == previous_image_id)
    record.hidden_by_library = False
    if created:
        record.outcome = LibraryFile.Outcome.CHANGED if changed else LibraryFile.Outcome.IMPORTED
    else:
        record.outcome, record.reason = LibraryFile.Outcome.SKIPPED, "duplicate"
    if changed and previous_image_id and previous_image_id != image.pk:
        return previous_image_id
    return None


def _records_save(records: list[LibraryFile]) -> None:
    """The records of a batch: the new ones in one write, the others one by one."""
    existing = [record for record in records if not record._state.adding]
    LibraryFile.objects.bulk_create([record for record in records if record._state.adding])
    for record in existing:
        record.save()


def _lost_import(scan: LibraryScan, *, image: Image, record: LibraryFile) -> bool:
    """Whether this "duplicate" is the image this scan imported just before its worker died,
    before the file's record was written: a library image made since the scan started that no
    other file's record names."""
    return (
        image.source == Image.Source.LIBRARY
        and scan.started_at is not None
        and image.uploaded_at >= scan.started_at
        and not LibraryFile.objects.filter(image_id=image.pk).exclude(pk=record.pk).exists()
    )


def _images_shelve(image_ids: list[ObjectId], *, trash: bool) -> None:
    """Images whose files are gone (or hold other content now) go to their owner's trash; a
    file that comes back brings its image back from the trash."""
    owners: dict[ObjectId, list[ObjectId]] = {}
    for image in Image.objects.filter(pk__in=image_ids).only("owner_id"):
        owners.setdefault(image.owner_id, []).append(image.pk)
    for owner_id, ids in owners.items():
        owner = User.objects.get(pk=owner_id)
        (images_trash if trash else images_restore)(owner=owner, image_ids=ids)


def _unhide(record: LibraryFile) -> None:
    if record.hidden_by_library and record.image_id:
        _images_shelve([record.image_id], trash=False)
    record.hidden_by_library = False


def _image_retire(image_id: ObjectId, *, keep: LibraryFile) -> None:
    """An image whose file now holds other content goes to the trash, unless another library
    file still has that content."""
    others = LibraryFile.objects.filter(image_id=image_id, missing_since=None).exclude(pk=keep.pk)  # type: ignore[misc]
    if not others.exists():
        _images_shelve([image_id], trash=True)


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


def scan_finish(*, scan: LibraryScan, path: str, now: datetime | None = None) -> None:
    """After the walk: files no longer in the folder (a walk of the names, compared with the
    records) are missing, their images kept for the grace period; those missing past
    LIBRARY_MISSING_GRACE_S go to the trash (TRASH_DAYS later, gone for good); then the scan
    is finished."""
    now = now or timezone.now()
    folder_id = scan.folder_id
    present = {entry.relpath for entry in folder_walk(path)}
    gone = [
        record["_id"]
        for relpath, record in _known(folder_id).items()
        if relpath not in present and record.get("missing_since") is None
    ]
    if gone:
        collection_for(LibraryFile).update_many(
            {"_id": {"$in": gone}}, {"$set": {"missing_since": now}}
        )
    trashed = files_trash(folder_id=folder_id, now=now)
    LibraryScan.objects.filter(pk=scan.pk, status=LibraryScan.Status.RUNNING).update(
        status=LibraryScan.Status.SUCCEEDED, finished_at=now, removed=len(gone), trashed=trashed
    )


def files_trash(*, folder_id: ObjectId, now: datetime) -> int:
    """Trash the images whose files have been missing past the grace period (a file that comes
    back restores its image while it is still in the trash)."""
    cutoff = now - timedelta(seconds=settings.LIBRARY_MISSING_GRACE_S)
    expired = list(
        collection_for(LibraryFile).find(  # a flat filter: (folder, missing_since) index
            {"folder_id": folder_id, "missing_since": {"$lte": cutoff}},
            {"image_id": 1, "owns_image": 1, "hidden_by_library": 1},
        )
    )
    expired = [
        record
        for record in expired
        if record.get("image_id")
        and record.get("owns_image")
        and not record.get("hidden_by_library")
    ]
    if not expired:
        return 0
    _images_shelve([record["image_id"] for record in expired], trash=True)
    collection_for(LibraryFile).update_many(
        {"_id": {"$in": [record["_id"] for record in expired]}},
        {"$set": {"hidden_by_library": True}},
    )
    return len(expired)


def _scan_fail(scan: LibraryScan, message: str) -> None:
    LibraryScan.objects.filter(pk=scan.pk).update(
        status=LibraryScan.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )
