"""Chunked uploads (gallery/chunked.py): a file sent in pieces is stored once whole, a piece
sent again or out of order is answered with the offset the server has, the size limit holds
before anything past it is written, another user's upload is a 404, and abandoned ones go."""

import io
import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from gallery.chunked import partial_path
from gallery.models import Image, PartialUpload
from gallery.sweeps import orphans_sweep, partial_uploads_sweep

pytestmark = pytest.mark.django_db
CHUNK = "application/offset+octet-stream"


class DroppingStream(io.BytesIO):
    """A request body whose connection drops once these bytes have arrived."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise ConnectionResetError("the client went away")
        return data


def _start(client, name: str, size: int, key: str = ""):  # noqa: ANN001, ANN202
    return client.post(
        reverse("gallery:chunked_start"), {"name": name, "size": size, "key": key or name}
    )


def _chunk(client, upload_id: str, offset: int, data: bytes):  # noqa: ANN001, ANN202
    return client.post(
        reverse("gallery:chunked_upload", args=[upload_id]),
        data=data,
        content_type=CHUNK,
        headers={"Upload-Offset": str(offset)},
    )


def _send(client, upload_id: str, data: bytes, size: int, start: int = 0):  # noqa: ANN001, ANN202
    offset, response = start, None
    while offset < len(data):
        response = _chunk(client, upload_id, offset, data[offset : offset + size])
        if response["Content-Type"].startswith("text/html"):
            return response
        offset = response.json()["offset"]
    return response


def test_a_file_sent_in_chunks_is_stored_once_the_last_one_is_in(
    user_client, user, corpus, settings
):
    data = (corpus / "exif/gps/DSCN0010.jpg").read_bytes()
    started = _start(user_client, "photo.jpg", len(data)).json()
    assert started["offset"] == 0
    first = _chunk(user_client, started["id"], 0, data[:100_000])
    assert first.json() == {"offset": 100_000}
    assert not Image.objects.exists()
    done = _send(user_client, started["id"], data, 100_000, start=100_000)
    assert "outcome-stored" in done.content.decode()
    image = Image.objects.get(owner=user)
    assert image.size_bytes == len(data)
    assert image.original_name == "photo.jpg"
    assert not PartialUpload.objects.exists()
    assert not any(Path(settings.UPLOAD_PARTIAL_DIR).iterdir())


def test_after_a_dropped_connection_or_a_reload_the_upload_goes_on_from_the_servers_offset(
    user_client, corpus
):
    data = (corpus / "exif/gps/DSCN0012.jpg").read_bytes()
    upload_id = _start(user_client, "b.jpg", len(data), key="b.jpg:1:2").json()["id"]
    _chunk(user_client, upload_id, 0, data[:50_000])
    # the answer to the next chunk was lost: the browser sends it again from where it thinks
    assert _chunk(user_client, upload_id, 0, data[:50_000]).status_code == 409
    assert _chunk(user_client, upload_id, 0, data[:50_000]).json() == {"offset": 50_000}
    # a reload: the page starts the same file again and learns the offset
    again = _start(user_client, "b.jpg", len(data), key="b.jpg:1:2").json()
    assert again == {"id": upload_id, "offset": 50_000, "chunk": again["chunk"]}
    url = reverse("gallery:chunked_upload", args=[upload_id])
    assert user_client.get(url).json() == {"offset": 50_000, "size": len(data)}
    done = _send(user_client, upload_id, data, 200_000, start=50_000)
    assert "outcome-stored" in done.content.decode()
    assert Image.objects.get().size_bytes == len(data)


def test_the_size_limit_is_checked_at_the_start_and_before_each_chunk_is_written(
    user_client, settings
):
    settings.UPLOAD_MAX_BYTES = 1000
    refused = _start(user_client, "big.tif", 5000)
    assert "over the limit" in refused.content.decode() or "too large" in refused.content.decode()
    assert not PartialUpload.objects.exists()
    upload_id = _start(user_client, "small.jpg", 600).json()["id"]
    upload = PartialUpload.objects.get()
    past = _chunk(user_client, upload_id, 0, bytes(700))  # more than it declared
    assert "past the declared size" in past.content.decode()
    assert not partial_path(upload).exists()
    assert not PartialUpload.objects.exists()
    settings.UPLOAD_CHUNK_BYTES = 100
    upload_id = _start(user_client, "small.jpg", 600).json()["id"]
    assert (
        "a chunk may carry up to" in _chunk(user_client, upload_id, 0, bytes(200)).content.decode()
    )


def test_a_hostile_file_sent_in_chunks_is_refused_and_nothing_is_kept(user_client):
    from tests.gallery.test_imaging_bounds import forged_jpeg

    data = forged_jpeg(width=10_000, height=10_000)
    upload_id = _start(user_client, "forged.jpg", len(data)).json()["id"]
    upload = PartialUpload.objects.get()
    answer = _send(user_client, upload_id, data, 1000)
    assert "cannot hold 10000x10000 pixels" in answer.content.decode()
    assert not Image.objects.exists()
    assert not partial_path(upload).exists()


def test_another_users_upload_is_not_found(user_client, client, other_user):
    upload_id = _start(user_client, "a.jpg", 10).json()["id"]
    client.force_login(other_user)
    url = reverse("gallery:chunked_upload", args=[upload_id])
    assert client.get(url).status_code == 404
    assert _chunk(client, upload_id, 0, b"x").status_code == 404


def test_abandoned_partial_uploads_are_removed_by_the_orphans_sweep(user_client, settings):
    upload_id = _start(user_client, "a.jpg", 1000).json()["id"]
    _chunk(user_client, upload_id, 0, bytes(10))
    fresh_id = _start(user_client, "b.jpg", 1000).json()["id"]
    old = PartialUpload.objects.get(pk=upload_id)
    PartialUpload.objects.filter(pk=upload_id).update(updated_at=timezone.now() - timedelta(days=2))
    stray = Path(settings.UPLOAD_PARTIAL_DIR) / "0123456789abcdef01234567.part"
    stray.write_bytes(b"left by a crash")
    os.utime(stray, (0, 0))
    assert partial_uploads_sweep() == 2
    assert not partial_path(old).exists()
    assert not stray.exists()
    assert PartialUpload.objects.filter(pk=fresh_id).exists()
    assert orphans_sweep() == (0, 0)


def test_a_200_mb_tiff_arrives_in_chunks_after_a_chunk_is_lost(user_client, user, settings):
    """The size of a scanner's TIFF; the limit is configured up for it."""
    settings.UPLOAD_MAX_BYTES = 250 * 2**20
    settings.UPLOAD_MAX_REQUEST_BYTES = 9 * 2**20
    settings.UPLOAD_CHUNK_BYTES = 8 * 2**20
    pixels = np.zeros((8200, 8200, 3), dtype=np.uint8)
    pixels[::7, :, 0] = 255
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, "TIFF")
    data = buffer.getvalue()
    assert len(data) > 200 * 10**6
    upload_id = _start(user_client, "scan.tif", len(data)).json()["id"]
    chunk = settings.UPLOAD_CHUNK_BYTES
    _chunk(user_client, upload_id, 0, data[:chunk])
    # the second chunk's connection drops half way: the server keeps what arrived
    dropped = user_client.generic(
        "POST",
        reverse("gallery:chunked_upload", args=[upload_id]),
        content_type=CHUNK,
        headers={"Upload-Offset": str(chunk)},
        **{
            "wsgi.input": DroppingStream(data[chunk : chunk + chunk // 2]),
            "CONTENT_LENGTH": str(chunk),
        },
    )
    assert dropped.json() == {"offset": chunk + chunk // 2}
    where = user_client.get(reverse("gallery:chunked_upload", args=[upload_id])).json()
    assert where["offset"] == chunk + chunk // 2
    done = _send(user_client, upload_id, data, chunk, start=where["offset"])
    assert "outcome-stored" in done.content.decode()
    image = Image.objects.get(owner=user)
    assert (image.format, image.size_bytes) == ("TIFF", len(data))
