"""The editor in headless Chromium: draw a crop box, apply it, undo and redo, save, and find the
version rendered by the worker; screenshots at desktop and phone sizes."""

import shutil
import tempfile
from pathlib import Path

import pytest

from gallery.models import Image
from gallery.services import image_create
from processing.models import Version
from tests.waiting import page_wait, reloaded, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(tempfile.gettempdir())  # copies to look at; the originals stay in tmp_path


def _screenshot(page, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    path = tmp_path / f"editor-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copy(path, SCREENSHOTS / path.name)


def _ready_image(owner, path: Path) -> Image:  # noqa: ANN001
    """Uploaded as the view would; the worker ingests it."""
    with path.open("rb") as file:
        image, _ = image_create(owner=owner, file=file, name=path.name)
    wait_until(lambda: reloaded(image).status == Image.Status.READY, timeout=60)
    assert image.status == Image.Status.READY, image.error
    return image


def _crop_fields(page) -> dict[str, float]:  # noqa: ANN001
    return {
        name: float(page.input_value(f"#p-crop-{name}")) for name in ("x", "y", "width", "height")
    }


def _steps(page) -> int:  # noqa: ANN001
    return page.locator("#steps li").count()


def test_draw_a_crop_box_apply_undo_redo_and_save(
    celery_worker_process, signed_in_page, corpus, tmp_path
) -> None:
    page = signed_in_page
    image = _ready_image(page.user, corpus / "exif/gps/DSCN0010.jpg")  # 640 x 480
    page.goto(f"/images/{image.pk}/edit/")
    _screenshot(page, tmp_path, "desktop")

    # Keyboard: the functions are buttons in tab order; Enter opens one's controls, and the
    # preview follows the controls (a bad value gets a message in its place).
    page.focus(".tool[data-op=sepia]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.op") == "invert"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.is_visible("#p-sepia-strength")
    assert page_wait(page, "document.querySelector('#editor-result').src.startsWith('data:')")
    page.fill("#p-sepia-strength", "500")
    assert "strength must be between 0 and 100" in page.text_content("#preview [role=alert]")
    page.fill("#p-sepia-strength", "60")
    page.wait_for_selector("#editor-result")

    page.click(".tool[data-op=crop]")
    assert page.is_visible("#crop-box")
    assert page.is_visible("#p-crop-width")
    assert _crop_fields(page) == {"x": 0, "y": 0, "width": 1, "height": 1}
    box = page.locator("#editor-result").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=8)
    page.mouse.up()
    fields = _crop_fields(page)
    assert fields["x"] == pytest.approx(0.25, abs=0.01)
    assert fields["width"] == pytest.approx(0.5, abs=0.01)
    _screenshot(page, tmp_path, "crop-drawn")

    page.click("text=Apply crop")
    assert _steps(page) == 1
    assert page_wait(  # the preview is now the cropped picture, rendered by the server
        page, "document.querySelector('#editor-result').src.startsWith('data:image/jpeg')"
    )
    assert page_wait(page, "document.querySelector('#editor-result').naturalWidth < 400")

    page.keyboard.press("Control+z")
    assert _steps(page) == 0
    page.keyboard.press("Control+y")
    assert _steps(page) == 1
    _screenshot(page, tmp_path, "cropped")

    page.click("text=Save as new version")
    page.wait_for_selector("#save-result .badge.ready", timeout=30_000)
    version = Version.objects.get(image=image)
    params = version.recipe[0]["params"]
    left, right = round(params["x"] * 640), round((params["x"] + params["width"]) * 640)
    top, bottom = round(params["y"] * 480), round((params["y"] + params["height"]) * 480)
    assert (version.width, version.height) == (right - left, bottom - top)
    assert version.width == pytest.approx(320, abs=8)
    _screenshot(page, tmp_path, "saved")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/images/{image.pk}/edit/")
    page.click(".tool[data-op=crop]")
    _screenshot(page, tmp_path, "phone")
    tools = page.locator(".editor-tools").bounding_box()
    stage = page.locator("#stage").bounding_box()
    assert stage["width"] <= 390
    assert tools["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
