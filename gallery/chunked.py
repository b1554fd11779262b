"""Uploads that survive a dropped connection: a file sent in chunks, each appended at the
offset the server says it has, then checked and stored as any upload (`upload_accept`'s
`image_create`) once the last byte is in.

A chunked endpoint of our own rather than tus with Uppy: the protocol needed is three requests
(start or find, append at an offset, ask the offset), it rides on the session, CSRF and owner
checks every other view has, and it stays a hundred lines of Python and a small script, where
Uppy and a tus server would bring a bundle of third-party JavaScript under the site's CSP and
a second upload stack to secure.

Limits: the declared size is checked against UPLOAD_MAX_BYTES at the start, and every chunk
against the declared total (and the limit again) before a byte of it is written, so nothing
past the limit is ever stored; a chunk is at most UPLOAD_CHUNK_BYTES.
"""

import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from gallery.imaging.inspect import human_size
from gallery.models import PartialUpload
from gallery.services import UploadResult, upload_result

_PIECE = 1 << 16


class OffsetMismatch(ValueError):  # noqa: N818 - the client resends from `offset`
    def __init__(self, offset: int) -> None:
        super().__init__(f"the upload is at byte {offset}")
        self.offset = offset


def partial_path(upload: PartialUpload) -> Path:
    return Path(settings.UPLOAD_PARTIAL_DIR) / f"{upload.pk}.part"


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        f"the file is too large: {human_size(size)}, "
        f"the limit is {human_size(settings.UPLOAD_MAX_BYTES)}",
        code="too_large",
    )


def partial_start(*, owner: User, key: str, name: str, size: int) -> PartialUpload:
    """The upload of this file (the same key: name, size and modification time, from the
    browser) if one was begun, to go on from its offset; else a new one."""
    if size <= 0:
        raise ValidationError("the file is empty", code="empty")
    if size > settings.UPLOAD_MAX_BYTES:
        raise _too_large(size)
    upload, created = PartialUpload.objects.get_or_create(
        owner=owner, key=key[:300], defaults={"name": name[:255] or "unnamed", "size": size}
    )
    if not created and upload.size != size:  # the key names another file now: start again
        partial_discard(upload=upload)
        return partial_start(owner=owner, key=key, name=name, size=size)
    Path(settings.UPLOAD_PARTIAL_DIR).mkdir(parents=True, exist_ok=True)
    return upload


def partial_append(
    *, upload: PartialUpload, offset: int, length: int, read: Callable[[int], bytes]
) -> tuple[PartialUpload, bool]:
    """Write one chunk at `offset` (which must be what has arrived: OffsetMismatch otherwise),
    reading it from `read` as it comes. A connection dropped mid-chunk keeps what arrived.
    Returns the upload and whether this chunk was its last (this request then completes it)."""
    upload.refresh_from_db()
    if offset != upload.received:
        raise OffsetMismatch(upload.received)
    if length <= 0 or length > settings.UPLOAD_CHUNK_BYTES:
        raise ValidationError(
            f"a chunk may carry up to {human_size(settings.UPLOAD_CHUNK_BYTES)}", code="chunk"
        )
    if offset + length > upload.size:
        raise ValidationError("the chunk runs past the declared size", code="too_large")
    if offset + length > settings.UPLOAD_MAX_BYTES:  # the limit may have been lowered meanwhile
        raise _too_large(offset + length)
    written = 0
    fd = os.open(partial_path(upload), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        while written < length:
            piece = read(min(_PIECE, length - written))
            if not piece:
                break
            os.write(fd, piece)
            written += len(piece)
        os.ftruncate(fd, offset + written)
    finally:
        os.close(fd)
    moved = PartialUpload.objects.filter(pk=upload.pk, received=offset).update(
        received=offset + written, updated_at=timezone.now()
    )
    upload.refresh_from_db()
    return upload, bool(moved) and upload.received == upload.size


def partial_complete(*, upload: PartialUpload, owner: User) -> UploadResult:
    """The whole file is in: check and store it as an upload, then drop the parts."""
    try:
        with partial_path(upload).open("rb") as file:
            return upload_result(owner=owner, file=file, name=upload.name)
    finally:
        partial_discard(upload=upload)


def partial_discard(*, upload: PartialUpload) -> None:
    PartialUpload.objects.filter(pk=upload.pk).delete()
    partial_path(upload).unlink(missing_ok=True)
