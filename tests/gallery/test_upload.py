"""Real files through the real upload view into the real database and storage."""

import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery.models import Image
from jobs.models import Job
from tests.gallery.conftest import upload_of

pytestmark = pytest.mark.django_db
ACCEPTED = [
    "jpeg/flowers.jpeg",
    "jpeg/Channel_digital_image_CMYK_color.jpg",
    "png/with-alpha.png",
    "png/RGB_16__128x128.png",
    "webp/flower.webp",
    "webp/animated-loop-3.webp",
    "gif/animated-loop-3.gif",
    "tiff/multipage.tiff",
    "tiff/tiff_16bit_RGB.tiff",
    "other/rgb24.bmp",
    "heic/pug.heic",
    "heic/RGBA_8__128x128.heif",
    "avif/libheif-example.avif",
    "jpeg/sugarshack.mpo",
]


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _post(client, *files: SimpleUploadedFile, htmx: bool = True):  # noqa: ANN001, ANN202
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("gallery:upload"), {"files": list(files)}, headers=headers)


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_format_is_stored_under_the_users_originals(user_client, user, corpus, name) -> None:
    response = _post(user_client, upload_of(corpus / "formats" / name))
    assert response.status_code == 200
    assert "Stored" in response.content.decode()
    image = Image.objects.get(owner=user)
    assert image.original.name.startswith(f"{user.pk}/originals/")
    assert image.sha256 in image.original.name
    assert (Path(settings.MEDIA_ROOT) / image.original.name).read_bytes() == (
        corpus / "formats" / name
    ).read_bytes()
    assert Job.objects.filter(image=image, kind=Job.Kind.INGEST).count() == 1


def _bomb_png() -> bytes:
    """A valid PNG header claiming 40000 x 40000 pixels, with a tiny compressed body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * (40001 * 64), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda corpus: ("check.svg", (corpus / "formats/svg/check.svg").read_bytes()), "SVG"),
        (lambda corpus: ("notes.jpg", b"just some text, not a picture\n" * 20), "not"),
        (
            lambda corpus: ("cut.jpg", (corpus / "formats/jpeg/flowers.jpeg").read_bytes()[:6000]),
            "truncated",
        ),
        (lambda corpus: ("bomb.png", _bomb_png()), "pixels"),
        (
            lambda corpus: ("giant.jpg", (corpus / "formats/large/giant-image.jpg").read_bytes()),
            "pixels",
        ),
        (lambda corpus: ("empty.png", b""), ""),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_leave_nothing(
    user_client, corpus, make, message
) -> None:
    name, data = make(corpus)
    response = _post(user_client, SimpleUploadedFile(name, data))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Refused" in body
    assert message.lower() in body.lower()
    assert not Image.objects.exists()
    assert _media_files() == []


def test_an_exact_duplicate_is_reported_and_not_stored_twice(user_client, user, corpus) -> None:
    path = corpus / "exif/gps/DSCN0010.jpg"
    _post(user_client, upload_of(path))
    response = _post(user_client, upload_of(path, "copy.jpg"))
    assert "Duplicate" in response.content.decode()
    assert Image.objects.filter(owner=user).count() == 1
    assert len([p for p in _media_files() if "/originals/" in str(p)]) == 1


def test_the_plain_form_works_without_javascript(user_client, user, corpus) -> None:
    files = [upload_of(corpus / "exif/gps" / name) for name in ("DSCN0010.jpg", "DSCN0012.jpg")]
    response = _post(user_client, *files, htmx=False)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert body.count("outcome-stored") == 2
    assert Image.objects.filter(owner=user).count() == 2


def test_a_file_over_the_size_limit_is_refused(user_client, settings, corpus) -> None:
    settings.UPLOAD_MAX_BYTES = 10_000
    response = _post(user_client, upload_of(corpus / "formats/jpeg/flowers.jpeg"))
    assert "Refused" in response.content.decode()
    assert not Image.objects.exists()


def test_upload_needs_a_login(client) -> None:
    response = client.post(
        reverse("gallery:upload"), {"files": [SimpleUploadedFile("a.jpg", b"x")]}
    )
    assert response.status_code == 302
    assert not Image.objects.exists()


def test_upload_needs_the_csrf_token(user, corpus) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = _post(client, upload_of(corpus / "formats/jpeg/flowers.jpeg"))
    assert response.status_code == 403
    assert not Image.objects.exists()
