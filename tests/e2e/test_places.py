"""Dates and places in headless Chromium: edit the date and the place of a photo on its
detail page and see them shown (htmx swaps the section in place); the places view.
Screenshots at 1366x900 go to tmp_path and are copied to /tmp/shots-places/."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.factories import ready_image

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots-places"


def _screenshot(page, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    path = tmp_path / f"places-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_edit_date_and_place_on_the_detail_page(signed_in_page, corpus, tmp_path) -> None:
    page = signed_in_page
    page.set_viewport_size({"width": 1366, "height": 900})
    image = ready_image(page.user, corpus / "formats/heic/pug.heic")
    page.goto(f"/images/{image.pk}/")
    assert "21 Feb 2023, 14:33 UTC+03:00" in page.inner_text("#taken-value")
    assert "1/121 s · f/1.5 · ISO 125 · 26 mm" in page.inner_text("#exif-summary")
    page.click("#when-where summary")
    page.fill("#id_taken_at", "2021-08-15T18:45:00")
    page.fill("#id_taken_offset", "+02:00")
    page.fill("#id_place", "Arez")
    page.wait_for_selector("#place-choices option", state="attached", timeout=10_000)
    options = page.eval_on_selector_all("#place-choices option", "els => els.map(e => e.value)")
    assert "Arezzo, Tuscany, Italy" in options
    page.fill("#id_place", "Arezzo, Tuscany, Italy")
    page.click("#when-form button[type=submit]")
    page.wait_for_selector("#when-where .saved")
    assert "Date and place saved." in page.inner_text("#when-where")
    assert "15 Aug 2021, 18:45 UTC+02:00" in page.inner_text("#taken-value")
    assert "Arezzo, Tuscany, Italy" in page.inner_text("#place-value")
    page.goto(f"/images/{image.pk}/")  # stored, not only shown (and the top of the page)
    assert "Arezzo, Tuscany, Italy" in page.inner_text("#place-value")
    _screenshot(page, tmp_path, "detail-info")
    page.click("#when-where summary")
    _screenshot(page, tmp_path, "detail-edit")
    for name in ("gps/DSCN0012.jpg", "edge-cases/87_OSError.jpg", "camera/Kodak_CX7530.jpg"):
        ready_image(page.user, corpus / "exif" / name)
    page.goto("/places/")
    assert "Arezzo" in page.inner_text("#places")
    assert "Kenya" in page.inner_text("#places")
    _screenshot(page, tmp_path, "places")
    page.click("#places a:text('Arezzo')")
    page.wait_for_url(lambda url: "/gallery/" in url and "place=" in url)
    assert page.locator(f"#image-{image.pk}").count() == 1
