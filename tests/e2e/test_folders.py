"""A folder chosen on the upload page is uploaded whole, with one line of overall progress;
a chunk whose connection drops is sent again from the server's offset; a server folder's scan
page shows its progress. Screenshots go to SHOTS_DIR (default /tmp/shots-folders)."""

import os
import shutil
import time
from pathlib import Path

import pytest

from gallery.models import Image, PartialUpload
from library.models import LibraryScan
from tests.waiting import page_wait

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-folders"))  # noqa: S108 - for a person to open


def _shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _summary(page) -> str:  # noqa: ANN001
    return page.evaluate("document.querySelector('#upload-summary [data-summary]').textContent")


def test_a_chosen_folder_is_uploaded_recursively_with_the_overall_progress(
    signed_in_page, corpus, tmp_path, settings
) -> None:
    settings.UPLOAD_CHUNK_BYTES = 256 * 1024  # several chunks per photo
    page = signed_in_page
    folder = tmp_path / "holiday"
    (folder / "day1" / "beach").mkdir(parents=True)
    photos = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:6]
    for index, path in enumerate(photos):
        place = [folder, folder / "day1", folder / "day1" / "beach"][index % 3]
        shutil.copy(path, place / f"{index}.jpg")
    (folder / "day1" / "notes.txt").write_text("not a photo")
    (folder / "day1" / "fake.jpg").write_bytes(b"<html>not a jpeg</html>")

    def slow(route) -> None:  # noqa: ANN001
        time.sleep(0.4)  # a slow link: the page is seen mid-way
        route.continue_()

    page.route("**/upload/chunks/**", slow)
    page.set_input_files("#folder-input", str(folder))
    assert page_wait(
        page, "document.querySelectorAll('#upload-results .outcome-stored').length > 1"
    )
    _shot(page, "upload-mid-progress.png")
    assert " of 7" in _summary(page)
    assert not _summary(page).startswith("7 of 7")
    assert page_wait(
        page, "document.querySelector('#upload-summary').classList.contains('upload-complete')", 120
    )
    text = _summary(page)
    assert text.startswith("7 of 7"), text
    assert "1 refused" in text
    assert "1 skipped (not images)" in text
    # the results are folded away under the summary
    assert not page.evaluate("document.getElementById('upload-details').open")
    assert page.locator("#upload-results .outcome-stored").count() == 6
    assert Image.objects.filter(owner=page.user).count() == 6
    assert not PartialUpload.objects.exists()
    _shot(page, "upload-done.png")


def test_a_chunk_whose_connection_drops_is_sent_again_from_the_servers_offset(
    signed_in_page, corpus, settings
) -> None:
    settings.UPLOAD_CHUNK_BYTES = 64 * 1024
    page = signed_in_page
    path = corpus / "exif/gps/DSCN0010.jpg"
    seen: list[str] = []
    dropped: list[str] = []

    def flaky(route, request) -> None:  # noqa: ANN001
        seen.append(f"{request.method} {request.headers.get('upload-offset', '')}")
        third = request.headers.get("upload-offset") == str(2 * 65536)
        if request.method == "POST" and third and not dropped:
            dropped.append(request.url)
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/upload/chunks/*/", flaky)
    page.set_input_files("input[name=files]", str(path))
    assert page_wait(
        page, "document.querySelectorAll('#upload-results .outcome-stored').length === 1", 60
    )
    assert dropped
    assert "GET " in seen  # it asked where the server stood, then went on from there
    assert seen.count(f"POST {2 * 65536}") == 2
    image = Image.objects.get(owner=page.user)
    assert image.size_bytes == path.stat().st_size
    assert not PartialUpload.objects.exists()


def test_staff_attach_a_folder_and_the_page_shows_the_scans_progress(
    page, live_server, django_user_model, corpus, tmp_path, settings, monkeypatch
) -> None:
    from allauth.account.models import EmailAddress

    import library.services as library_services
    from library.services import scan_pause, scan_resume, scan_run

    root = tmp_path / "srv"
    folder = root / "photos" / "2021"
    folder.mkdir(parents=True)
    for index, path in enumerate(sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:8]):
        shutil.copy(path, folder / f"{index}.jpg")
    (folder / "readme.txt").write_text("hello")
    settings.LIBRARY_ROOTS = [str(root)]
    staff = django_user_model.objects.create_user(
        username="staff", email="staff@example.com", password="staff-passphrase-long", is_staff=True
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "staff@example.com")
    page.fill("input[name=password]", "staff-passphrase-long")
    page.click("button[type=submit]")
    page.wait_for_url("**/upload/")
    page.goto("/library/")
    page.fill("input[name=owner_email]", "staff@example.com")
    page.fill("input[name=path]", str(root / "photos"))
    page.click("text=Attach and scan")
    page.wait_for_url("**/library/")
    scan = LibraryScan.objects.get()
    # the worker's part, run here: half the folder, then a pause
    settings.LIBRARY_SCAN_BATCH = 4
    real = library_services._checkpoint

    def pause_after_first(scan_, **kwargs):  # noqa: ANN001, ANN003, ANN202
        stored = real(scan_, **kwargs)
        scan_pause(scan=scan_)
        return stored

    monkeypatch.setattr(library_services, "_checkpoint", pause_after_first)
    scan_run(scan_id=str(scan.pk), generation=scan.generation)
    page.click(f"a[href='/library/{scan.folder_id}/']")
    assert "4 of 9 files seen" in page.inner_text(".scan-summary")
    assert page.locator("button:has-text('Resume')").count() == 1
    _shot(page, "folder-scan-paused.png")
    monkeypatch.setattr(library_services, "_checkpoint", real)
    scan.refresh_from_db()
    scan_resume(scan=scan)
    scan_run(scan_id=str(scan.pk), generation=scan.generation + 0)
    page.reload()
    assert "9 of 9 files seen" in page.inner_text(".scan-summary")
    assert page.inner_text("[data-count=imported]") == "8"
    assert page.inner_text("[data-count=skipped]") == "1"
    page.click("text=Why files were skipped")
    assert "not an image: 1" in page.inner_text(".scan-reasons")
    _shot(page, "folder-scan-done.png")
    assert Image.objects.filter(owner=staff, source="library").count() == 8
    assert settings.LIBRARY_ROOTS


def test_after_a_reload_the_same_file_goes_on_from_where_it_stopped(
    signed_in_page, corpus, settings
) -> None:
    settings.UPLOAD_CHUNK_BYTES = 64 * 1024
    page = signed_in_page
    path = corpus / "exif/gps/DSCN0012.jpg"
    offsets: list[str] = []
    link = {"down": False}

    def offline_after_two(route, request) -> None:  # noqa: ANN001
        if request.method == "POST" and (len(offsets) >= 2 or link["down"]):
            link["down"] = True
            route.abort("internetdisconnected")  # the link goes down until the reload
            return
        offsets.append(request.headers.get("upload-offset", ""))
        route.continue_()

    page.route("**/upload/chunks/*/", offline_after_two)
    page.set_input_files("input[name=files]", str(path))
    deadline = time.monotonic() + 30
    while PartialUpload.objects.filter(received__gte=2 * 65536).count() == 0:
        assert time.monotonic() < deadline, offsets
        page.wait_for_timeout(200)  # lets Playwright run the route handler meanwhile
    page.reload()  # the person reloads and drops the same file again
    page.unroute("**/upload/chunks/*/")
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.headers.get("upload-offset", ""))
            if request.method == "POST"
            and "/upload/chunks/" in request.url
            and request.url[-2] != "s"
            else None
        ),
    )
    page.set_input_files("input[name=files]", str(path))
    assert page_wait(
        page, "document.querySelectorAll('#upload-results .outcome-stored').length === 1", 60
    )
    assert sent[0] == str(2 * 65536)  # not from the start
    assert Image.objects.get(owner=page.user).size_bytes == path.stat().st_size
