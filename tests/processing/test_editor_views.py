"""The editor's views: preview, save, versions (render, restore, delete), presets and batch."""

import base64
import hashlib
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image as Picture

from gallery.models import Image
from gallery.sweeps import orphan_files_find
from jobs.models import Job
from processing.models import Preset, Version
from processing.tasks import version_render_task
from processing.versions import Rendering, edit_render, version_run
from tests.factories import ready_image
from tests.waiting import reloaded, wait_until

pytestmark = pytest.mark.django_db

CROP_LEFT_HALF = [{"op": "crop", "params": {"x": 0, "y": 0, "width": 0.5, "height": 1}}]


@pytest.fixture
def image(user, corpus) -> Image:  # noqa: ANN001
    return ready_image(user, corpus / "exif/gps/DSCN0010.jpg")  # 640 x 480


def _save(client, image: Image, recipe: object, **extra: str):  # noqa: ANN001, ANN202
    data = recipe if isinstance(recipe, str) else json.dumps(recipe)
    url = reverse("processing:editor_save", args=[image.pk])
    return client.post(url, {"recipe": data, **extra}, headers={"HX-Request": "true"})


def _rendered(client, image: Image, recipe: list, **extra: str) -> Version:  # noqa: ANN001
    """Save through the view, then run the render task's body here."""
    assert _save(client, image, recipe, **extra).status_code == 200
    version = Version.objects.filter(image=image).latest("created_at")
    job = Job.objects.get(image=image, kind=Job.Kind.RENDER, status=Job.Status.QUEUED)
    version_render_task(str(version.pk), str(job.pk))
    version.refresh_from_db()
    return version


def _sha256(name: str) -> str:
    return hashlib.sha256((Path(settings.MEDIA_ROOT) / name).read_bytes()).hexdigest()


def test_the_editor_page_lists_the_functions_and_the_controls(user_client, image) -> None:
    body = user_client.get(reverse("processing:editor", args=[image.pk])).content.decode()
    for op in ("crop", "resize", "rotate", "clahe", "stylize", "watermark_text"):
        assert f'data-op="{op}"' in body
    assert 'id="p-crop-width"' in body
    assert 'id="preview-form"' in body


def test_the_preview_is_the_recipe_rendered_as_an_image(user_client, image) -> None:
    url = reverse("processing:editor_preview", args=[image.pk])
    recipe = [*CROP_LEFT_HALF, {"op": "grayscale"}]
    response = user_client.post(url, {"recipe": json.dumps(recipe)})
    assert response.status_code == 200
    uri = re.search(r'src="data:image/jpeg;base64,([^"]+)"', response.content.decode())
    assert uri, response.content.decode()[:500]
    pixels = np.asarray(Picture.open(io.BytesIO(base64.b64decode(uri.group(1)))).convert("RGB"))
    assert pixels.shape == (480, 320, 3)  # the preview of a 640 px image is the whole image
    spread = np.abs(pixels.astype(int) - pixels.mean(axis=2, keepdims=True)).max()
    assert spread <= 8  # grey, up to JPEG noise
    assert not Version.objects.exists()
    assert not Job.objects.filter(kind=Job.Kind.RENDER).exists()


BAD_RECIPES = [
    ([{"op": "brightness", "params": {"amount": 500}}], "amount must be between -100 and 100"),
    ([{"op": "crop", "params": {"x": 0.8, "width": 0.5}}], "the box lies outside the image"),
    (
        [{"op": "resize", "params": {"mode": "pixels", "width": 0, "height": 0}}],
        "give a width, a height or both",
    ),
    (
        [{"op": "resize", "params": {"mode": "percent", "percent": 0}}],
        "percent must be between 1 and 1000",
    ),
    (
        [{"op": "resize", "params": {"mode": "pixels", "width": 100_000}}],
        "over the limit of 100 megapixels",
    ),
    ([{"op": "teleport"}], 'unknown operation "teleport"'),
    ([{"op": "watermark_image", "params": {"overlay": "not-an-id"}}], "not one of your images"),
    ("[{", "not valid JSON"),
    ({"op": "grayscale"}, "a recipe must be a list of steps"),
]


@pytest.mark.parametrize(("recipe", "message"), BAD_RECIPES)
def test_a_bad_recipe_gets_a_clear_message_and_nothing_is_saved(
    user_client, image, recipe, message
) -> None:
    data = recipe if isinstance(recipe, str) else json.dumps(recipe)
    preview = user_client.post(
        reverse("processing:editor_preview", args=[image.pk]), {"recipe": data}
    )
    saved = _save(user_client, image, recipe, preset_name="Should not exist")
    for response in (preview, saved):
        assert response.status_code == 200
        body = response.content.decode()
        assert 'role="alert"' in body
        assert message in body.replace("&quot;", '"'), body
    assert not Version.objects.exists()
    assert not Preset.objects.exists()
    assert not Job.objects.filter(kind=Job.Kind.RENDER).exists()


def test_a_watermark_picture_must_be_one_of_your_own(user_client, image, other_user, corpus):
    theirs = ready_image(other_user, corpus / "exif/gps/DSCN0012.jpg")
    url = reverse("processing:editor_preview", args=[image.pk])
    for overlay, expected in ((theirs.pk, "not one of your images"), (image.pk, "data:image")):
        recipe = [{"op": "watermark_image", "params": {"overlay": str(overlay)}}]
        assert expected in user_client.post(url, {"recipe": json.dumps(recipe)}).content.decode()


def test_saving_an_empty_recipe_is_refused(user_client, image) -> None:
    body = _save(user_client, image, []).content.decode()
    assert "Apply at least one step" in body
    assert not Version.objects.exists()


def test_saving_creates_a_pending_version_and_a_job(user_client, image) -> None:
    response = _save(user_client, image, CROP_LEFT_HALF)
    version = Version.objects.get(image=image)
    assert version.status == Version.Status.PENDING
    assert version.owner_id == image.owner_id
    assert version.recipe == CROP_LEFT_HALF
    assert f"version-{version.pk}" in response.content.decode()  # its row polls the status
    job = Job.objects.get(image=image, kind=Job.Kind.RENDER)
    assert job.status == Job.Status.QUEUED


def test_the_render_task_edits_the_full_original_and_never_changes_it(user_client, image) -> None:
    before = _sha256(image.original.name)
    version = _rendered(user_client, image, CROP_LEFT_HALF)
    assert version.status == Version.Status.READY, version.error
    assert version.file.name.startswith(f"{image.owner_id}/versions/")
    with Picture.open(Path(settings.MEDIA_ROOT) / version.file.name) as output:
        assert output.size == (320, 480)
    assert (version.width, version.height) == (320, 480)
    assert version.processing_ms is not None
    assert version.size_bytes > 0
    assert _sha256(image.original.name) == before
    assert Job.objects.get(kind=Job.Kind.RENDER).status == Job.Status.SUCCEEDED
    status = user_client.get(reverse("processing:version_status", args=[version.pk]))
    assert "every 2s" not in status.content.decode()
    assert "Ready" in status.content.decode()
    response = user_client.get(reverse("processing:version_file", args=[version.pk, "file"]))
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_restoring_makes_a_version_current_and_the_original_comes_back(user_client, image) -> None:
    version = _rendered(user_client, image, CROP_LEFT_HALF)
    response = user_client.post(
        reverse("processing:version_restore", args=[version.pk]), follow=True
    )
    assert "is now the current version" in response.content.decode()
    image.refresh_from_db()
    assert image.current_version_id == version.pk
    panel = user_client.get(reverse("processing:image_panel", args=[image.pk])).content.decode()
    row = re.search(rf'id="version-{version.pk}".*?</li>', panel, re.S)
    assert row
    assert "Current" in row.group(0)
    editor = user_client.get(reverse("processing:editor", args=[image.pk])).content.decode()
    assert '"op": "crop"' in editor  # the editor starts from the current version's recipe

    response = user_client.post(
        reverse("processing:original_restore", args=[image.pk]), follow=True
    )
    assert "The original is the current version again" in response.content.decode()
    image.refresh_from_db()
    assert image.current_version is None


def test_a_pending_version_cannot_be_made_current(user_client, image) -> None:
    _save(user_client, image, CROP_LEFT_HALF)
    version = Version.objects.get(image=image)
    response = user_client.post(
        reverse("processing:version_restore", args=[version.pk]), follow=True
    )
    assert "not ready" in response.content.decode()
    image.refresh_from_db()
    assert image.current_version is None


def test_deleting_a_version_removes_its_file_and_leaves_no_orphan(user_client, image) -> None:
    version = _rendered(user_client, image, CROP_LEFT_HALF)
    user_client.post(reverse("processing:version_restore", args=[version.pk]))
    path = Path(settings.MEDIA_ROOT) / version.file.name
    assert path.exists()
    response = user_client.post(reverse("processing:version_delete", args=[version.pk]))
    assert response.status_code == 302
    assert not path.exists()
    assert not Version.objects.exists()
    image.refresh_from_db()
    assert image.current_version is None
    assert orphan_files_find(grace=timedelta(0)) == []
    assert (Path(settings.MEDIA_ROOT) / image.original.name).exists()


def test_a_version_deleted_while_it_rendered_stays_deleted(user_client, image) -> None:
    _save(user_client, image, CROP_LEFT_HALF)
    version = Version.objects.get(image=image)

    def render_then_lose(version: Version) -> Rendering:
        rendering = edit_render(version)
        Version.objects.filter(pk=version.pk).delete()  # the owner deletes it meanwhile
        return rendering

    assert version_run(version_id=str(version.pk), render=render_then_lose) == version
    assert not Version.objects.exists()
    assert orphan_files_find(grace=timedelta(0)) == []


def test_the_compare_link_opens_the_editor_on_that_version(user_client, image) -> None:
    version = _rendered(user_client, image, [{"op": "sepia"}])
    url = reverse("processing:editor", args=[image.pk])
    body = user_client.get(url, {"compare": str(version.pk)}).content.decode()
    assert '"op": "sepia"' in body
    assert 'data-compare="true"' in body


def test_a_preset_is_kept_and_batch_applies_it_to_the_selected_images(
    user_client, user, image, corpus
) -> None:
    second = ready_image(user, corpus / "exif/gps/DSCN0012.jpg")
    _save(user_client, image, CROP_LEFT_HALF, preset_name="Left half")
    preset = Preset.objects.get(owner=user)
    assert preset.name == "Left half"
    assert preset.recipe == CROP_LEFT_HALF

    url = reverse("processing:batch")
    choose = user_client.post(url, {"ids": [str(image.pk), str(second.pk)]}).content.decode()
    assert "2 images selected" in choose
    assert "Left half" in choose
    response = user_client.post(url, {"ids": [str(image.pk), str(second.pk)], "preset": preset.pk})
    assert response.status_code == 200
    assert Version.objects.filter(image=second).count() == 1
    assert Version.objects.filter(image=image).count() == 2  # the save above, and the batch
    assert Job.objects.filter(kind=Job.Kind.RENDER).count() == 3
    body = response.content.decode()
    assert body.count("every 2s") == 2  # each row shows its progress...
    assert body.count("?show_image=1") == 2  # ...under the name of its image
    assert "DSCN0012" in body


def test_another_user_gets_404_on_every_version_url(client, user_client, image, other_user) -> None:
    version = _rendered(user_client, image, CROP_LEFT_HALF)
    client.force_login(other_user)
    urls = [
        ("get", reverse("processing:version_status", args=[version.pk])),
        ("get", reverse("processing:version_file", args=[version.pk, "file"])),
        ("get", reverse("processing:version_file", args=[version.pk, "file"]) + "?download=1"),
        ("post", reverse("processing:version_restore", args=[version.pk])),
        ("post", reverse("processing:version_delete", args=[version.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    assert Version.objects.filter(pk=version.pk).exists()
    assert (Path(settings.MEDIA_ROOT) / version.file.name).exists()


def test_nobody_can_batch_someone_elses_images(client, user, image, other_user) -> None:
    victims_preset = Preset.objects.create(owner=user, name="Mine", recipe=CROP_LEFT_HALF)
    own_preset = Preset.objects.create(owner=other_user, name="Theirs", recipe=CROP_LEFT_HALF)
    client.force_login(other_user)
    url = reverse("processing:batch")
    for preset in (victims_preset, own_preset):
        response = client.post(url, {"ids": [str(image.pk)], "preset": str(preset.pk)})
        assert response.status_code == 302
    assert not Version.objects.exists()


@pytest.mark.slow
def test_a_recipe_round_trips_through_the_view_the_worker_and_storage(
    celery_worker_process, user_client, image
) -> None:
    before = _sha256(image.original.name)
    recipe = [*CROP_LEFT_HALF, {"op": "rotate", "params": {"angle": 90}}]
    _save(user_client, image, recipe)
    version = Version.objects.get(image=image)
    wait_until(lambda: not reloaded(version).is_pending, timeout=60)
    assert version.status == Version.Status.READY, version.error
    with Picture.open(Path(settings.MEDIA_ROOT) / version.file.name) as output:
        assert output.size == (480, 320)  # left half, then a quarter turn
    assert _sha256(image.original.name) == before
    job = Job.objects.get(kind=Job.Kind.RENDER)
    assert job.status == Job.Status.SUCCEEDED
    assert job.duration_ms is not None
    response = user_client.get(reverse("processing:version_file", args=[version.pk, "file"]))
    assert response.status_code == 200
