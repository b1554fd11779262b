"""Style transfer in headless Chromium: pick one of your images in the picker dialog, then an
artwork from the gallery of thumbnails instead, apply it, and find the version the real worker
painted."""

import shutil
import tempfile
from pathlib import Path

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from gallery.services import image_create
from processing.models import Version
from tests.waiting import page_wait, reloaded, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _ready_image(owner, path: Path) -> Image:  # noqa: ANN001
    with path.open("rb") as file:
        image, _ = image_create(owner=owner, file=file, name=path.name)
    wait_until(lambda: reloaded(image).status == Image.Status.READY, timeout=90)
    assert image.status == Image.Status.READY, image.error
    return image


def test_choose_an_artwork_from_the_gallery_and_get_a_stylised_version(
    celery_worker_process, installed_models, signed_in_page, corpus, tmp_path
) -> None:
    page = signed_in_page
    image = _ready_image(page.user, corpus / "coco128/images/train2017/000000000036.jpg")
    other = _ready_image(page.user, corpus / "coco128/images/train2017/000000000025.jpg")
    page.goto(f"/images/{image.pk}/")
    page.wait_for_selector("form.style-form", state="attached", timeout=30_000)
    page.click("summary:has-text('Style of a famous artwork')")

    # the picker dialog: thumbnails of the user's images; choosing one fills the hidden field
    page.click("form.style-form [data-picker-open]")
    page.wait_for_selector("#picker-dialog[open] [data-pick]", timeout=15_000)
    assert page.locator(f"#picker-dialog [data-pick='{image.pk}']").count() == 1
    page.click(f"#picker-dialog [data-pick='{other.pk}']")
    assert page.input_value("#id_style_image_id") == str(other.pk)
    assert not page.is_visible("#picker-dialog")
    assert page.is_visible("form.style-form [data-picker-thumb]")
    page.click("form.style-form [data-picker-clear]")
    assert page.input_value("#id_style_image_id") == ""

    # the artwork gallery: every thumbnail loads; The Starry Night is chosen by its picture
    assert page_wait(
        page,
        "[...document.querySelectorAll('.artwork img')].every(i => i.complete && i.naturalWidth > 0)",
    )
    assert page.locator(".artwork").count() >= 10
    page.click(".artwork:has-text('The Starry Night') img")
    assert page.is_checked("input[name=artwork][value=starry_night]")
    shutil.copy(_shot(page, tmp_path, "style-form"), Path(tempfile.gettempdir()) / "style-form.png")
    page.click("form.style-form button[type=submit]")
    page.wait_for_selector("text=Style transfer queued")

    version = Version.objects.get(image=image)
    wait_until(lambda: not reloaded(version).is_pending, timeout=180)
    assert version.status == Version.Status.READY, version.error
    assert version.label.startswith("In the style of The Starry Night")
    page.reload()
    page.wait_for_selector(f"#version-{version.pk} >> text=View", timeout=30_000)
    response = page.request.get(f"/versions/{version.pk}/file/file/")
    assert response.status == 200
    result = tmp_path / "result.jpg"
    result.write_bytes(response.body())
    with PILImage.open(result) as painted:
        assert painted.size == (image.width, image.height)


def _shot(page, tmp_path: Path, name: str) -> Path:  # noqa: ANN001
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
