"""Keeping media storage and documents in step: find files nothing refers to."""

from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from analytics.models import AnalyticsSnapshot
from gallery.models import Image
from processing.models import Version

# A file this young may belong to an upload whose document is being written right now.
GRACE = timedelta(minutes=10)


def referenced_files() -> set[str]:
    names: set[str] = set()
    for row in Image.objects.values_list("original", "thumbnail", "preview"):
        names.update(row)
    for row in Version.objects.values_list("file", "mask"):
        names.update(row)
    for charts in AnalyticsSnapshot.objects.values_list("charts", flat=True):
        names.update((charts or {}).values())
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
