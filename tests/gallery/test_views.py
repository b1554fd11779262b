"""Gallery, detail, metadata, delete and files: the owner's, and nobody else's."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gallery.models import Image
from gallery.selectors import (
    Facets,
    GalleryFilter,
    gallery_plan,
    image_neighbours,
)
from gallery.services import image_create, image_terms_refresh, image_update
from jobs.models import Job
from tests.factories import ready_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(user, corpus) -> Image:  # noqa: ANN001
    return ready_image(user, corpus / "exif/gps/DSCN0010.jpg")


def _urls_of(image: Image) -> list[tuple[str, str]]:
    get = [
        reverse(name, args=[image.pk])
        for name in (
            "gallery:image_detail",
            "gallery:image_viewer",
            "gallery:image_card",
            "gallery:image_status",
            "processing:editor",
            "processing:image_panel",
        )
    ]
    get += [
        reverse("gallery:image_file", args=[image.pk, kind])
        for kind in ("original", "thumb", "preview")
    ]
    post = [
        reverse(name, args=[image.pk])
        for name in (
            "gallery:image_edit_meta",
            "gallery:image_delete",
            "processing:editor_preview",
            "processing:editor_save",
            "processing:original_restore",
        )
    ]
    return [("get", url) for url in get] + [("post", url) for url in post]


def test_another_user_gets_404_on_every_url_of_an_image(client, image, other_user) -> None:
    client.force_login(other_user)
    for method, url in _urls_of(image):
        response = getattr(client, method)(url, {"recipe": "[]", "title": "x"})
        assert response.status_code == 404, url
    assert Image.objects.filter(pk=image.pk).exists()
    assert (Path(settings.MEDIA_ROOT) / image.original.name).exists()


def test_the_owner_can_open_every_page_and_file(user_client, image) -> None:
    for method, url in _urls_of(image):
        if method == "get":
            assert user_client.get(url).status_code == 200, url
    response = user_client.get(
        reverse("gallery:image_file", args=[image.pk, "original"]), {"download": "1"}
    )
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_malformed_or_unknown_id_is_404(user_client) -> None:
    assert user_client.get("/images/not-an-id/").status_code == 404
    assert user_client.get("/images/0123456789abcdef01234567/").status_code == 404
    assert user_client.get("/images/0123456789abcdef01234567/file/x/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, image) -> None:
    for method, url in _urls_of(image):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_the_detail_page_shows_camera_location_and_size(user_client, image) -> None:
    body = user_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert "NIKON" in body
    assert f"{image.latitude:.5f}" in body
    assert f"{image.width} × {image.height}" in body


def test_the_detail_page_loads_the_processing_panel_as_a_partial_with_a_link(
    user_client, image
) -> None:
    panel_url = reverse("processing:image_panel", args=[image.pk])
    body = user_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert f'hx-get="{panel_url}"' in body
    assert f'href="{panel_url}"' in body
    partial = user_client.get(panel_url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="processing-panel"')
    assert "Remove background" in partial
    assert "<html" in user_client.get(panel_url).content.decode()


def test_the_detail_status_polls_while_pending_and_reloads_once_ready(user_client, image) -> None:
    url = reverse("gallery:image_status", args=[image.pk])
    ready = user_client.get(url, {"on": "detail"}, headers={"HX-Request": "true"})
    assert ready["HX-Refresh"] == "true"
    Image.objects.filter(pk=image.pk).update(status=Image.Status.PROCESSING)
    pending = user_client.get(url, {"on": "detail"}, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in pending
    assert pending.content.decode().count('hx-trigger="every 2s"') == 1
    detail = user_client.get(reverse("gallery:image_detail", args=[image.pk])).content.decode()
    assert detail.count('hx-trigger="every 2s"') == 1


def test_title_description_and_tags_are_saved(user_client, image) -> None:
    user_client.post(
        reverse("gallery:image_edit_meta", args=[image.pk]),
        {"title": "Harbour", "description": "Evening", "tags": "Sea, boats, sea"},
    )
    image.refresh_from_db()
    assert (image.title, image.description, image.tags) == ("Harbour", "Evening", ["boats", "sea"])


def test_search_and_filters_find_the_right_images(user_client, user, corpus) -> None:
    jpeg = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    png = ready_image(user, corpus / "formats/png/with-alpha.png")
    image_update(image=jpeg, title="Harbour at dusk", description="", tags=["sea"])

    def shown(**query: str) -> set[str]:
        body = user_client.get(reverse("gallery:gallery"), query).content.decode()
        return {str(img.pk) for img in (jpeg, png) if f"image-{img.pk}" in body}

    assert shown() == {str(jpeg.pk), str(png.pk)}
    assert shown(format="PNG") == {str(png.pk)}
    assert shown(q="harbour") == {str(jpeg.pk)}
    assert shown(q="sea") == {str(jpeg.pk)}
    assert shown(source="scrape") == set()
    assert shown(q="harb") == {str(jpeg.pk)}  # a word's prefix
    assert shown(q="dusk harbour") == {str(jpeg.pk)}
    assert shown(q="harbour night") == set()  # every word must match
    assert shown(tag="sea") == {str(jpeg.pk)}
    assert shown(sort="taken") == {str(jpeg.pk), str(png.pk)}
    assert shown(sort="uploaded_asc") == {str(jpeg.pk), str(png.pk)}
    body = user_client.get(reverse("gallery:gallery"), {"q": "harbour"}).content.decode()
    assert f'/images/{jpeg.pk}/?q=harbour"' in body  # the detail link keeps the filter
    # a count that must be read arrives after the page, in its own request; a stored one at once
    count_url = reverse("gallery:gallery_count") + "?q=harbour"
    assert f'hx-get="{count_url}" hx-trigger="load"' in body
    assert "1 image<" in user_client.get(count_url).content.decode()
    assert "2 images<" in user_client.get(reverse("gallery:gallery")).content.decode()


def test_the_gallery_page_uses_the_same_number_of_queries_for_any_page_size(
    user_client, user, corpus, settings
) -> None:
    for path in sorted((corpus / "exif/gps").glob("*.jpg"))[:6]:
        with path.open("rb") as file:
            image_create(owner=user, file=file, name=path.name)
    counts = []
    for size in (2, 6):
        settings.GALLERY_PAGE_SIZE = size
        with CaptureQueriesContext(connection) as queries:
            response = user_client.get(reverse("gallery:gallery"), headers={"HX-Request": "true"})
        assert response.content.decode().count('class="card-image"') == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_deleting_moves_to_the_trash_and_deleting_forever_removes_everything(
    user_client, image
) -> None:
    files = [
        Path(settings.MEDIA_ROOT) / name
        for name in (image.original.name, image.thumbnail.name, image.preview.name)
    ]
    assert all(path.exists() for path in files)
    response = user_client.post(reverse("gallery:image_delete", args=[image.pk]))
    assert response.status_code == 302
    assert Image.objects.get(pk=image.pk).visibility == Image.Visibility.TRASH
    assert all(path.exists() for path in files)
    response = user_client.post(
        reverse("gallery:selection"), {"action": "delete_forever", "ids": [str(image.pk)]}
    )
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not Job.objects.filter(image_id=image.pk).exists()
    assert not any(path.exists() for path in files)


def test_trashing_a_selection_only_touches_the_owners_images(
    user_client, user, other_user, corpus
) -> None:
    mine = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    theirs = ready_image(other_user, corpus / "exif/gps/DSCN0012.jpg")
    user_client.post(reverse("gallery:images_delete"), {"ids": [str(mine.pk), str(theirs.pk)]})
    assert Image.objects.get(pk=mine.pk).in_trash
    assert not Image.objects.get(pk=theirs.pk).in_trash
    ids = {"ids": [str(mine.pk), str(theirs.pk)]}
    user_client.post(reverse("gallery:selection"), {"action": "delete_forever", **ids})
    assert not Image.objects.filter(pk=mine.pk).exists()
    assert Image.objects.filter(pk=theirs.pk).exists()


def test_the_orphan_command_reports_then_removes_unreferenced_files(image, capsys) -> None:
    orphan = Path(settings.MEDIA_ROOT) / str(image.owner_id) / "originals" / "zz" / "lost.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left behind")
    call_command("media_orphans", "--min-age", "0")
    assert "lost.jpg" in capsys.readouterr().out
    assert orphan.exists()
    call_command("media_orphans", "--delete", "--min-age", "0")
    assert not orphan.exists()
    assert (Path(settings.MEDIA_ROOT) / image.original.name).exists()


@pytest.mark.parametrize(
    ("accel", "header"), [("nginx", "X-Accel-Redirect"), ("sendfile", "X-Sendfile")]
)
def test_the_proxy_can_send_checked_files(user_client, image, settings, accel, header) -> None:
    settings.MEDIA_ACCEL = accel
    response = user_client.get(reverse("gallery:image_file", args=[image.pk, "thumb"]))
    assert response.status_code == 200
    assert response[header].endswith(image.thumbnail.name)
    assert response.content == b""  # the proxy sends the bytes, after this view checked the owner


def test_the_upload_order_pages_by_cursor_through_gaps_and_ties(
    user_client, user, settings, corpus
) -> None:
    images = [ready_image(user, path) for path in sorted((corpus / "exif/gps").glob("*.jpg"))[:7]]
    now = timezone.now()
    # two ties, a gap of a year (the windows must widen), one far in the past
    ages = [0, 0, 1, 2, 400, 401, 9000]
    for image, days in zip(images, ages, strict=True):
        Image.objects.filter(pk=image.pk).update(uploaded_at=now - timedelta(days=days))
        image_terms_refresh(image_id=image.pk)
    newest_first = sorted(
        Image.objects.filter(owner=user), key=lambda i: (i.uploaded_at, i.pk), reverse=True
    )
    expected = [str(image.pk) for image in newest_first]
    settings.GALLERY_PAGE_SIZE = 3
    seen, url, pages = [], reverse("gallery:gallery"), 0
    while url:
        body = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
        on_page = [pk for pk in expected if f'id="image-{pk}"' in body]
        seen += sorted(on_page, key=lambda pk: body.index(f'id="image-{pk}"'))
        more = body.split('class="more" hx-get="', 1)
        url = more[1].split('"', 1)[0].replace("&amp;", "&") if len(more) == 2 else ""
        pages += 1
    assert seen == expected
    assert pages == 3
    plan = gallery_plan(owner_id=user.pk, filters=GalleryFilter(), facets=Facets())
    newer, older = image_neighbours(image=newest_first[3], plan=plan)
    assert (newer.pk, older.pk) == (newest_first[2].pk, newest_first[4].pk)
    oldest_first = gallery_plan(
        owner_id=user.pk, filters=GalleryFilter(sort="uploaded_asc"), facets=Facets()
    )
    previous, following = image_neighbours(image=newest_first[3], plan=oldest_first)
    assert (previous.pk, following.pk) == (newest_first[4].pk, newest_first[2].pk)
    detail = user_client.get(
        reverse("gallery:image_detail", args=[newest_first[3].pk]), {"sort": "uploaded_asc"}
    ).content.decode()
    assert f'/images/{newest_first[4].pk}/?sort=uploaded_asc" >← Previous' in detail.replace(
        '">', '" >'
    )
