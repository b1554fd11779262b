"""Pickers instead of typed ids: the dialog lists the user's own images (thumbnails, search), and
a form refuses another user's image at submit with a message, before anything is queued."""

import pytest
from django.urls import reverse

from jobs.models import Job
from processing.models import Version
from tests.factories import ready_image

pytestmark = pytest.mark.django_db

CANON = "exif/camera/Canon_PowerShot_S40.jpg"
GIRAFFE = "coco128/images/train2017/000000000025.jpg"


@pytest.fixture
def images(user, other_user, corpus):  # noqa: ANN001, ANN201
    return {
        "canon": ready_image(user, corpus / CANON),
        "giraffe": ready_image(user, corpus / GIRAFFE),
        "theirs": ready_image(other_user, corpus / GIRAFFE),
    }


def _picker(client, **query: str) -> str:  # noqa: ANN001
    response = client.get(reverse("gallery:image_picker"), query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_lists_only_your_own_images_with_thumbnails(user_client, images):
    body = _picker(user_client, field="id_style_image_id")
    for name in ("canon", "giraffe"):
        image = images[name]
        assert f'data-pick="{image.pk}"' in body
        assert reverse("gallery:image_file", args=[image.pk, "thumb"]) in body
    assert str(images["theirs"].pk) not in body
    assert 'data-picker-for="id_style_image_id"' in body
    assert 'type="search"' in body


def test_the_picker_searches_through_the_gallerys_terms(user_client, images):
    body = _picker(user_client, field="id_style_image_id", q="canon")
    assert str(images["canon"].pk) in body
    assert str(images["giraffe"].pk) not in body
    assert 'id="picker-results"' in body
    assert "Choose one of your images" not in body  # only the results are swapped
    assert "No image matches" in _picker(user_client, field="f", q="zebraxyz")


def test_the_picker_wants_a_field_id_and_a_signed_in_user(user_client, images):
    url = reverse("gallery:image_picker")
    assert user_client.get(url, {"field": '"><script>'}).status_code == 404
    user_client.logout()
    assert user_client.get(url, {"field": "x"}).status_code == 302  # to the login page


def test_every_image_field_is_a_picker(user_client, images, installed_models):
    image = images["canon"]
    panel = user_client.get(reverse("processing:image_panel", args=[image.pk])).content.decode()
    for field in ("id_style_image_id", "id_background_id"):
        assert f"{reverse('gallery:image_picker')}?field={field}" in panel
        assert f'type="hidden" name="{field[3:]}"' in panel
    assert "24-character" not in panel
    assert "Id of one of" not in panel
    editor = user_client.get(reverse("processing:editor", args=[image.pk])).content.decode()
    assert f"{reverse('gallery:image_picker')}?field=p-watermark_image-overlay" in editor


def test_another_users_style_image_is_refused_at_submit(user_client, images, installed_models):
    image, theirs = images["canon"], images["theirs"]
    response = user_client.post(
        reverse("processing:stylise", args=[image.pk]),
        {"style_image_id": str(theirs.pk), "strength": "1"},
        follow=True,
    )
    assert "That image is not one of your images." in response.content.decode()
    assert not Version.objects.exists()
    assert not Job.objects.filter(kind=Job.Kind.STYLISE).exists()


def test_another_users_background_image_is_refused_at_submit(user_client, images):
    image, theirs = images["canon"], images["theirs"]
    response = user_client.post(
        reverse("processing:remove_background", args=[image.pk]),
        {"method": "grabcut", "mode": "image", "background_id": str(theirs.pk)},
        follow=True,
    )
    assert "That image is not one of your images." in response.content.decode()
    assert not Version.objects.exists()


def test_your_own_image_as_the_style_is_queued(user_client, images, installed_models):
    image, own = images["canon"], images["giraffe"]
    user_client.post(
        reverse("processing:stylise", args=[image.pk]),
        {"style_image_id": str(own.pk), "strength": "0.7"},
    )
    version = Version.objects.get(image=image)
    assert version.options["style_image_id"] == str(own.pk)
    assert version.label == f"In the style of {own.display_name}"
