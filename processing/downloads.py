"""A selection of images as one zip file, streamed while it is written: the originals, or the
current version of each (processing owns versions, so the zip lives here, above the gallery).

Nothing is held in memory but the chunk being copied: zipfile writes to a sink that cannot
seek (so each entry carries a data descriptor), and the generator hands on what it wrote.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.core.files.storage import default_storage

from gallery.models import Image
from processing.models import Version

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^\w .()+-]+")


class _Sink(io.RawIOBase):
    """Collects what zipfile writes until the generator takes it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # buffer protocol
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def zip_entries(*, images: list[Image], current: bool) -> list[tuple[str, str]]:
    """(name in the zip, stored file) of each image: its current version where asked for
    and ready, else its original; names from the titles, made unique."""
    versions = Version.objects.in_bulk(
        [image.current_version_id for image in images if current and image.current_version_id]
    )
    entries, taken = [], set()
    for image in images:
        version = versions.get(image.current_version_id) if current else None
        ready = version is not None and version.status == Version.Status.READY and version.file
        stored = version.file.name if ready and version else image.original.name
        if not stored:
            continue
        stem = _UNSAFE.sub("_", image.display_name).strip(" ._")[:80] or "image"
        suffix = PurePosixPath(stored).suffix.lower()
        name, number = f"{stem}{suffix}", 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem} ({number}){suffix}"
        taken.add(name.casefold())
        entries.append((name, stored))
    return entries


def zip_stream(*, entries: list[tuple[str, str]]) -> Iterator[bytes]:
    """The zip's bytes, chunk by chunk (images are compressed already: stored, not deflated)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, stored in entries:
            with (
                default_storage.open(stored, "rb") as source,
                archive.open(name, "w", force_zip64=True) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
