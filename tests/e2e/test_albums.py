"""Albums and the trash as a person uses them, in headless Chromium: a shift-click range added
to an album and taken out again, images moved to the trash and restored; screenshots of the
album page and the trash in /tmp/shots-albums/."""

import os
import shutil
from pathlib import Path

import pytest

from gallery.models import Album, Image
from tests.factories import ready_image

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-albums"))  # noqa: S108 - copies to look at
NAMES = ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg", "DSCN0027.jpg"]


def _shot(page, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _library(owner, corpus: Path, count: int = len(NAMES)) -> list[Image]:  # noqa: ANN001
    return [ready_image(owner, corpus / "exif/gps" / name) for name in NAMES[:count]]


def _boxes(page):  # noqa: ANN001, ANN202
    return page.locator('#grid input[type=checkbox][name="ids"]')


def _count(page) -> str:  # noqa: ANN001
    return page.text_content("#selection-count")


def test_a_shift_click_range_goes_into_an_album_and_out_again(
    signed_in_page, corpus, tmp_path
) -> None:
    page = signed_in_page
    _library(page.user, corpus)
    album = Album.objects.create(owner=page.user, name="Coast walk", description="Five stops")
    page.goto("/gallery/")
    add = page.locator('button[value="album_add"]')
    assert _count(page) == "0 selected"
    assert add.is_disabled()
    assert page.locator('button[value="trash"]').is_disabled()
    boxes = _boxes(page)
    assert boxes.count() == 5
    boxes.nth(0).click()
    assert _count(page) == "1 selected"
    assert add.is_enabled()
    boxes.nth(3).click(modifiers=["Shift"])  # the range: the first four
    assert _count(page) == "4 selected"
    assert [boxes.nth(i).is_checked() for i in range(5)] == [True] * 4 + [False]
    page.locator("#grid .heart").nth(4).click()  # a heart, by htmx
    page.wait_for_selector('#grid .heart[aria-pressed="true"]')
    assert Image.objects.filter(owner=page.user, favourite=True).count() == 1
    assert _count(page) == "4 selected"  # the selection survives the heart's swap
    _shot(page, tmp_path, "selection")
    page.select_option("#selection-album", str(album.pk))
    add.click()
    page.wait_for_url("**/gallery/**")
    assert "Added 4 images to Coast walk." in page.text_content(".messages")
    assert Image.objects.filter(album_ids=album.pk).count() == 4

    page.goto(f"/albums/{album.pk}/")
    assert page.get_by_role("heading", name="Coast walk").is_visible()
    assert _boxes(page).count() == 4
    assert page.text_content("#grid .count") == "4 images"
    _shot(page, tmp_path, "album")
    page.click("[data-select-all]")
    assert _count(page) == "4 selected"
    page.click("[data-select-none]")
    assert _count(page) == "0 selected"
    _boxes(page).nth(1).click()
    _boxes(page).nth(2).click(modifiers=["Shift"])
    assert _count(page) == "2 selected"
    page.click('button[value="album_remove"]')
    page.wait_for_url(f"**/albums/{album.pk}/**")
    assert "Removed 2 images from Coast walk." in page.text_content(".messages")
    assert _boxes(page).count() == 2
    assert Image.objects.filter(album_ids=album.pk).count() == 2
    assert Image.objects.filter(owner=page.user).count() == 5  # out of the album, not deleted
    page.goto("/albums/")
    assert "2 images" in page.text_content(".albums")
    _shot(page, tmp_path, "albums")


def test_images_go_to_the_trash_and_come_back(signed_in_page, corpus, tmp_path) -> None:
    page = signed_in_page
    images = _library(page.user, corpus, 3)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/gallery/")
    _boxes(page).nth(0).click()
    _boxes(page).nth(1).click(modifiers=["Shift"])
    page.click('button[value="trash"]')
    page.wait_for_url("**/gallery/**")
    assert "Moved 2 images to the trash." in page.text_content(".messages")
    assert _boxes(page).count() == 1
    page.get_by_role("link", name="Trash (2)").click()
    page.wait_for_url("**visibility=trash**")
    assert page.get_by_role("heading", name="Trash").is_visible()
    assert _boxes(page).count() == 2
    assert page.locator('button[value="restore"]').is_disabled()
    _shot(page, tmp_path, "trash")
    _boxes(page).nth(0).click()
    page.click('button[value="restore"]')
    page.wait_for_url("**visibility=trash**")
    assert "Restored 1 image." in page.text_content(".messages")
    assert _boxes(page).count() == 1

    # from the detail page: to the trash, and back
    page.goto(f"/images/{images[2].pk}/")
    page.get_by_role("button", name="Move to trash").click()
    page.wait_for_url("**/gallery/")
    page.goto(f"/images/{images[2].pk}/")
    assert "In the trash since" in page.text_content(".organise")
    page.get_by_role("button", name="Restore").click()
    page.wait_for_url(f"**/images/{images[2].pk}/")
    assert "Restored 1 image." in page.text_content(".messages")
    assert Image.objects.filter(owner=page.user, trashed_at__isnull=True).count() == 2

    # what is left in the trash is emptied for good
    page.goto("/gallery/?visibility=trash")
    page.get_by_role("button", name="Empty trash").click()
    page.wait_for_url("**visibility=trash**")
    assert "Deleted 1 image for good." in page.text_content(".messages")
    assert page.get_by_text("The trash is empty.").is_visible()
    assert Image.objects.filter(owner=page.user).count() == 2
