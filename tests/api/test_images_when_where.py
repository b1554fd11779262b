"""The API's image update sets the time taken and the location (coordinates or a place by
name) with the form's validation, for the caller's images only."""

import pytest

from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_patch_sets_date_with_offset_and_place_by_name(client, token, image) -> None:
    url = f"/api/images/{image.pk}"
    response = client.patch(
        url,
        {"taken_at": "2021-08-15T18:45:00+02:00", "place": "Kyoto, Japan"},
        content_type="application/json",
        headers=token,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["taken_at"].startswith("2021-08-15T16:45:00")
    assert body["taken_offset"] == "+02:00"
    assert body["place"]["city"] == "Kyoto"
    assert body["place"]["country"] == "Japan"
    assert body["latitude"] == pytest.approx(35.02, abs=0.05)
    found = client.get("/api/images", {"place": body["place"]["filter"]}, headers=token).json()
    assert [item["id"] for item in found["items"]] == [str(image.pk)]


def test_patch_by_coordinates_names_the_place_and_keeps_the_rest(client, token, image) -> None:
    url = f"/api/images/{image.pk}"
    body = client.patch(
        url,
        {"latitude": 48.8566, "longitude": 2.3522},
        content_type="application/json",
        headers=token,
    ).json()
    assert body["place"]["city"] == "Paris"
    assert body["title"] == image.title
    assert body["taken_at"].startswith("2008-10-22T16:28:39")  # unchanged


def test_patch_refuses_what_the_form_refuses(client, token, image) -> None:
    url = f"/api/images/{image.pk}"
    for bad, field in (
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": 10}, "longitude"),
        ({"place": "Nowhere-at-all-qq"}, "place"),
        ({"taken_at": "2999-01-01T00:00:00Z"}, "taken_at"),
        ({"taken_at": "2020-01-01T00:00:00", "taken_offset": "+99:00"}, "taken_offset"),
    ):
        response = client.patch(url, bad, content_type="application/json", headers=token)
        problem = assert_problem(response, 400)
        assert field in {error["field"] for error in problem["errors"]}, bad
    image.refresh_from_db()
    assert image.place_city == "Arezzo"


def test_another_users_image_is_404(client, other_token, image) -> None:
    response = client.patch(
        f"/api/images/{image.pk}",
        {"place": "Kyoto"},
        content_type="application/json",
        headers=other_token,
    )
    assert_problem(response, 404)
    image.refresh_from_db()
    assert image.place_city == "Arezzo"
