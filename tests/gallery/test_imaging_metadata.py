"""gallery.imaging.read_metadata: EXIF, camera, time, GPS and displayed size."""

import io
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from gallery.imaging import ImageRejected, read_metadata


def exif_manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "exif" / "manifest.json").read_text())


def formats_manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "formats" / "manifest.json").read_text())


def naive(exif_date: str | None) -> datetime | None:
    """EXIF local time as written, without a zone."""
    return exif_date and datetime.strptime(exif_date, "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007


def jpeg_with(exif: Image.Exif, size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "gray").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def gps_exif(gps: dict[int, object]) -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    return exif


def test_gps_of_every_exif_photo_matches_the_manifest(corpus):
    for entry in exif_manifest(corpus):
        metadata = read_metadata(file=corpus / "exif" / entry["file"])
        if entry["has_gps"]:
            assert metadata.latitude == pytest.approx(entry["lat"], abs=1e-4), entry["file"]
            assert metadata.longitude == pytest.approx(entry["lon"], abs=1e-4), entry["file"]
        else:  # includes GPS IFDs without coordinates (edge-cases/45-gps_ifd.jpg)
            assert (metadata.latitude, metadata.longitude) == (None, None), entry["file"]


def test_camera_time_orientation_and_size_match_the_manifest(corpus):
    for entry in exif_manifest(corpus):
        metadata = read_metadata(file=corpus / "exif" / entry["file"])
        orientation = entry["orientation"] or 1
        width, height = entry["width"], entry["height"]
        if orientation >= 5:
            width, height = height, width
        taken = entry["datetime_original"]
        expected = (entry["make"], entry["model"], orientation, width, height, naive(taken))
        taken_at = metadata.taken_at and metadata.taken_at.replace(microsecond=0, tzinfo=None)
        got = (
            metadata.camera_make,
            metadata.camera_model,
            metadata.orientation,
            metadata.width,
            metadata.height,
            taken_at,
        )
        assert got == expected, entry["file"]


def test_make_is_kept_when_the_model_repeats_it(corpus):
    metadata = read_metadata(file=corpus / "exif" / "camera" / "Canon_40D.jpg")
    assert (metadata.camera_make, metadata.camera_model) == ("Canon", "Canon EOS 40D")


def test_heic_phone_photos_carry_camera_gps_and_time(corpus):
    phones = [
        e for e in formats_manifest(corpus) if e["file"].startswith("heic/") and e.get("make")
    ]
    assert len(phones) >= 5
    for entry in phones:
        metadata = read_metadata(file=corpus / "formats" / entry["file"])
        assert (metadata.camera_make, metadata.camera_model) == (entry["make"], entry["model"])
        assert (metadata.latitude is not None) == entry["has_gps"], entry["file"]
        assert metadata.taken_at is not None
    pug = read_metadata(file=corpus / "formats" / "heic" / "pug.heic")
    assert pug.latitude == pytest.approx(44.85048, abs=1e-4)
    assert pug.longitude == pytest.approx(34.97665, abs=1e-4)
    assert pug.taken_at == datetime(
        2023, 2, 21, 14, 33, 8, 302000, tzinfo=timezone(timedelta(hours=3))
    )
    assert pug.altitude is not None


def test_exif_is_json_safe_and_fit_for_mongodb_everywhere(corpus):
    paths = [corpus / "exif" / e["file"] for e in exif_manifest(corpus)]
    paths += [
        corpus / "formats" / e["file"]
        for e in formats_manifest(corpus)
        if e["format"] not in ("SVG", "ICO", "PSD", "JPEG2000")
        and not e["file"].startswith("large/")
    ]
    for path in paths:
        exif = read_metadata(file=path).exif
        text = json.dumps(exif, allow_nan=False)
        assert len(text) < 40_000, path
        for key, value in exif.items():
            assert key, path
            assert "." not in key, (path, key)
            assert not key.startswith("$"), (path, key)
            assert isinstance(value, str | int | float | list), (path, key, value)
    canon = read_metadata(file=corpus / "exif" / "camera" / "Canon_40D.jpg").exif
    assert canon["Make"] == "Canon"
    assert canon["ExifVersion"] == "0221"
    assert "MakerNote" not in canon


def test_reading_metadata_decodes_no_pixels(corpus, monkeypatch):
    from gallery.imaging.metadata import read_metadata  # in-process: what a decode child runs

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr("pillow_heif.as_plugin._LibHeifImageFile.load", no_decoding)
    assert read_metadata(file=corpus / "exif" / "phone" / "jolla.jpg").camera_make == "Jolla"
    assert read_metadata(file=corpus / "formats" / "heic" / "xiaomi.heic").latitude is not None


def test_south_west_and_below_sea_level_are_negative():
    data = jpeg_with(
        gps_exif(
            {
                1: "S",
                2: (IFDRational(33, 1), IFDRational(51, 1), IFDRational(3600, 100)),
                3: "W",
                4: (IFDRational(151, 1), IFDRational(12, 1), IFDRational(0, 1)),
                5: b"\x01",
                6: IFDRational(125, 10),
            }
        )
    )
    metadata = read_metadata(file=data)
    assert metadata.latitude == pytest.approx(-(33 + 51 / 60 + 36 / 3600))
    assert metadata.longitude == pytest.approx(-(151 + 12 / 60))
    assert metadata.altitude == -12.5


def test_zero_denominators_do_not_break_gps():
    seconds_unknown = {
        1: "N",
        2: (IFDRational(45, 1), IFDRational(30, 1), IFDRational(0, 0)),
        3: "E",
        4: (IFDRational(7, 1), IFDRational(0, 0), IFDRational(0, 0)),
    }
    metadata = read_metadata(file=jpeg_with(gps_exif(seconds_unknown)))
    assert (metadata.latitude, metadata.longitude) == (45.5, 7.0)
    degrees_unknown = {
        1: "N",
        2: (IFDRational(0, 0), IFDRational(30, 1), IFDRational(0, 1)),
        3: "E",
        4: (IFDRational(7, 1), IFDRational(0, 1), IFDRational(0, 1)),
        6: IFDRational(3, 0),
    }
    metadata = read_metadata(file=jpeg_with(gps_exif(degrees_unknown)))
    assert (metadata.latitude, metadata.longitude, metadata.altitude) == (None, None, None)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in metadata.exif.values())


def test_a_gps_ifd_without_coordinates_or_at_zero_zero_gives_none():
    assert read_metadata(file=jpeg_with(gps_exif({0: b"\x02\x02\x00\x00"}))).latitude is None
    zero = {1: "N", 2: (IFDRational(0, 1),) * 3, 3: "E", 4: (IFDRational(0, 1),) * 3}
    assert read_metadata(file=jpeg_with(gps_exif(zero))).latitude is None


def test_offset_time_makes_taken_at_aware():
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif).update({0x9003: "2021:07:06 16:08:14", 0x9011: "-05:30"})
    taken_at = read_metadata(file=jpeg_with(exif)).taken_at
    assert taken_at == datetime(
        2021, 7, 6, 16, 8, 14, tzinfo=timezone(-timedelta(hours=5, minutes=30))
    )


@pytest.mark.parametrize(
    "value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2021:13:40 25:61:00", "yesterday", ""]
)
def test_invalid_dates_give_none(value):
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[0x9003] = value
    assert read_metadata(file=jpeg_with(exif)).taken_at is None


def test_taken_at_falls_back_to_digitized_then_to_datetime():
    exif = Image.Exif()
    exif[0x0132] = "2010:01:02 03:04:05"
    assert read_metadata(file=jpeg_with(exif)).taken_at == datetime(2010, 1, 2, 3, 4, 5)  # noqa: DTZ001
    exif.get_ifd(ExifTags.IFD.Exif)[0x9004] = "2009:01:02 03:04:05"
    assert read_metadata(file=jpeg_with(exif)).taken_at == datetime(2009, 1, 2, 3, 4, 5)  # noqa: DTZ001


def test_exif_values_are_cleaned_and_bounded():
    exif = Image.Exif()
    exif[0x010F] = "  ACME Corp\x00\x00 "
    exif[0x010E] = "x" * 5000  # ImageDescription
    exif[0x9999] = "private tag"
    exif.get_ifd(ExifTags.IFD.Exif).update(
        {
            0x9286: b"ASCII\x00\x00\x00a holiday",
            0x927C: b"\x01" * 4000,
            0xA000: b"0100",
            0x9101: b"\x01\x02\x03\x00",
        }
    )
    metadata = read_metadata(file=jpeg_with(exif))
    assert metadata.camera_make == "ACME Corp"
    assert metadata.exif["Make"] == "ACME Corp"
    assert len(metadata.exif["ImageDescription"]) == 512  # type: ignore[arg-type]
    assert metadata.exif["Tag0x9999"] == "private tag"
    assert metadata.exif["UserComment"] == "a holiday"
    assert metadata.exif["FlashPixVersion"] == "0100"
    assert metadata.exif["ComponentsConfiguration"] == "01020300"
    assert "MakerNote" not in metadata.exif


def test_metadata_of_a_non_image_is_refused():
    with pytest.raises(ImageRejected, match="not an image"):
        read_metadata(file=b"hello, world\n")
