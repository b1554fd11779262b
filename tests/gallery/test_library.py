"""Albums, favourites, archive and trash through the real views: the owner's, nobody else's."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gallery.models import Album, Image, TermCount
from gallery.services import images_hide
from gallery.tasks import trash_expire_task
from jobs.models import Job
from processing.models import Version
from processing.recipes import recipe_from_json
from processing.versions import edit_create, edit_render, version_restore, version_run
from tests.factories import ready_image

pytestmark = pytest.mark.django_db

PATHS = ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg"]


@pytest.fixture
def images(user, corpus) -> list[Image]:  # noqa: ANN001
    return [ready_image(user, corpus / "exif/gps" / name) for name in PATHS]


def ids_of(html: str, images: list[Image]) -> list[str]:
    """The images whose tiles the page shows, in the page's order."""
    found = [(html.find(f'id="image-{image.pk}"'), str(image.pk)) for image in images]
    return [pk for at, pk in sorted(found) if at >= 0]


def select(client: Client, action: str, images: list[Image], **extra: str):  # noqa: ANN201
    data = {"action": action, "ids": [str(image.pk) for image in images], **extra}
    return client.post(reverse("gallery:selection"), data)


def count_of(user, term: str) -> int:  # noqa: ANN001
    row = TermCount.objects.filter(owner=user, term=term).first()
    return row.count if row else 0


def page(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_an_album_is_made_renamed_described_and_deleted_and_its_images_stay(
    user_client, user, images
) -> None:
    response = user_client.post(reverse("gallery:albums"), {"name": "Summer", "description": ""})
    album = Album.objects.get(owner=user)
    assert response.url == reverse("gallery:album_detail", args=[album.pk])
    select(user_client, "album_add", images[:2], album=str(album.pk))
    url = reverse("gallery:album_detail", args=[album.pk])
    assert sorted(ids_of(page(user_client, url), images)) == sorted(str(i.pk) for i in images[:2])
    assert count_of(user, album.term) == 2
    user_client.post(
        reverse("gallery:album_edit", args=[album.pk]),
        {"name": "Summer 2024", "description": "By the sea"},
    )
    html = page(user_client, url)
    assert "<h1>Summer 2024</h1>" in html
    assert "By the sea" in html
    listing = page(user_client, reverse("gallery:albums"))
    assert "Summer 2024" in listing
    assert "2 images" in listing
    user_client.post(reverse("gallery:album_delete", args=[album.pk]))
    assert not Album.objects.exists()
    assert Image.objects.filter(owner=user).count() == 3
    assert all(not image.album_ids for image in Image.objects.filter(owner=user))
    assert count_of(user, album.term) == 0
    assert len(ids_of(page(user_client, reverse("gallery:gallery")), images)) == 3


def test_an_image_in_many_albums_is_added_and_removed_from_its_detail_page(
    user_client, user, images
) -> None:
    first = Album.objects.create(owner=user, name="First")
    second = Album.objects.create(owner=user, name="Second")
    image = images[0]
    detail = reverse("gallery:image_detail", args=[image.pk])
    for album in (first, second):
        response = user_client.post(
            reverse("gallery:selection"),
            {"action": "album_add", "ids": [str(image.pk)], "album": str(album.pk), "next": detail},
        )
        assert response.url == detail
    html = page(user_client, detail)
    assert 'aria-label="In albums"' in html
    assert html.count('value="album_remove"') == 2
    assert {a.pk for a in Album.objects.all()} == set(Image.objects.get(pk=image.pk).album_ids)
    select(user_client, "album_remove", [image], album=str(first.pk))
    assert Image.objects.get(pk=image.pk).album_ids == [second.pk]
    assert ids_of(page(user_client, reverse("gallery:album_detail", args=[first.pk])), images) == []
    second_page = page(user_client, reverse("gallery:album_detail", args=[second.pk]))
    assert ids_of(second_page, images) == [str(image.pk)]


def test_the_album_page_removes_from_its_own_album_and_keeps_the_filters(
    user_client, user, images
) -> None:
    album = Album.objects.create(owner=user, name="Trip")
    select(user_client, "album_add", images, album=str(album.pk))
    url = reverse("gallery:album_detail", args=[album.pk])
    Image.objects.filter(pk=images[1].pk).update(title="Harbour view")
    from gallery.services import image_terms_refresh

    image_terms_refresh(image_id=images[1].pk)
    assert ids_of(page(user_client, url, q="harbour"), images) == [str(images[1].pk)]
    # the page's album, whatever the album picker of the bar says
    other = Album.objects.create(owner=user, name="Other")
    select(user_client, "album_remove", [images[0]], page_album=str(album.pk), album=str(other.pk))
    assert sorted(ids_of(page(user_client, url), images)) == sorted(str(i.pk) for i in images[1:])
    assert Image.objects.filter(pk=images[0].pk).exists()


def test_the_cover_is_the_first_image_added_until_another_is_chosen(
    user_client, user, images
) -> None:
    album = Album.objects.create(owner=user, name="Covers")
    select(user_client, "album_add", images, album=str(album.pk))
    album.refresh_from_db()
    assert album.cover_id == images[0].pk
    select(user_client, "album_cover", [images[2]], page_album=str(album.pk))
    album.refresh_from_db()
    assert album.cover_id == images[2].pk
    listing = page(user_client, reverse("gallery:albums"))
    assert reverse("gallery:image_file", args=[images[2].pk, "thumb"]) in listing
    # trashed, the cover gives way to the album's newest image in the library
    select(user_client, "trash", [images[2]])
    listing = page(user_client, reverse("gallery:albums"))
    assert reverse("gallery:image_file", args=[images[2].pk, "thumb"]) not in listing
    assert "2 images" in listing


def test_another_user_gets_404_on_every_album_url_and_cannot_add_to_it(
    client, user, other_user, images
) -> None:
    album = Album.objects.create(owner=user, name="Mine")
    client.force_login(other_user)
    for name in ("album_detail", "album_edit", "album_delete"):
        method = client.get if name == "album_detail" else client.post
        assert method(reverse(f"gallery:{name}", args=[album.pk]), {"name": "x"}).status_code == 404
    theirs = ready_image(other_user, Path(settings.SHARED_DIR) / "corpus/exif/gps/DSCN0025.jpg")
    response = select(client, "album_add", [theirs], album=str(album.pk))
    assert response.status_code == 404
    # the owner's images posted by another user are left alone
    mine = Album.objects.create(owner=other_user, name="Theirs")
    select(client, "album_add", images, album=str(mine.pk))
    select(client, "trash", images)
    assert all(not i.album_ids and not i.in_trash for i in Image.objects.filter(owner=user))
    response = client.post(
        reverse("gallery:image_favourite", args=[images[0].pk]), {"favourite": "1"}
    )
    assert response.status_code == 404
    assert Album.objects.get(pk=album.pk).name == "Mine"


def test_the_heart_toggles_a_favourite_by_htmx_with_csrf(user, images) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("gallery:image_favourite", args=[images[0].pk])
    assert client.post(url, {"favourite": "1"}, headers={"HX-Request": "true"}).status_code == 403
    html = page(client, reverse("gallery:gallery"))
    assert html.count('class="heart"') == 3
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    response = client.post(url, {"favourite": "1"}, headers=headers)
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert 'name="favourite" value="0"' in response.content.decode()
    assert Image.objects.get(pk=images[0].pk).favourite
    assert ids_of(page(client, reverse("gallery:gallery"), favourite="on"), images) == [
        str(images[0].pk)
    ]
    assert count_of(user, "is:favourite") == 1
    client.post(url, {"favourite": "0"}, headers=headers)
    assert ids_of(page(client, reverse("gallery:gallery"), favourite="on"), images) == []


def test_archived_images_leave_the_library_and_are_found_in_the_archive(
    user_client, user, images
) -> None:
    Image.objects.filter(pk=images[0].pk).update(title="Old harbour")
    from gallery.services import image_terms_refresh

    image_terms_refresh(image_id=images[0].pk)
    select(user_client, "archive", [images[0]])
    library = page(user_client, reverse("gallery:gallery"))
    assert str(images[0].pk) not in ids_of(library, images)
    assert "2 images" in library
    archive = page(user_client, reverse("gallery:gallery"), visibility="archive", q="harbour")
    assert ids_of(archive, images) == [str(images[0].pk)]
    assert "Archived" in archive
    whole = page(user_client, reverse("gallery:gallery"), visibility="archive")
    assert "1 image<" in whole  # the stored count of the archive
    select(user_client, "unarchive", [images[0]])
    assert len(ids_of(page(user_client, reverse("gallery:gallery")), images)) == 3


def test_trash_and_restore_bring_back_the_image_its_albums_and_every_version(
    user_client, user, images
) -> None:
    image = images[0]
    album = Album.objects.create(owner=user, name="Kept")
    select(user_client, "album_add", [image], album=str(album.pk))
    versions = [
        edit_create(image=image, steps=recipe_from_json(f'[{{"op": "{op}"}}]'))
        for op in ("grayscale", "invert")
    ]
    for version in versions:
        version_run(version_id=str(version.pk), render=edit_render)
    version_restore(version=Version.objects.get(pk=versions[1].pk), image=image)
    user_client.post(reverse("gallery:image_delete", args=[image.pk]))
    assert str(image.pk) not in ids_of(page(user_client, reverse("gallery:gallery")), images)
    assert ids_of(page(user_client, reverse("gallery:album_detail", args=[album.pk])), images) == []
    trash = page(user_client, reverse("gallery:gallery"), visibility="trash")
    assert ids_of(trash, images) == [str(image.pk)]
    assert "Empty trash" in trash
    assert 'value="restore"' in trash
    detail = page(user_client, reverse("gallery:image_detail", args=[image.pk]))
    assert "In the trash since" in detail
    select(user_client, "restore", [image])
    restored = Image.objects.get(pk=image.pk)
    assert restored.visibility == Image.Visibility.LIBRARY
    assert restored.current_version_id == versions[1].pk
    assert Version.objects.filter(image=image, status=Version.Status.READY).count() == 2
    assert all(
        (Path(settings.MEDIA_ROOT) / v.file.name).exists()
        for v in Version.objects.filter(image=image)
    )
    assert str(image.pk) in ids_of(page(user_client, reverse("gallery:gallery")), images)
    album_page = page(user_client, reverse("gallery:album_detail", args=[album.pk]))
    assert ids_of(album_page, images) == [str(image.pk)]


def _files_of(image: Image) -> list[Path]:
    names = [image.original.name, image.thumbnail.name, image.preview.name]
    names += [v.file.name for v in Version.objects.filter(image=image) if v.file]
    return [Path(settings.MEDIA_ROOT) / name for name in names if name]


def test_the_beat_job_empties_old_trash_with_versions_files_and_documents(
    user_client, user, images
) -> None:
    old, recent, kept = images
    version = edit_create(image=old, steps=recipe_from_json('[{"op": "grayscale"}]'))
    version_run(version_id=str(version.pk), render=edit_render)
    files = _files_of(old)
    assert len(files) == 4
    assert all(path.exists() for path in files)
    select(user_client, "trash", [old, recent])
    long_ago = timezone.now() - timedelta(days=settings.TRASH_DAYS + 1)
    Image.objects.filter(pk=old.pk).update(trashed_at=long_ago)
    assert settings.CELERY_BEAT_SCHEDULE["trash-expire"]["task"] == trash_expire_task.name
    assert trash_expire_task() == 1
    assert not Image.objects.filter(pk=old.pk).exists()
    assert not Version.objects.filter(image_id=old.pk).exists()
    assert not Job.objects.filter(image_id=old.pk).exists()
    assert not any(path.exists() for path in files)
    assert Image.objects.get(pk=recent.pk).in_trash
    assert all(path.exists() for path in _files_of(kept))
    assert count_of(user, "in:trash") == 1
    assert count_of(user, "*") == 1


def test_the_command_and_empty_trash_delete_for_good(user_client, user, images, capsys) -> None:
    select(user_client, "trash", images[:2])
    call_command("trash_expire", "--days", "0")
    assert "Deleted 2 image(s)" in capsys.readouterr().out
    assert Image.objects.filter(owner=user).count() == 1
    select(user_client, "trash", images[2:])
    files = _files_of(images[2])
    user_client.post(reverse("gallery:trash_empty"))
    assert not Image.objects.filter(owner=user).exists()
    assert not any(path.exists() for path in files)


def test_delete_forever_only_deletes_what_is_in_the_trash(user_client, user, images) -> None:
    select(user_client, "delete_forever", images)
    assert Image.objects.filter(owner=user).count() == 3


def test_nothing_selected_does_nothing_and_the_actions_start_disabled(user_client, images) -> None:
    html = page(user_client, reverse("gallery:gallery"))
    assert 'value="trash" class="danger" data-needs-selection disabled' in html
    response = user_client.post(reverse("gallery:images_delete"), {}, follow=True)
    assert "No images were selected." in response.content.decode()
    assert "Deleted 0" not in response.content.decode()
    response = user_client.post(reverse("gallery:selection"), {"action": "trash"}, follow=True)
    assert "No images were selected." in response.content.decode()
    assert Image.objects.filter(trashed_at__isnull=True).count() == 3


def test_the_owner_is_told_an_image_was_hidden_by_a_moderator(user_client, user, images) -> None:
    images_hide(images=[images[0]], hidden=True)
    library = page(user_client, reverse("gallery:gallery"))
    assert str(images[0].pk) not in ids_of(library, images)
    assert "Hidden by a moderator (1)" in library
    hidden = page(user_client, reverse("gallery:gallery"), visibility="hidden")
    assert ids_of(hidden, images) == [str(images[0].pk)]
    assert "tile-badge moderated" in hidden
    detail = page(user_client, reverse("gallery:image_detail", args=[images[0].pk]))
    assert "A moderator hid this image" in detail
    # trashing and restoring it leaves it hidden; the moderator's "show again" brings it back
    select(user_client, "trash", [images[0]])
    select(user_client, "restore", [images[0]])
    assert Image.objects.get(pk=images[0].pk).visibility == Image.Visibility.HIDDEN
    images_hide(images=[images[0]], hidden=False)
    assert len(ids_of(page(user_client, reverse("gallery:gallery")), images)) == 3


def test_a_selection_downloads_as_a_streamed_zip_of_originals_or_current_versions(
    user_client, user, client, other_user, images
) -> None:
    edited = images[0]
    version = edit_create(image=edited, steps=recipe_from_json('[{"op": "grayscale"}]'))
    version_run(version_id=str(version.pk), render=edit_render)
    version_restore(version=Version.objects.get(pk=version.pk), image=edited)
    version.refresh_from_db()
    url = reverse("processing:selection_download")
    ids = [str(image.pk) for image in images[:2]]

    def entries(response) -> dict[str, bytes]:  # noqa: ANN001
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        return {name: archive.read(name) for name in archive.namelist()}

    originals = entries(user_client.post(url, {"ids": ids, "which": "original"}))
    assert sorted(originals.values()) == sorted(
        (Path(settings.MEDIA_ROOT) / image.original.name).read_bytes() for image in images[:2]
    )
    current = entries(user_client.post(url, {"ids": ids, "which": "current"}))
    assert (Path(settings.MEDIA_ROOT) / version.file.name).read_bytes() in current.values()
    assert (Path(settings.MEDIA_ROOT) / images[1].original.name).read_bytes() in current.values()
    assert len(current) == 2
    client.force_login(other_user)
    response = client.post(url, {"ids": ids})
    assert response.status_code == 302  # nothing of theirs was selected
