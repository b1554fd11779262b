"""Faces, privacy blur, click-to-choose and the mask brush through the Django side, with the
real weights installed from ../shared/models."""

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from gallery.models import Image
from jobs.models import Job
from processing.models import Version
from processing.tasks import background_remove_task, faces_hide_task, image_recognise_task
from processing.versions import encode_pixels
from tests.factories import UserFactory, ready_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


def recognised(user, corpus: Path, stem: str) -> Image:  # noqa: ANN001
    image = ready_image(user, corpus / f"coco128/images/train2017/{stem}.jpg")
    job = Job.objects.filter(image=image, kind=Job.Kind.RECOGNISE).latest("queued_at")
    image_recognise_task(str(image.pk), str(job.pk))
    image.refresh_from_db()
    return image


def render_latest(task, image: Image) -> Version:  # noqa: ANN001
    version = Version.objects.filter(image=image).latest("created_at")
    job = Job.objects.filter(image=image).latest("queued_at")
    task(str(version.pk), str(job.pk))
    version.refresh_from_db()
    assert version.status == Version.Status.READY, version.error
    return version


def pixels(name: str) -> np.ndarray:
    with PILImage.open(Path(settings.MEDIA_ROOT) / name) as file:
        return np.asarray(file)


def test_faces_are_counted_searchable_and_shown(client, user, corpus, installed_models) -> None:
    crowd = recognised(user, corpus, "000000000395")  # 8 faces at the default threshold
    zebra = recognised(user, corpus, "000000000034")
    assert 6 <= crowd.face_count <= 10
    assert len(crowd.faces) == crowd.face_count
    assert zebra.face_count == 0
    client.force_login(user)
    gallery = reverse("gallery:gallery")

    def found(**query: str) -> set[str]:
        body = client.get(gallery, query).content.decode()
        return {
            name
            for name, image in (("crowd", crowd), ("zebra", zebra))
            if f"image-{image.pk}" in body
        }

    assert found(faces="any") == {"crowd"}
    assert found(faces="0") == {"zebra"}
    assert found(q="faces:any") == {"crowd"}
    assert found(q="faces:none") == {"zebra"}
    assert found(q=f"faces:{crowd.face_count}") == {"crowd"}
    detail = client.get(reverse("gallery:image_detail", args=[crowd.pk])).content.decode()
    assert detail.count('class="box face"') == crowd.face_count
    panel = client.get(reverse("processing:image_panel", args=[crowd.pk])).content.decode()
    assert "Hide the faces" in panel


def test_hiding_chosen_faces_makes_a_version_changed_only_there(
    client, user, corpus, installed_models
) -> None:
    image = recognised(user, corpus, "000000000395")
    client.force_login(user)
    response = client.post(
        reverse("processing:hide_faces", args=[image.pk]), {"how": "pixelate", "faces": ["0", "1"]}
    )
    assert response.status_code == 302
    version = render_latest(faces_hide_task, image)
    assert version.kind == Version.Kind.FACES_HIDDEN
    assert version.options["faces"] == [0, 1]
    assert version.label.startswith("Pixelated: 2 of the faces")
    original = pixels(image.original.name)
    output = pixels(version.file.name).astype(int)
    # the version is a new JPEG: compare with the original encoded the same way
    reencoded, _ = encode_pixels(original)
    original = np.asarray(PILImage.open(io.BytesIO(reencoded))).astype(int)
    assert output.shape == original.shape
    height, width = original.shape[:2]
    inside = np.zeros((height, width), dtype=bool)
    for face in image.faces[:2]:
        x0, y0, x1, y1 = face.box
        dx, dy = (x1 - x0) * 0.2, (y1 - y0) * 0.2
        inside[
            max(0, int((y0 - dy) * height)) : int((y1 + dy) * height) + 2,
            max(0, int((x0 - dx) * width)) : int((x1 + dx) * width) + 2,
        ] = True
    changed = np.abs(output - original).max(axis=2) > 12  # JPEG noise aside
    assert changed[inside].mean() > 0.1
    near = cv2.dilate(inside.astype(np.uint8), np.ones((17, 17), np.uint8)) > 0  # 8x8 blocks
    assert not changed[~near].any()


def test_hiding_faces_is_refused_without_faces_and_for_another_user(
    client, user, corpus, installed_models
) -> None:
    zebra = recognised(user, corpus, "000000000034")
    client.force_login(user)
    response = client.post(
        reverse("processing:hide_faces", args=[zebra.pk]), {"how": "blur"}, follow=True
    )
    assert "No faces were found" in response.content.decode()
    client.force_login(UserFactory())
    assert (
        client.post(reverse("processing:hide_faces", args=[zebra.pk]), {"how": "blur"}).status_code
        == 404
    )
    assert not Version.objects.exists()


def test_a_click_chooses_the_subject_and_the_brush_touches_up_the_mask(
    client, user, corpus, installed_models
) -> None:
    image = recognised(user, corpus, "000000000036")  # the woman with the umbrella
    client.force_login(user)
    client.post(
        reverse("processing:remove_background", args=[image.pk]),
        {"method": "auto", "mode": "transparent", "color": "#ffffff", "point": "0.62,0.85"},
    )
    first = render_latest(background_remove_task, image)
    assert first.options["point"] == [0.62, 0.85]
    assert first.options["subject"] == "person"
    page = client.get(reverse("processing:mask_touchup", args=[first.pk])).content.decode()
    assert 'id="mask-canvas"' in page
    # the brush's PNG: its alpha is the mask (here: the left half only)
    mask = pixels(first.mask.name)
    drawn = np.zeros((*mask.shape, 4), np.uint8)
    drawn[:, : mask.shape[1] // 2, 3] = 255
    png = cv2.imencode(".png", drawn)[1].tobytes()
    save = reverse("processing:mask_touchup_save", args=[first.pk])
    assert client.post(save, {"mask": SimpleUploadedFile("m.png", png)}).status_code == 302
    second = render_latest(background_remove_task, image)
    assert second.options["mask_edited"] is True
    assert second.label.endswith("(mask touched up)")
    alpha = pixels(second.file.name)[:, :, 3]
    half = alpha.shape[1] // 2
    assert alpha[:, : half - 4].min() == 255
    assert alpha[:, half + 4 :].max() == 0
    bad = client.post(save, {"mask": SimpleUploadedFile("m.png", b"not a png")}, follow=True)
    assert "must be a PNG" in bad.content.decode()
    client.force_login(UserFactory())
    assert client.get(reverse("processing:mask_touchup", args=[first.pk])).status_code == 404
    assert client.post(save, {"mask": SimpleUploadedFile("m.png", png)}).status_code == 404
    assert Version.objects.count() == 2


def test_portrait_mode_blurs_the_background(client, user, corpus, installed_models) -> None:
    image = recognised(user, corpus, "000000000036")
    client.force_login(user)
    client.post(
        reverse("processing:remove_background", args=[image.pk]),
        {"method": "auto", "mode": "portrait", "strength": "0.8", "color": "#ffffff"},
    )
    version = render_latest(background_remove_task, image)
    assert version.label == "Portrait blur"
    assert version.file.name.endswith(".jpg")
    mask = pixels(version.mask.name) / 255.0
    output = cv2.cvtColor(pixels(version.file.name), cv2.COLOR_RGB2GRAY)
    original = cv2.resize(
        cv2.cvtColor(pixels(image.original.name), cv2.COLOR_RGB2GRAY), output.shape[::-1]
    )
    edges = [np.abs(cv2.Laplacian(x, cv2.CV_32F)) for x in (original, output)]
    background = mask < 0.02
    assert edges[1][background].mean() < 0.5 * edges[0][background].mean()
    subject = mask > 0.98
    assert edges[1][subject].mean() > 0.7 * edges[0][subject].mean()
