"""Recognition, background removal and style transfer through the Django side, with the real
weights installed from ../shared/models."""

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from gallery.models import Image
from jobs.models import Job
from processing.deep import RECOGNITION_STALE_AFTER, recognise_enqueue
from processing.models import Version
from processing.tasks import (
    background_remove_task,
    image_recognise_task,
    stylise_task,
)
from tests.factories import UserFactory, ready_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


def _run_job(task, kind: str, image: Image) -> None:  # noqa: ANN001
    job = Job.objects.filter(image=image, kind=kind).latest("queued_at")
    argument = (
        str(image.pk)
        if kind == Job.Kind.RECOGNISE
        else str(Version.objects.filter(image=image).latest("created_at").pk)
    )
    task(argument, str(job.pk))


def test_ingest_queues_recognition_and_labels_are_searchable(
    client, user, corpus, installed_models
) -> None:
    image = ready_image(user, corpus / "coco128/images/train2017/000000000009.jpg")
    assert Job.objects.filter(image=image, kind=Job.Kind.RECOGNISE).exists()
    _run_job(image_recognise_task, Job.Kind.RECOGNISE, image)
    image.refresh_from_db()
    assert image.recognised_at is not None
    assert image.recognition_model
    assert {"bowl", "broccoli"} & set(image.labels)
    for detection in image.detections:
        x0, y0, x1, y1 = detection.box
        assert 0 <= x0 < x1 <= 1
        assert 0 <= y0 < y1 <= 1
        assert detection.score >= 0.3
    client.force_login(user)
    label = image.labels[0]
    body = client.get(reverse("gallery:gallery"), {"label": label}).content.decode()
    assert f"image-{image.pk}" in body
    assert (
        f"image-{image.pk}" in client.get(reverse("gallery:gallery"), {"q": label}).content.decode()
    )
    detail = client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert "Show objects" in detail
    assert label in detail


def test_recognition_is_queued_once_until_its_claim_goes_stale(
    user, corpus, installed_models
) -> None:
    image = ready_image(user, corpus / "coco128/images/train2017/000000000009.jpg")
    queued = Job.objects.filter(image=image, kind=Job.Kind.RECOGNISE)
    assert queued.count() == 1  # by the ingest
    assert recognise_enqueue(image=image) is None
    Image.objects.filter(pk=image.pk).update(
        recognition_queued_at=timezone.now() - RECOGNITION_STALE_AFTER - timedelta(seconds=1)
    )
    assert recognise_enqueue(image=image) is not None
    assert recognise_enqueue(image=image) is None
    assert recognise_enqueue(image=image, force=True) is not None
    assert queued.count() == 3


def test_background_removal_makes_a_transparent_png_and_its_mask(
    client, user, corpus, installed_models
) -> None:
    image = ready_image(user, corpus / "coco128/images/train2017/000000000034.jpg")  # a zebra
    client.force_login(user)
    client.post(
        reverse("processing:remove_background", args=[image.pk]),
        {"method": "auto", "mode": "transparent", "color": "#ffffff"},
    )
    _run_job(background_remove_task, Job.Kind.REMOVE_BACKGROUND, image)
    version = Version.objects.get(image=image)
    assert version.status == Version.Status.READY, version.error
    assert version.kind == Version.Kind.BACKGROUND_REMOVED
    assert version.file.name.endswith(".png")
    with PILImage.open(Path(settings.MEDIA_ROOT) / version.file.name) as output:
        alpha = np.asarray(output.getchannel("A"))
    assert output.mode == "RGBA"
    assert (output.width, output.height) == (image.width, image.height)
    assert 0.05 < (alpha > 127).mean() < 0.95  # a subject kept, a background removed
    assert ((alpha > 0) & (alpha < 255)).any()  # soft edges
    assert version.mask.name
    assert version.options["method_used"]  # which candidate mask won (salient, grabcut...)


def test_style_transfer_makes_a_stylised_version(client, user, corpus, installed_models) -> None:
    from processing.stylise import style_choices

    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    artwork = style_choices()[0][0]
    client.force_login(user)
    client.post(
        reverse("processing:stylise", args=[image.pk]), {"artwork": artwork, "strength": "0.8"}
    )
    _run_job(stylise_task, Job.Kind.STYLISE, image)
    version = Version.objects.get(image=image)
    assert version.status == Version.Status.READY, version.error
    assert version.label.startswith("In the style of")
    assert version.options["strength"] == 0.8
    assert max(version.width, version.height) <= 1600


def test_without_models_the_page_says_so_and_grabcut_still_works(
    client, user, corpus, settings, tmp_path
) -> None:
    settings.MODEL_DIR = tmp_path / "empty"
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    assert not Job.objects.filter(image=image, kind=Job.Kind.RECOGNISE).exists()
    client.force_login(user)
    body = client.get(reverse("processing:image_panel", args=[image.pk])).content.decode()
    assert "not available" in body
    assert "not installed yet, ask the administrator" in body
    assert str(tmp_path) not in body  # no server path for a user who is not staff
    assert "models install" not in body
    staff = UserFactory(is_staff=True)
    staff_image = ready_image(staff, corpus / "exif/gps/DSCN0010.jpg")
    client.force_login(staff)
    body = client.get(reverse("processing:image_panel", args=[staff_image.pk])).content.decode()
    assert str(tmp_path / "empty") in body  # staff are told where it is missing
    assert "models install" in body
    client.force_login(user)
    client.post(
        reverse("processing:remove_background", args=[image.pk]),
        {"method": "auto", "mode": "color", "color": "#00ff00"},
    )
    _run_job(background_remove_task, Job.Kind.REMOVE_BACKGROUND, image)
    version = Version.objects.get(image=image)
    assert version.status == Version.Status.READY, version.error
    assert version.options["method_used"] == "grabcut"
    assert version.file.name.endswith(".jpg")


def test_another_users_image_cannot_be_processed(client, user, corpus, installed_models) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    client.force_login(UserFactory())
    for name in ("processing:recognise", "processing:remove_background", "processing:stylise"):
        assert (
            client.post(reverse(name, args=[image.pk]), {"mode": "transparent"}).status_code == 404
        )
    assert not Version.objects.exists()
