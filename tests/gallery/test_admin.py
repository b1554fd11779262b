"""Moderation in Django's admin: images, sources and runs listed; hide and delete with files."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from gallery.models import Image
from processing.models import Version
from scraping.models import ScrapeRun, ScrapeSource
from tests.factories import UserFactory, ready_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):  # noqa: ANN001, ANN201
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_see_images_sources_runs_and_users(staff_client, corpus) -> None:
    owner = UserFactory()
    ready_image(owner, corpus / "exif/gps/DSCN0010.jpg")
    source = ScrapeSource.objects.create(owner=owner, url="https://example.org/")
    ScrapeRun.objects.create(source=source, owner=owner)
    for model in (
        "gallery/image",
        "scraping/scrapesource",
        "scraping/scraperun",
        "accounts/user",
        "jobs/job",
        "processing/version",
    ):
        response = staff_client.get(f"/admin/{model}/")
        assert response.status_code == 200, model
    body = staff_client.get("/admin/gallery/image/").content.decode()
    assert "DSCN0010" in body
    assert str(owner.email) in body


def test_hide_hides_from_the_owner_and_delete_removes_the_files(staff_client, corpus) -> None:
    owner = UserFactory()
    image = ready_image(owner, corpus / "exif/gps/DSCN0010.jpg")
    url = reverse("admin:gallery_image_changelist")
    staff_client.post(url, {"action": "hide", "_selected_action": [str(image.pk)]})
    image.refresh_from_db()
    assert image.hidden
    owner_client = Client()
    owner_client.force_login(owner)
    gallery = owner_client.get(reverse("gallery:gallery")).content.decode()
    assert f"image-{image.pk}" not in gallery

    original = Path(settings.MEDIA_ROOT) / image.original.name
    response = staff_client.post(
        url, {"action": "delete_with_files", "_selected_action": [str(image.pk)]}
    )
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not original.exists()


def test_regular_users_cannot_open_the_admin(client) -> None:
    client.force_login(UserFactory())
    response = client.get("/admin/gallery/image/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


class _FormFields(HTMLParser):
    """The values a browser would post from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name", "")
        kind = attr.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "file"):
            if kind != "checkbox":
                self.data[name] = attr.get("value", "")
            elif "checked" in attr:
                self.data[name] = attr.get("value", "on")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attr:
            self.data[self._select] = attr.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def _change_form(client, image: Image) -> tuple[str, dict[str, str], str]:  # noqa: ANN001
    url = reverse("admin:gallery_image_change", args=[image.pk])
    body = client.get(url).content.decode()
    parser = _FormFields()
    parser.feed(body)
    return url, parser.data, body


def test_admin_shows_thumbnails_and_links_that_answer_with_the_file(staff_client, corpus) -> None:
    image = ready_image(UserFactory(), corpus / "exif/gps/DSCN0010.jpg")
    changelist = staff_client.get(reverse("admin:gallery_image_changelist")).content.decode()
    thumb_url = reverse("admin:gallery_image_file", args=[image.pk, "thumb"])
    assert f'<img src="{thumb_url}"' in changelist
    _, _, body = _change_form(staff_client, image)
    assert "/media/" not in body
    for kind, field in (("original", "original"), ("thumb", "thumbnail"), ("preview", "preview")):
        url = reverse("admin:gallery_image_file", args=[image.pk, kind])
        assert f'"{url}"' in body
        response = staff_client.get(url)
        assert response.status_code == 200, kind
        stored = (Path(settings.MEDIA_ROOT) / getattr(image, field).name).read_bytes()
        assert b"".join(response.streaming_content) == stored


def test_admin_file_view_is_for_staff_only(client, corpus) -> None:
    owner = UserFactory()
    image = ready_image(owner, corpus / "exif/gps/DSCN0010.jpg")
    client.force_login(owner)  # even the owner: the gallery's own view serves them
    response = client.get(reverse("admin:gallery_image_file", args=[image.pk, "original"]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_offers_only_the_owners_versions_and_runs_and_refuses_others(
    staff_client, corpus
) -> None:
    alice, bob = UserFactory(), UserFactory()
    image = ready_image(alice, corpus / "exif/gps/DSCN0010.jpg")
    other = ready_image(bob, corpus / "exif/gps/DSCN0012.jpg")
    own_version = Version.objects.create(image=image, owner=alice, label="mine")
    bobs_version = Version.objects.create(image=other, owner=bob, label="bobs")
    own_run = ScrapeRun.objects.create(
        source=ScrapeSource.objects.create(owner=alice, url="https://a.example/"), owner=alice
    )
    bobs_run = ScrapeRun.objects.create(
        source=ScrapeSource.objects.create(owner=bob, url="https://b.example/"), owner=bob
    )
    url, data, body = _change_form(staff_client, image)
    assert f'value="{own_version.pk}"' in body
    assert f'value="{own_run.pk}"' in body
    assert f'value="{bobs_version.pk}"' not in body
    assert f'value="{bobs_run.pk}"' not in body

    for field, foreign in (("current_version", bobs_version), ("scrape_run", bobs_run)):
        response = staff_client.post(url, {**data, field: str(foreign.pk)})
        assert response.status_code == 200, field  # the form again, with an error
        assert "Select a valid choice" in response.content.decode()
        image.refresh_from_db()
        assert getattr(image, f"{field}_id") is None

    response = staff_client.post(
        url, {**data, "current_version": str(own_version.pk), "scrape_run": str(own_run.pk)}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.current_version_id == own_version.pk
    assert image.scrape_run_id == own_run.pk


def test_hide_says_what_it_did(staff_client, corpus) -> None:
    image = ready_image(UserFactory(), corpus / "exif/gps/DSCN0010.jpg")
    url = reverse("admin:gallery_image_changelist")
    response = staff_client.post(
        url, {"action": "hide", "_selected_action": [str(image.pk)]}, follow=True
    )
    assert "1 image(s) hidden" in response.content.decode()
