"""Pure parts of dates and places: the gazetteer, place terms, camera names, EXIF as text,
the validation of a date and place edit. No database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from gallery.exif_display import camera_name, exif_rows, exif_summary, exif_value
from gallery.places import fold, gazetteer
from gallery.selectors import GalleryFilter
from gallery.terms import facet, image_terms, place_facets, place_value
from gallery.whenwhere import offset_parse, when_where_from


@pytest.mark.parametrize(
    ("make", "model", "name"),
    [
        ("Canon", "Canon PowerShot SX60 HS", "Canon PowerShot SX60 HS"),
        ("NIKON CORPORATION", "NIKON D70s", "NIKON D70s"),
        ("PENTAX Corporation", "PENTAX K10D", "PENTAX K10D"),
        ("EASTMAN KODAK COMPANY", "KODAK CX7530 ZOOM", "KODAK CX7530 ZOOM"),
        ("Apple", "iPhone 13 Pro", "Apple iPhone 13 Pro"),
        ("SONY", "", "SONY"),
        ("", "HDR-HC3", "HDR-HC3"),
    ],
)
def test_camera_names_are_not_doubled(make, model, name) -> None:
    assert camera_name(make, model) == name


def test_camera_terms_hold_the_name_once() -> None:
    terms = image_terms(camera=camera_name("Canon", "Canon PowerShot SX60 HS"))
    assert "canon" in terms
    assert "powershot" in terms
    assert terms.count("canon") == 1


def test_exif_values_read_as_a_person_writes_them() -> None:
    assert exif_value("ExposureTime", 0.008264462809917356) == "1/121 s"
    assert exif_value("ExposureTime", 2.5) == "2.5 s"
    assert exif_value("MeteringMode", 5) == "Pattern"
    assert exif_value("FNumber", 1.5) == "f/1.5"
    assert exif_value("ExposureProgram", 2) == "Normal program"
    assert exif_value("Flash", 16) == "Did not fire, suppressed"
    assert exif_value("GPSLatitude", [43.0, 28.0, 2.814]) == "43° 28′ 2.81″"
    assert exif_value("ExposureBiasValue", -0.6666666) == "−2/3 EV"
    assert exif_value("Unknown", 0.123456789) == "0.1235"
    assert exif_value("MeteringMode", 77) == "77"  # unknown codes stay as they are


def test_summary_line_and_rows() -> None:
    exif = {"ExposureTime": 0.008264462809917356, "FNumber": 1.5, "ISOSpeedRatings": 125}
    exif |= {"FocalLength": 5.7, "FocalLengthIn35mmFilm": 26, "MeteringMode": 5}
    assert (
        exif_summary(exif, camera="NIKON D70s") == "1/121 s · f/1.5 · ISO 125 · 26 mm · NIKON D70s"
    )
    assert exif_summary({}, camera="") == ""
    assert ("MeteringMode", "Pattern") in exif_rows(exif)


def test_gazetteer_names_places_near_coordinates_and_nothing_at_sea() -> None:
    place = gazetteer().nearest(43.785594, 11.234619)
    assert place is not None
    assert (place.city, place.region, place.country) == ("Florence", "Tuscany", "Italy")
    assert gazetteer().nearest(0.0, -30.0) is None  # mid-Atlantic
    assert gazetteer().nearest(95.0, 0.0) is None


def test_gazetteer_finds_places_by_name_most_populous_first() -> None:
    assert gazetteer().search("rome")[0].label == "Rome, Lazio, Italy"
    texas = gazetteer().search("Paris, Texas")
    assert texas
    assert texas[0].region == "Texas"
    assert gazetteer().search("Sao Paulo")[0].city == "São Paulo"
    assert gazetteer().search("Arezzo, Tuscany, Italy")[0].label == "Arezzo, Tuscany, Italy"
    assert gazetteer().search("zzzqqq") == []
    assert fold("São Paulo") == "sao paulo"


def test_place_terms_at_every_level_and_the_filter_asks_for_them() -> None:
    assert place_value("Italy", "Tuscany", "Arezzo") == "Italy/Tuscany/Arezzo"
    assert place_value("Italy", "", "") == "Italy"
    assert place_value("", "", "") == ""
    facets = place_facets("Italy", "Tuscany", "Arezzo")
    assert list(facets) == ["place:italy", "place:italy/tuscany", "place:italy/tuscany/arezzo"]
    terms = image_terms(title="Duomo", place=("Italy", "Tuscany", "Arezzo"))
    assert {*facets, "arezzo", "tuscany", "italy"} <= set(terms)
    assert GalleryFilter(place="Italy/Tuscany").terms() == [facet("place", "italy/tuscany")]


def test_offsets_parse_and_bad_ones_are_refused() -> None:
    assert offset_parse("+03:00") == 180
    assert offset_parse("-0530") == -330
    assert offset_parse("UTC+3:00") == 180
    assert offset_parse("") is None
    for bad in ("+15:00", "3", "+03:75", "abc"):
        with pytest.raises(ValueError, match="."):
            offset_parse(bad)


def test_an_edit_is_validated_field_by_field() -> None:
    naive = datetime(2023, 2, 21, 14, 33)  # noqa: DTZ001 - the photo's wall time, as typed
    change = when_where_from(taken_at=naive, taken_offset="+03:00")
    assert change.set_taken
    assert not change.set_location
    assert change.taken_at == datetime(2023, 2, 21, 11, 33, tzinfo=UTC)
    assert change.taken_offset == 180
    by_name = when_where_from(place="Arezzo")
    assert by_name.set_location
    assert by_name.place is not None
    assert by_name.latitude == pytest.approx(43.46, abs=0.01)
    with pytest.raises(ValidationError) as caught:
        when_where_from(
            taken_at=datetime.now(UTC) + timedelta(days=3),
            latitude=91.0,
            longitude=10.0,
            place="Nowhere-at-all-qq",
            taken_offset="+25:00",
        )
    assert set(caught.value.message_dict) == {"taken_at", "latitude", "place", "taken_offset"}
    with pytest.raises(ValidationError) as caught:
        when_where_from(latitude=10.0)
    assert "longitude" in caught.value.message_dict
    cleared = when_where_from(clear_location=True)
    assert cleared.set_location
    assert cleared.latitude is None
