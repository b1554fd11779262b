"""Dates and places through the real views: ingest of corpus photos names their places, the
detail page shows the EXIF summary and the local time, edits of one image and of a selection,
the places view and the place filter; and the two detail-page defects."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from gallery.models import Image, TermCount
from tests.factories import ready_image

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _text(response) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    ("name", "city", "region", "country"),
    [
        ("exif/gps/DSCN0010.jpg", "Arezzo", "Tuscany", "Italy"),
        ("exif/edge-cases/87_OSError.jpg", "Florence", "Tuscany", "Italy"),
        (
            "exif/edge-cases/67-0_length_string.jpg",
            "Gummersbach",
            "North Rhine-Westphalia",
            "Germany",
        ),
        ("exif/camera/Kodak_CX7530.jpg", "Nakuru", "Nakuru County", "Kenya"),
    ],
)
def test_ingest_names_the_place_of_corpus_photos(user, corpus, name, city, region, country) -> None:
    image = ready_image(user, corpus / name)
    assert (image.place_city, image.place_region, image.place_country) == (city, region, country)
    assert f"place:{country.casefold()}/{region.casefold()}/{city.casefold()}" in image.terms
    assert city.casefold() in image.terms  # searchable by name


def test_detail_shows_summary_humanised_table_camera_once_and_place(
    user_client, user, corpus
) -> None:
    image = ready_image(user, corpus / "exif/edge-cases/87_OSError.jpg")
    response = user_client.get(reverse("gallery:image_detail", args=[image.pk]))
    text = _text(response)
    assert "1/60 s · f/29 · ISO 1000 · 90 mm · NIKON D70s" in text
    assert "MeteringMode Pattern" in text
    assert "0.016666" not in text
    assert "NIKON CORPORATION NIKON D70s" not in text
    assert "Florence, Tuscany, Italy" in text
    assert "14 Dec 2005, 14:39 UTC" in text  # no offset in its EXIF: labelled UTC


def test_pug_heic_is_shown_in_its_local_time_with_its_offset(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "formats/heic/pug.heic")
    assert image.taken_offset == 180
    assert image.taken_at.hour == 11  # stored in UTC
    text = _text(user_client.get(reverse("gallery:image_detail", args=[image.pk])))
    assert "21 Feb 2023, 14:33 UTC+03:00" in text
    assert "1/121 s · f/1.5 · ISO 125 · 26 mm · Apple iPhone 13 Pro" in text


def test_editing_date_and_place_on_the_detail_page_confirms_in_place(
    user_client, user, corpus
) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    url = reverse("gallery:image_when_where", args=[image.pk])
    response = user_client.post(
        url,
        {
            "taken_at": "2020-07-04T09:30",
            "taken_offset": "-04:00",
            "place": "Boston, Massachusetts",
        },
        headers=HX,
    )
    text = _text(response)
    assert response.status_code == 200
    assert "Date and place saved." in text
    assert "4 Jul 2020, 09:30 UTC-04:00" in text
    assert "Boston, Massachusetts, United States" in text
    image.refresh_from_db()
    assert image.taken_at.hour == 13
    assert image.place_city == "Boston"
    assert image.latitude == pytest.approx(42.36, abs=0.05)
    assert sorted(image.edited) == ["location", "taken"]
    assert "place:united states/massachusetts/boston" in image.terms
    assert "place:italy" not in image.terms
    counts = dict(TermCount.objects.filter(owner=user).values_list("term", "count"))
    assert counts["place:united states"] == 1
    assert counts.get("place:italy", 0) == 0
    # the next page shows no stale message
    assert "saved" not in _text(user_client.get(reverse("gallery:gallery"))).casefold()


def test_a_bad_edit_shows_errors_and_changes_nothing(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    url = reverse("gallery:image_when_where", args=[image.pk])
    response = user_client.post(url, {"latitude": "95", "longitude": "10"}, headers=HX)
    assert "Latitude is between -90 and 90." in _text(response)
    assert "saved" not in _text(response).casefold()
    image.refresh_from_db()
    assert image.place_city == "Arezzo"


def test_coordinates_edit_names_the_place(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/camera/Canon_40D.jpg")  # no GPS
    assert image.place_country == ""
    user_client.post(
        reverse("gallery:image_when_where", args=[image.pk]),
        {"latitude": "48.8566", "longitude": "2.3522"},
    )
    image.refresh_from_db()
    assert (image.place_city, image.place_country) == ("Paris", "France")


def test_another_users_image_cannot_be_edited(client, user, other_user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    client.force_login(other_user)
    url = reverse("gallery:image_when_where", args=[image.pk])
    assert client.post(url, {"place": "Boston"}).status_code == 404
    client.post(reverse("gallery:images_when_where"), {"ids": [str(image.pk)], "place": "Boston"})
    image.refresh_from_db()
    assert image.place_city == "Arezzo"


def test_batch_edit_from_the_selection_changes_only_the_owners_images(
    user_client, user, other_user, corpus
) -> None:
    mine = [ready_image(user, corpus / f"exif/gps/DSCN00{n}.jpg") for n in (10, 12)]
    theirs = ready_image(other_user, corpus / "exif/gps/DSCN0021.jpg")
    ids = [str(image.pk) for image in [*mine, theirs]]
    url = reverse("gallery:images_when_where")
    started = user_client.post(url, {"ids": ids, "start": "1"})  # the toolbar's button
    assert "2 images" in _text(started)
    assert "error" not in _text(started).casefold()
    response = user_client.post(url, {"ids": ids, "place": "Kyoto", "taken_at": "2019-04-01T08:00"})
    assert response.status_code == 302
    for image in mine:
        image.refresh_from_db()
        assert image.place_city == "Kyoto"
        assert image.taken_at.year == 2019
    theirs.refresh_from_db()
    assert theirs.place_city == "Arezzo"


def test_places_view_lists_counts_and_links_to_the_filtered_gallery(
    user_client, user, corpus
) -> None:
    for name in ("gps/DSCN0010.jpg", "gps/DSCN0012.jpg", "edge-cases/87_OSError.jpg"):
        ready_image(user, corpus / "exif" / name)
    ready_image(user, corpus / "exif/camera/Canon_40D.jpg")  # no place
    response = user_client.get(reverse("gallery:places"))
    text = _text(response)
    assert re.search(r"Italy 3 ", text)
    assert re.search(r"Tuscany 3 ", text)
    assert re.search(r"Arezzo 2 ", text)
    assert re.search(r"Florence 1", text)
    assert "?place=Italy/Tuscany/Arezzo" in response.content.decode()
    gallery = user_client.get(reverse("gallery:gallery"), {"place": "Italy/Tuscany/Arezzo"})
    assert len(gallery.context["images"]) == 2
    assert {image.place_city for image in gallery.context["images"]} == {"Arezzo"}
    country = user_client.get(reverse("gallery:gallery"), {"place": "italy"})
    assert len(country.context["images"]) == 3


def test_place_suggestions_come_from_the_gazetteer(user_client) -> None:
    response = user_client.get(reverse("gallery:place_suggest"), {"place": "Arez"}, headers=HX)
    assert '<option value="Arezzo, Tuscany, Italy">' in response.content.decode()


def test_save_details_confirms_in_place_and_leaves_no_message_for_later(
    user_client, user, corpus
) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    response = user_client.post(
        reverse("gallery:image_edit_meta", args=[image.pk]),
        {"title": "Piazza", "description": "", "tags": ""},
        headers=HX,
    )
    assert "Saved." in _text(response)
    following = user_client.get(reverse("gallery:image_detail", args=[image.pk]))
    assert "Saved." not in _text(following)


def test_multi_word_search_finds_the_image(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    user_client.post(
        reverse("gallery:image_edit_meta", args=[image.pk]),
        {"title": "Harbour at sunset", "description": "", "tags": "boats"},
    )
    for query in ("harbour sunset", "sunset harb", "harbour boats arezzo", "nikon coolpix"):
        response = user_client.get(reverse("gallery:gallery"), {"q": query})
        assert [found.pk for found in response.context["images"]] == [image.pk], query
    response = user_client.get(reverse("gallery:gallery"), {"q": "harbour dog"})
    assert response.context["images"] == []


def test_reingest_keeps_what_the_owner_set(user, corpus) -> None:
    from gallery.ingest import image_ingest

    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    from gallery.whenwhere import images_when_where_set, when_where_from

    change = when_where_from(place="Kyoto")
    images_when_where_set(owner_id=user.pk, image_ids=[image.pk], change=change)
    image_ingest(image=Image.objects.get(pk=image.pk))
    image.refresh_from_db()
    assert image.place_city == "Kyoto"
    assert image.taken_at is not None
    assert image.taken_at.year == 2008


def test_corpus_path_is_used(corpus: Path) -> None:
    assert (corpus / "formats/heic/pug.heic").exists()
