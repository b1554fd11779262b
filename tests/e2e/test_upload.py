"""Drop two files on the drop zone, watch their progress, find them ready in the gallery."""

import pytest

from tests.waiting import page_wait

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _drop(page, paths) -> None:  # noqa: ANN001
    """Dispatch a real drop event carrying the files, as a person dragging them would."""
    payload = [{"name": path.name, "data": list(path.read_bytes())} for path in paths]
    page.evaluate(
        """(files) => {
        const transfer = new DataTransfer();
        for (const file of files) {
            transfer.items.add(new File([new Uint8Array(file.data)], file.name, {type: "image/jpeg"}));
        }
        const zone = document.querySelector("[data-dropzone]");
        zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
    }""",
        payload,
    )


def test_dropping_two_files_shows_progress_and_they_become_ready(
    celery_worker_process, signed_in_page, corpus, tmp_path
) -> None:
    page = signed_in_page
    paths = [corpus / "exif/gps/DSCN0025.jpg", corpus / "exif/gps/DSCN0027.jpg"]
    _drop(page, paths)
    results = page.locator("#upload-results .upload-result")
    results.first.wait_for()
    assert page_wait(
        page, "document.querySelectorAll('#upload-results .outcome-stored').length === 2", 30
    )
    assert page_wait(
        page, "document.querySelectorAll('#upload-results .badge.ready').length === 2", 120
    )
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
    page.goto("/gallery/")
    cards = page.locator(".card-image img")
    cards.first.wait_for()
    assert cards.count() == 2
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.card-image img'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.screenshot(path=str(tmp_path / "gallery.png"), full_page=True)
