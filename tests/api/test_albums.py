"""The API of albums, favourites, archive and trash: the same services as the pages, the list's
filters (album=, favourite=, archived=, trashed=), and nobody else's objects."""

from pathlib import Path

import pytest
from django.conf import settings

from gallery.models import Album, Image
from tests.api.conftest import assert_problem
from tests.factories import ready_image

pytestmark = pytest.mark.django_db
JSON = "application/json"


def listed(client, token, **params) -> list[str]:  # noqa: ANN001
    response = client.get("/api/images", params, headers=token)
    assert response.status_code == 200, response.content[:300]
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def two(user, image, corpus: Path) -> list[Image]:  # noqa: ANN001
    return [image, ready_image(user, corpus / "exif/gps/DSCN0012.jpg")]


def test_albums_are_made_listed_changed_filled_emptied_and_deleted(client, token, two) -> None:
    first, second = (str(image.pk) for image in two)
    response = client.post("/api/albums", {"name": "Sea"}, content_type=JSON, headers=token)
    assert response.status_code == 201
    album = response.json()
    assert album["count"] == 0
    url = f"/api/albums/{album['id']}"
    added = client.post(f"{url}/images", {"ids": [first, second]}, content_type=JSON, headers=token)
    assert added.json() == {"changed": 2}
    again = client.post(f"{url}/images", {"ids": [first]}, content_type=JSON, headers=token)
    assert again.json() == {"changed": 0}
    body = client.get(url, headers=token).json()
    assert (body["count"], body["cover_id"]) == (2, first)
    assert sorted(listed(client, token, album=album["id"])) == sorted([first, second])
    patched = client.patch(
        url,
        {"name": "Seaside", "description": "Waves", "cover_id": second},
        content_type=JSON,
        headers=token,
    )
    assert (patched.json()["name"], patched.json()["cover_id"]) == ("Seaside", second)
    assert [a["name"] for a in client.get("/api/albums", headers=token).json()] == ["Seaside"]
    removed = client.post(
        f"{url}/images/remove", {"ids": [first]}, content_type=JSON, headers=token
    )
    assert removed.json() == {"changed": 1}
    assert listed(client, token, album=album["id"]) == [second]
    assert client.get(f"/api/images/{second}", headers=token).json()["album_ids"] == [album["id"]]
    assert client.delete(url, headers=token).status_code == 204
    assert not Album.objects.exists()
    assert Image.objects.count() == 2
    assert_problem(client.get(url, headers=token), 404)


def test_a_cover_must_be_an_image_of_the_album(client, token, two) -> None:
    album = client.post("/api/albums", {"name": "A"}, content_type=JSON, headers=token).json()
    response = client.patch(
        f"/api/albums/{album['id']}", {"cover_id": str(two[0].pk)}, content_type=JSON, headers=token
    )
    assert_problem(response, 400)


def test_favourite_archive_trash_and_restore_with_their_list_filters(client, token, two) -> None:
    first, second = (str(image.pk) for image in two)
    assert client.post(f"/api/images/{first}/favourite", headers=token).json()["favourite"]
    assert listed(client, token, favourite="true") == [first]
    client.post(f"/api/images/{first}/unfavourite", headers=token)
    assert listed(client, token, favourite="true") == []

    assert client.post(f"/api/images/{first}/archive", headers=token).json()["archived"]
    assert listed(client, token) == [second]
    assert listed(client, token, archived="true") == [first]
    client.post(f"/api/images/{first}/unarchive", headers=token)
    assert sorted(listed(client, token)) == sorted([first, second])

    trashed = client.post(f"/api/images/{second}/trash", headers=token).json()
    assert trashed["trashed_at"] is not None
    assert listed(client, token) == [first]
    page = client.get("/api/images", {"trashed": "true"}, headers=token).json()
    assert ([item["id"] for item in page["items"]], page["count"]) == ([second], 1)
    client.post(f"/api/images/{second}/restore", headers=token)
    assert listed(client, token, trashed="true") == []
    # DELETE is for good, files included
    original = Path(settings.MEDIA_ROOT) / two[1].original.name
    assert client.delete(f"/api/images/{second}", headers=token).status_code == 204
    assert not original.exists()


def test_another_users_token_finds_no_album_and_cannot_add_to_one(
    client, token, other_token, other_user, two
) -> None:
    album = client.post("/api/albums", {"name": "Mine"}, content_type=JSON, headers=token).json()
    url = f"/api/albums/{album['id']}"
    body = {"ids": [str(two[0].pk)]}
    assert_problem(client.get(url, headers=other_token), 404)
    assert_problem(client.patch(url, {"name": "x"}, content_type=JSON, headers=other_token), 404)
    assert_problem(client.post(f"{url}/images", body, content_type=JSON, headers=other_token), 404)
    assert_problem(client.delete(url, headers=other_token), 404)
    assert_problem(client.get("/api/images", {"album": album["id"]}, headers=other_token), 404)
    assert client.get("/api/albums", headers=other_token).json() == []
    # their own album, the owner's images: 404, nothing added
    theirs = Album.objects.create(owner=other_user, name="Theirs")
    response = client.post(
        f"/api/albums/{theirs.pk}/images", body, content_type=JSON, headers=other_token
    )
    assert_problem(response, 404)
    assert Image.objects.get(pk=two[0].pk).album_ids == []
    for action in ("favourite", "archive", "trash", "restore"):
        assert_problem(client.post(f"/api/images/{two[0].pk}/{action}", headers=other_token), 404)
    assert Album.objects.get(pk=album["id"]).name == "Mine"


def test_a_read_token_cannot_change_albums(client, read_token, token) -> None:
    response = client.post("/api/albums", {"name": "x"}, content_type=JSON, headers=read_token)
    assert response.status_code == 403
    assert client.get("/api/albums", headers=read_token).status_code == 200
