"""The timeline grid, the full-screen viewer and the editor's layout in headless Chromium, at
1366 x 900 and on a 390 x 844 phone; screenshots go to /tmp/shots-viewer/ to be looked at."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gallery.models import Image
from gallery.services import image_terms_refresh
from tests.factories import ready_image
from tests.waiting import page_wait

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-viewer")  # noqa: S108 - where the screenshots are looked at
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _shot(page, name: str, *, full: bool = False) -> None:  # noqa: ANN001
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _library(owner, corpus, count: int = 6) -> list[Image]:  # noqa: ANN001
    """Ready landscape photos, two a day: three day headings, newest first."""
    paths = sorted((corpus / "coco128/images").rglob("*.jpg"))[:count]
    noon = datetime.now(tz=UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    images = []
    for index, path in enumerate(paths):
        image = ready_image(owner, path)
        moment = noon - timedelta(days=index // 2, hours=index % 2)
        Image.objects.filter(pk=image.pk).update(uploaded_at=moment)
        image_terms_refresh(image_id=image.pk)
        images.append(image)
    return images


def _tile_ids(page) -> list[str]:  # noqa: ANN001
    return page.evaluate(
        "Array.from(document.querySelectorAll('#grid .card-image')).map(e => e.id.slice(6))"
    )


def _viewer_id(page) -> str:  # noqa: ANN001
    return page.evaluate("document.getElementById('viewer').dataset.id || ''")


def test_timeline_headings_and_the_viewers_keys_zoom_and_escape(signed_in_page, corpus) -> None:
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    _library(page.user, corpus)
    page.goto("/gallery/")
    headings = page.locator("#grid .group-heading")
    assert headings.count() == 3
    assert page.locator("#grid .group-heading time").first.get_attribute("datetime") == (
        f"{datetime.now(tz=UTC):%Y-%m-%d}"
    )
    _shot(page, "timeline-desktop")
    order = _tile_ids(page)

    # a tile's link goes to the detail page; a plain click opens the viewer on it
    assert page.get_attribute(f"#image-{order[0]} a", "href").startswith(f"/images/{order[0]}/")
    page.click(f"#image-{order[1]} a")
    assert page_wait(page, "document.getElementById('viewer').open")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[1]}'")
    assert page_wait(page, "document.getElementById('viewer-image').complete")
    assert page.url.endswith("/gallery/")
    _shot(page, "viewer-desktop")
    page.keyboard.press("ArrowRight")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[2]}'")
    page.keyboard.press("ArrowRight")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[3]}'")
    page.keyboard.press("ArrowLeft")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[2]}'")

    # zoom: the wheel, then a double-click back to the whole picture
    box = page.locator("#viewer-stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    assert page_wait(page, "Number(document.getElementById('viewer').dataset.scale) > 1.5")
    assert "scale(" in page.evaluate("document.getElementById('viewer-image').style.transform")
    _shot(page, "viewer-zoomed-desktop")
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page_wait(page, "Number(document.getElementById('viewer').dataset.scale) === 1")
    page.mouse.dblclick(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    assert page_wait(page, "Number(document.getElementById('viewer').dataset.scale) > 2")
    page.keyboard.press("0")

    # the information panel
    page.click("[data-viewer-action=info]")
    assert page.is_visible("#viewer-info")
    assert "640 × " in page.text_content("#viewer-info")
    _shot(page, "viewer-info-desktop")

    page.keyboard.press("Escape")
    assert page_wait(page, "!document.getElementById('viewer').open")
    # the close event that moves the focus comes a task after `open` turns false
    focused = "document.activeElement.closest('.card-image')?.id"
    assert page_wait(page, f"{focused} === 'image-{order[2]}'"), page.evaluate(focused)


def test_the_viewer_follows_the_filter_and_the_back_button_closes_it(
    signed_in_page, corpus
) -> None:
    page = signed_in_page
    images = _library(page.user, corpus, count=4)
    page.goto("/gallery/")
    page.select_option("#id_sort", "uploaded_asc")  # htmx swaps the grid and pushes the URL
    assert page_wait(page, "location.search.includes('sort=uploaded_asc')")
    assert page_wait(
        page, f"document.querySelector('#grid .card-image').id === 'image-{images[-1].pk}'"
    )
    order = _tile_ids(page)
    assert order == [str(image.pk) for image in reversed(images)]
    page.click(f"#image-{order[-1]} a")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[-1]}'")
    assert page.is_hidden("[data-viewer-action=next]")  # the last in this order
    page.keyboard.press("ArrowLeft")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[-2]}'")

    # back closes the viewer and stays on the gallery as it is (htmx restores nothing)
    page.evaluate("document.getElementById('grid').dataset.kept = 'yes'")
    url = page.url
    page.go_back()
    assert page_wait(page, "!document.getElementById('viewer').open")
    assert page.url == url
    assert page.evaluate("document.getElementById('grid').dataset.kept") == "yes"
    # closed with Escape, the viewer leaves no entry behind either
    page.click(f"#image-{order[0]} a")
    assert page_wait(page, "document.getElementById('viewer').open")
    page.keyboard.press("Escape")
    assert page_wait(page, "!document.getElementById('viewer').open")
    assert page_wait(page, "!(history.state && history.state.viewer)")
    assert page.url == url
    assert page.evaluate("document.getElementById('grid').dataset.kept") == "yes"


def test_the_phone_grid_has_two_or_three_columns_and_the_viewer_swipes(
    signed_in_page, corpus
) -> None:
    page = signed_in_page
    page.set_viewport_size(PHONE)
    _library(page.user, corpus)
    page.goto("/gallery/")
    tops = page.evaluate(
        "Array.from(document.querySelectorAll('#grid .card-image'))"
        ".map(e => Math.round(e.getBoundingClientRect().top))"
    )
    in_first_row = sum(1 for top in tops if top == tops[0])
    assert 2 <= in_first_row <= 3, tops
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('#grid .card-image')).map(e => e.offsetWidth)"
    )
    assert max(widths) < 350  # not one column of full-width tiles
    _shot(page, "timeline-phone", full=True)
    order = _tile_ids(page)
    page.click(f"#image-{order[0]} a")
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[0]}'")
    box = page.locator("#viewer-stage").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=6)
    page.mouse.up()
    assert page_wait(page, f"document.getElementById('viewer').dataset.id === '{order[1]}'")
    assert page_wait(page, "document.getElementById('viewer-image').complete")
    _shot(page, "viewer-phone")


def test_the_editor_keeps_the_preview_in_view_and_at_its_size(signed_in_page, corpus) -> None:
    page = signed_in_page
    page.set_viewport_size(DESKTOP)
    image = ready_image(page.user, corpus / "exif/gps/DSCN0010.jpg")  # 640 x 480
    page.goto(f"/images/{image.pk}/edit/")
    assert page_wait(page, "document.getElementById('editor-result').style.width !== ''")
    shown = page.locator("#editor-result").bounding_box()
    assert shown["width"] > 640  # filled to its room, larger than the picture itself
    tools = page.locator(".editor-tools").bounding_box()
    assert tools["height"] <= DESKTOP["height"]
    _shot(page, "editor-desktop")

    # a tool with a required value says nothing until one is typed
    page.click(".tool[data-op=watermark_image]")
    page.wait_for_timeout(600)
    assert page.locator("#preview [role=alert]").count() == 0

    # the last tool of the list: the page scrolls, the preview stays in view
    page.evaluate("window.scrollTo(0, 400)")
    last = page.locator(".editor-tools .tool").last
    last.scroll_into_view_if_needed()
    last.click()
    result = page.locator("#editor-result").bounding_box()
    assert result["y"] >= 0
    assert result["y"] + result["height"] <= DESKTOP["height"]

    # a resize to half keeps the preview as large as before
    page.click(".tool[data-op=resize]")
    assert page_wait(page, "document.querySelector('#editor-result').src.startsWith('data:')")
    assert page_wait(page, "document.getElementById('editor-result').naturalWidth === 320")
    assert page_wait(page, "document.getElementById('editor-result').style.width !== ''")
    resized = page.locator("#editor-result").bounding_box()
    assert resized["width"] == pytest.approx(shown["width"], abs=2)
    _shot(page, "editor-resized-desktop")

    page.set_viewport_size(PHONE)
    page.goto(f"/images/{image.pk}/edit/")
    assert "on the left" not in page.text_content("#controls-hint")
    _shot(page, "editor-phone", full=True)


def test_sign_in_headings_have_no_white_strip(page) -> None:
    page.goto("/accounts/login/")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('main h1')).backgroundColor"
    )
    assert background == "rgba(0, 0, 0, 0)"
    _shot(page, "login-desktop")
