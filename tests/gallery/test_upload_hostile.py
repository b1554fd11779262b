"""Hostile uploads through the real view (issue 12: F1, F8, F12): refused with a message that
says why, nothing stored, nothing left in the temporary folder."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import FakePayload
from django.urls import reverse

from gallery.models import Image
from tests.gallery.test_imaging_bounds import forged_jpeg, scan_bomb

pytestmark = pytest.mark.django_db


def _stored() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _temporary() -> list[Path]:
    return list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())


def _post(client, data: bytes, name: str):  # noqa: ANN001, ANN202
    upload = SimpleUploadedFile(name, data)
    return client.post(reverse("gallery:upload"), {"files": [upload]}, headers={"HX-Request": "1"})


def test_a_scan_bomb_is_refused_by_the_upload_page_at_once(user_client):
    response = _post(user_client, scan_bomb(side=2000, scans=3000), "scans.jpg")
    assert response.status_code == 200
    assert "Refused" in response.content.decode()
    assert "too many scans" in response.content.decode()
    assert not Image.objects.exists()
    assert not _stored()


def test_a_forged_header_jpeg_is_refused_by_the_upload_page(user_client):
    response = _post(user_client, forged_jpeg(width=10_000, height=10_000), "forged.jpg")
    assert "cannot hold 10000x10000 pixels" in response.content.decode()
    assert not Image.objects.exists()


def test_a_request_over_the_size_limit_is_refused_before_its_body_is_read(user_client):
    """F8: the 500 MB body was written to a temporary file first. FakePayload raises if more
    than its 10 bytes are read, so a 413 here means nothing was."""
    response = user_client.generic(
        "POST",
        reverse("gallery:upload"),
        content_type="multipart/form-data; boundary=x",
        headers={"HX-Request": "true"},
        **{"wsgi.input": FakePayload(b"--x--\r\n   "), "CONTENT_LENGTH": str(500 * 2**20)},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert text.startswith('<li class="upload-result outcome-refused">')
    assert "(500.0 MB) is over the limit" in text
    assert not _temporary()


def test_a_file_that_streams_past_the_limit_is_stopped_and_its_temporary_file_removed(
    user_client, settings
):
    settings.UPLOAD_MAX_BYTES = 200_000
    settings.UPLOAD_MAX_REQUEST_BYTES = 10 * 2**20  # the body's length passes the door
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # to a temporary file, as a big upload is
    response = _post(user_client, bytes(600_000), "big.jpg")
    assert response.status_code == 200
    assert "over the limit" in response.content.decode()
    assert not _temporary()
    assert not _stored()
