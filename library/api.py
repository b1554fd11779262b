"""Server folders in the API: the caller's folders, a scan's progress, start, pause, resume;
staff attach a folder to a user. The same selectors and services as the page."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel

from accounts.api import api_user
from accounts.models import User
from imagesite.apitools import ERRORS, Problem, id_path, invalid, object_id
from library.models import LibraryFolder, LibraryScan
from library.selectors import folder_get, folder_list, folder_scans, scan_get
from library.services import folder_attach, scan_pause, scan_resume, scan_start

router = Router(tags=["server folders"])


class ScanOut(Schema):
    id: str
    folder_id: str
    status: str = Field(description="queued, running, paused, succeeded or failed")
    done: bool
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    files_total: int | None = Field(description="Files in the folder, counted at the start")
    files_seen: int
    imported: int
    changed: int
    unchanged: int
    restored: int
    skipped: int
    skipped_reasons: dict[str, int]
    failed: int
    failures: list[dict[str, str]]
    removed: int
    trashed: int
    error: str
    url: str


class FolderOut(Schema):
    id: str
    path: str
    scheduled: bool
    created_at: datetime
    latest_scan: ScanOut | None


class AttachIn(BaseModel):
    owner_email: str = Field(max_length=254)
    path: str = Field(max_length=1000)


def scan_out(scan: LibraryScan) -> ScanOut:
    return ScanOut(
        id=str(scan.pk),
        folder_id=str(scan.folder_id),
        status=scan.status,
        done=not scan.is_active,
        queued_at=scan.queued_at,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        files_total=scan.files_total,
        files_seen=scan.files_seen,
        imported=scan.imported,
        changed=scan.changed,
        unchanged=scan.unchanged,
        restored=scan.restored,
        skipped=scan.skipped,
        skipped_reasons={str(k): int(v) for k, v in (scan.skipped_reasons or {}).items()},
        failed=scan.failed,
        failures=[
            {"path": str(item.get("path", "")), "reason": str(item.get("reason", ""))}
            for item in scan.failures or []
        ],
        removed=scan.removed,
        trashed=scan.trashed,
        error=scan.error,
        url=reverse("api:library_scan_get", kwargs={"scan_id": str(scan.pk)}),
    )


def folder_out(folder: LibraryFolder) -> FolderOut:
    latest = folder_scans(folder=folder, limit=1)
    return FolderOut(
        id=str(folder.pk),
        path=folder.path,
        scheduled=folder.scheduled,
        created_at=folder.created_at,
        latest_scan=scan_out(latest[0]) if latest else None,
    )


def _folder(request: HttpRequest, folder_id: str) -> LibraryFolder:
    folder = folder_get(owner_id=api_user(request).pk, folder_id=object_id(folder_id))
    if folder is None:
        raise HttpError(404, "No such folder.")
    return folder


def _scan(request: HttpRequest, scan_id: str) -> LibraryScan:
    scan = scan_get(owner_id=api_user(request).pk, scan_id=object_id(scan_id))
    if scan is None:
        raise HttpError(404, "No such scan.")
    return scan


@router.get(
    "/folders", response={200: list[FolderOut], ERRORS: Problem}, url_name="library_folders"
)
def folders(request: HttpRequest) -> list[FolderOut]:
    """The server folders attached to you, each with its latest scan."""
    return [folder_out(folder) for folder in folder_list(owner_id=api_user(request).pk)]


@router.post(
    "/folders", response={201: FolderOut, ERRORS: Problem}, url_name="library_folder_attach"
)
def folder_attach_api(request: HttpRequest, body: AttachIn) -> Status[FolderOut]:
    """Staff only: attach a folder under LIBRARY_ROOTS to the user with this email, and scan it."""
    staff = api_user(request)
    if not staff.is_staff:
        raise HttpError(403, "Only staff attach server folders.")
    owner = User.objects.filter(email__iexact=body.owner_email).first()
    if owner is None:
        raise HttpError(404, "No user has this email.")
    try:
        folder = folder_attach(owner=owner, path=body.path, attached_by=staff)
    except ValidationError as error:
        raise invalid(error) from None
    return Status(201, folder_out(folder))


@router.get(
    "/folders/{folder_id}", response={200: FolderOut, ERRORS: Problem}, url_name="library_folder"
)
def folder(request: HttpRequest, folder_id: str = id_path()) -> FolderOut:
    return folder_out(_folder(request, folder_id))


@router.post(
    "/folders/{folder_id}/scan",
    response={202: ScanOut, ERRORS: Problem},
    url_name="library_folder_scan",
)
def folder_scan(request: HttpRequest, folder_id: str = id_path()) -> Status[ScanOut]:
    """Start a scan (or get the one open: a paused one is resumed); poll its `url`."""
    return Status(202, scan_out(scan_start(folder=_folder(request, folder_id))))


@router.get(
    "/scans/{scan_id}", response={200: ScanOut, ERRORS: Problem}, url_name="library_scan_get"
)
def scan(request: HttpRequest, scan_id: str = id_path()) -> ScanOut:
    """A scan's progress: files seen, imported, skipped (with reasons), failed."""
    return scan_out(_scan(request, scan_id))


@router.post(
    "/scans/{scan_id}/pause", response={200: ScanOut, ERRORS: Problem}, url_name="library_pause"
)
def pause(request: HttpRequest, scan_id: str = id_path()) -> ScanOut:
    found = _scan(request, scan_id)
    scan_pause(scan=found)
    found.refresh_from_db()
    return scan_out(found)


@router.post(
    "/scans/{scan_id}/resume", response={200: ScanOut, ERRORS: Problem}, url_name="library_resume"
)
def resume(request: HttpRequest, scan_id: str = id_path()) -> ScanOut:
    found = _scan(request, scan_id)
    scan_resume(scan=found)
    found.refresh_from_db()
    return scan_out(found)
