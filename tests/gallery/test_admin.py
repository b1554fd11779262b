"""Moderation in Django's admin: images, sources and runs listed; hide and delete with files."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from gallery.models import Image
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
