"""The ingest task's body on real camera files: orientation, EXIF, GPS, renditions, Job record."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image as PILImage

from gallery.models import Image
from gallery.services import image_create
from gallery.tasks import image_ingest_task
from jobs.models import Job

pytestmark = pytest.mark.django_db


def _manifest(corpus: Path) -> dict[str, dict]:
    return {
        entry["file"]: entry for entry in json.loads((corpus / "exif/manifest.json").read_text())
    }


def _ingested(user, path: Path) -> Image:  # noqa: ANN001
    with path.open("rb") as file:
        image, created = image_create(owner=user, file=file, name=path.name)
    assert created
    job = Job.objects.get(image=image, kind=Job.Kind.INGEST)
    image_ingest_task(str(image.pk), str(job.pk))  # the task body, as the worker runs it
    image.refresh_from_db()
    return image


@pytest.mark.parametrize(
    "name", ["gps/DSCN0010.jpg", "camera/Kodak_CX7530.jpg", "edge-cases/87_OSError.jpg"]
)
def test_gps_camera_and_taken_at_come_out_right(user, corpus, name) -> None:
    expected = _manifest(corpus)[name]
    image = _ingested(user, corpus / "exif" / name)
    assert image.status == Image.Status.READY
    assert image.latitude == pytest.approx(expected["lat"], abs=1e-4)
    assert image.longitude == pytest.approx(expected["lon"], abs=1e-4)
    assert image.camera_model == (expected["model"] or "").strip()
    assert image.taken_at is not None
    assert image.taken_at.strftime("%Y:%m:%d %H:%M:%S") == expected["datetime_original"]
    assert isinstance(image.exif, dict)
    assert image.exif
    job = Job.objects.get(image=image)
    assert job.status == Job.Status.SUCCEEDED
    assert job.duration_ms is not None


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_orientation_is_applied_to_size_and_renditions(user, corpus, orientation) -> None:
    image = _ingested(user, corpus / f"exif/orientation/landscape_{orientation}.jpg")
    assert image.width > image.height  # a landscape photo, upright whatever the tag said
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.thumbnail.name) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.width > thumb.height
        assert max(thumb.size) <= 400
    with PILImage.open(Path(settings.MEDIA_ROOT) / image.preview.name) as preview:
        assert max(preview.size) <= 1600
    assert image.thumbnail.name.startswith(f"{user.pk}/renditions/")
    assert len(image.phash) == 16


def test_a_failed_ingest_keeps_the_original_and_shows_the_error(user, corpus) -> None:
    path = corpus / "exif/gps/DSCN0012.jpg"
    with path.open("rb") as file:
        image, _ = image_create(owner=user, file=file, name=path.name)
    original = Path(settings.MEDIA_ROOT) / image.original.name
    original.write_bytes(path.read_bytes()[:3000])  # damaged on disk after upload
    job = Job.objects.get(image=image)
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the decoder raises
        image_ingest_task(str(image.pk), str(job.pk))
    image.refresh_from_db()
    job.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert image.error
    assert image.ingest_attempts == 1
    assert image.retry_after is not None
    assert job.status == Job.Status.FAILED
    assert job.error
    assert original.exists()


def test_ingest_of_a_deleted_image_does_nothing(user) -> None:
    image_ingest_task("0123456789abcdef01234567")  # no such image: no error


def test_the_task_sent_after_ingest_is_registered_by_that_name() -> None:
    from celery import current_app

    from gallery.ingest import AFTER_INGEST_TASK
    from gallery.services import INGEST_TASK

    current_app.loader.import_default_modules()
    assert {AFTER_INGEST_TASK, INGEST_TASK} <= set(current_app.tasks)


def test_an_image_deleted_while_it_is_ingested_leaves_no_renditions(user, corpus, monkeypatch):
    """F13: the delete ran while the decode did; the task wrote renditions, then failed with
    DatabaseError on the vanished document and left them."""
    from gallery import ingest
    from gallery.services import image_delete

    path = corpus / "exif/gps/DSCN0010.jpg"
    with path.open("rb") as file:
        image, _ = image_create(owner=user, file=file, name=path.name)
    job = Job.objects.get(image=image, kind=Job.Kind.INGEST)
    real = ingest.analyse_image

    def analyse_then_delete(**kwargs):  # noqa: ANN003, ANN202
        analysis = real(**kwargs)
        image_delete(image=Image.objects.get(pk=image.pk))  # the user deletes it meanwhile
        return analysis

    monkeypatch.setattr(ingest, "analyse_image", analyse_then_delete)
    image_ingest_task(str(image.pk), str(job.pk))  # no DatabaseError
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_an_image_past_a_decode_limit_fails_for_good(user, corpus, monkeypatch):
    from gallery import ingest
    from gallery.imaging import ImageRejected

    path = corpus / "exif/gps/DSCN0010.jpg"
    with path.open("rb") as file:
        image, _ = image_create(owner=user, file=file, name=path.name)

    def too_slow(**kwargs):  # noqa: ANN003, ANN202
        raise ImageRejected(
            "the image could not be decoded within the time limit", code="decode_limit"
        )

    monkeypatch.setattr(ingest, "analyse_image", too_slow)
    with pytest.raises(ImageRejected):
        ingest.image_ingest(image=image)
    image.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert "time limit" in image.error
    assert image.ingest_attempts == ingest.MAX_INGEST_ATTEMPTS  # the sweep won't retry it
