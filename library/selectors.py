"""Reads of server folders, every one scoped to its owner (staff read all through `folders_all`)."""

from bson import ObjectId
from django.db.models import QuerySet

from library.models import LibraryFile, LibraryFolder, LibraryScan


def folder_list(*, owner_id: ObjectId) -> QuerySet[LibraryFolder]:
    return LibraryFolder.objects.filter(owner_id=owner_id).order_by("-created_at")


def folders_all() -> QuerySet[LibraryFolder]:
    """Every folder (the staff's list on the page)."""
    return LibraryFolder.objects.select_related("owner").order_by("-created_at")


def folder_get(*, owner_id: ObjectId, folder_id: ObjectId) -> LibraryFolder | None:
    return LibraryFolder.objects.filter(owner_id=owner_id, pk=folder_id).first()  # type: ignore[misc]


def scan_get(*, owner_id: ObjectId, scan_id: ObjectId) -> LibraryScan | None:
    return LibraryScan.objects.filter(owner_id=owner_id, pk=scan_id).first()  # type: ignore[misc]


def folder_scans(*, folder: LibraryFolder, limit: int = 10) -> list[LibraryScan]:
    return list(LibraryScan.objects.filter(folder=folder).order_by("-queued_at")[:limit])


def folder_missing_count(*, folder: LibraryFolder) -> int:
    return LibraryFile.objects.filter(folder=folder, missing_since__isnull=False).count()
