"""The pages and the API of server folders: staff attach, owners see and drive their scans,
anyone else gets a 404."""

import pytest
from django.urls import reverse

from accounts.models import AccessToken
from accounts.services import token_create
from library.models import LibraryFolder, LibraryScan
from library.services import folder_attach, scan_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:  # noqa: ANN001
    secret = token_create(owner=user, name="rw", scope=AccessToken.Scope.READ_WRITE)[1]
    return {"Authorization": f"Bearer {secret}"}


def test_only_staff_attach_a_folder_and_only_under_the_roots(client, user, staff, root, tmp_path):
    (root / "pics").mkdir()
    client.force_login(user)
    form = {"owner_email": user.email, "path": str(root / "pics")}
    assert client.post(reverse("library:folders"), form).status_code == 404
    client.force_login(staff)
    outside = client.post(reverse("library:folders"), {**form, "path": str(tmp_path)})
    assert "not under a library root" in outside.content.decode()
    assert not LibraryFolder.objects.exists()
    assert client.post(reverse("library:folders"), form).status_code == 302
    folder = LibraryFolder.objects.get()
    assert folder.owner == user
    assert LibraryScan.objects.filter(folder=folder, status="queued").exists()


def test_another_users_folder_and_scan_are_not_found(client, user, staff, photo_folder):
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff)
    scan = LibraryScan.objects.get(folder=folder)
    client.force_login(UserFactory())
    for name, argument in [
        ("library:folder_detail", folder.pk),
        ("library:scan_progress", scan.pk),
    ]:
        assert client.get(reverse(name, args=[argument])).status_code == 404
    for name, argument in [
        ("library:folder_scan", folder.pk),
        ("library:scan_pause", scan.pk),
        ("library:scan_resume", scan.pk),
        ("library:folder_detach", folder.pk),
    ]:
        assert client.post(reverse(name, args=[argument])).status_code == 404
    assert LibraryScan.objects.get(pk=scan.pk).status == "queued"


def test_the_owner_sees_the_progress_on_the_page_and_can_pause(client, user, staff, photo_folder):
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff)
    scan = LibraryScan.objects.get(folder=folder)
    client.force_login(user)
    page = client.get(reverse("library:folder_detail", args=[folder.pk])).content.decode()
    assert "files seen" in page
    assert 'hx-trigger="every 2s"' in page
    client.post(reverse("library:scan_pause", args=[scan.pk]))
    assert LibraryScan.objects.get(pk=scan.pk).status == "paused"
    client.post(reverse("library:scan_resume", args=[scan.pk]))
    scan.refresh_from_db()
    scan_run(scan_id=str(scan.pk), generation=scan.generation)
    text = client.get(reverse("library:scan_progress", args=[scan.pk])).content.decode()
    assert "8 of 8 files seen" in text
    assert "symlink out of the folder: 1" in text
    assert 'hx-trigger="every 2s"' not in text  # finished: the poll stops


def test_the_api_shows_the_progress_and_starts_pauses_and_resumes(
    client, user, staff, photo_folder
):
    folder = folder_attach(owner=user, path=str(photo_folder), attached_by=staff)
    headers = _bearer(user)
    listed = client.get("/api/library/folders", headers=headers).json()
    assert [item["id"] for item in listed] == [str(folder.pk)]
    scan = listed[0]["latest_scan"]
    assert scan["status"] == "queued"
    paused = client.post(f"/api/library/scans/{scan['id']}/pause", headers=headers).json()
    assert paused["status"] == "paused"
    resumed = client.post(f"/api/library/scans/{scan['id']}/resume", headers=headers).json()
    assert resumed["status"] == "queued"
    found = LibraryScan.objects.get(pk=scan["id"])
    scan_run(scan_id=scan["id"], generation=found.generation)
    done = client.get(scan["url"], headers=headers).json()
    assert (done["status"], done["files_seen"], done["imported"]) == ("succeeded", 8, 3)
    assert done["skipped_reasons"]["symlink_outside"] == 1
    again = client.post(f"/api/library/folders/{folder.pk}/scan", headers=headers)
    assert again.status_code == 202
    other = _bearer(UserFactory())
    assert client.get(scan["url"], headers=other).status_code == 404
    assert client.post(f"/api/library/folders/{folder.pk}/scan", headers=other).status_code == 404


def test_the_api_lets_staff_alone_attach_a_folder(client, user, staff, root):
    (root / "pics").mkdir()
    body = {"owner_email": user.email, "path": str(root / "pics")}
    refused = client.post(
        "/api/library/folders", body, content_type="application/json", headers=_bearer(user)
    )
    assert refused.status_code == 403
    made = client.post(
        "/api/library/folders", body, content_type="application/json", headers=_bearer(staff)
    )
    assert made.status_code == 201
    assert made.json()["path"] == str(root / "pics")
    outside = client.post(
        "/api/library/folders",
        {**body, "path": "/etc"},
        content_type="application/json",
        headers=_bearer(staff),
    )
    assert outside.status_code == 400
