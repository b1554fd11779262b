"""What the user made current is what the gallery and the viewer show: the version's own
thumbnail and preview (made from its file, kept, removed with it), its shape in the grid;
"Make current" is not offered on the version that already is."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image as PILImage

from gallery.models import Image
from gallery.sweeps import orphan_files_find
from processing.models import Version
from processing.recipes import recipe_validate
from processing.versions import (
    edit_create,
    edit_render,
    version_delete,
    version_rendition_name,
    version_restore,
    version_run,
)
from tests.factories import ready_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def cropped(user, corpus, redis_url) -> Version:  # noqa: ANN001
    """A ready edit that crops the 640 x 480 picture to a 320 x 480 portrait, made current."""
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    steps = recipe_validate([{"op": "crop", "params": {"x": 0, "y": 0, "width": 0.5, "height": 1}}])
    version = edit_create(image=image, steps=steps)
    version_run(version_id=str(version.pk), render=edit_render)
    version.refresh_from_db()
    version_restore(version=version, image=image)
    return version


def _served(response) -> PILImage.Image:  # noqa: ANN001
    return PILImage.open(io.BytesIO(b"".join(response.streaming_content)))


def test_the_grid_shows_the_current_versions_thumbnail_and_shape(user_client, cropped) -> None:
    body = user_client.get(reverse("gallery:gallery")).content.decode()
    thumb = reverse("processing:version_file", args=[cropped.pk, "thumb"])
    assert f'src="{thumb}"' in body
    assert reverse("gallery:image_file", args=[cropped.image_id, "thumb"]) not in body
    assert f"--w:{cropped.width};--h:{cropped.height}" in body
    assert (cropped.width, cropped.height) == (320, 480)
    served = _served(user_client.get(thumb))
    assert served.format == "WEBP"
    assert served.size[1] > served.size[0]  # the portrait crop, not the landscape original
    name = version_rendition_name(version=cropped, size="thumb")
    assert (Path(settings.MEDIA_ROOT) / name).is_file()  # kept for the next request
    assert name not in orphan_files_find(grace=timedelta(0))


def test_the_viewer_shows_the_current_version(user_client, cropped) -> None:
    url = reverse("gallery:image_viewer", args=[cropped.image_id])
    item = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
    preview = reverse("processing:version_file", args=[cropped.pk, "preview"])
    assert f'data-src="{preview}"' in item
    assert 'data-width="320" data-height="480"' in item
    assert _served(user_client.get(preview)).size == (320, 480)  # never enlarged


def test_a_version_that_is_no_longer_current_leaves_the_grid(user_client, cropped) -> None:
    version_restore(version=None, image=Image.objects.get(pk=cropped.image_id))
    body = user_client.get(reverse("gallery:gallery")).content.decode()
    assert reverse("processing:version_file", args=[cropped.pk, "thumb"]) not in body
    assert reverse("gallery:image_file", args=[cropped.image_id, "thumb"]) in body


def test_another_user_gets_no_version_thumbnail(client, other_user, cropped) -> None:
    client.force_login(other_user)
    for kind in ("thumb", "preview"):
        url = reverse("processing:version_file", args=[cropped.pk, kind])
        assert client.get(url).status_code == 404


def test_deleting_the_version_removes_its_renditions(user_client, cropped) -> None:
    user_client.get(reverse("processing:version_file", args=[cropped.pk, "thumb"]))
    path = Path(settings.MEDIA_ROOT) / version_rendition_name(version=cropped, size="thumb")
    assert path.is_file()
    version_delete(version=cropped)
    assert not path.exists()


def test_make_current_is_offered_on_every_version_but_the_current_one(user_client, cropped) -> None:
    image = Image.objects.get(pk=cropped.image_id)
    other = edit_create(image=image, steps=recipe_validate([{"op": "sepia"}]))
    version_run(version_id=str(other.pk), render=edit_render)
    panel = user_client.get(
        reverse("processing:image_panel", args=[image.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    rows = {
        version.pk: panel.split(f'id="version-{version.pk}"', 1)[1].split("</li>", 1)[0]
        for version in (cropped, other)
    }
    assert "Make current" not in rows[cropped.pk]
    assert "Current</span>" in rows[cropped.pk]
    assert "Make current" in rows[other.pk]
    assert reverse("processing:original_restore", args=[image.pk]) in panel  # the original's
