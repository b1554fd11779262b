"""gallery.imaging.inspect_image: validation by content, on the real corpus and made-up files."""

import io
import json
import struct
import subprocess
import sys
import time
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from gallery.imaging import ImageRejected, analyse_image, inspect_image, load_rgb

MB = 1_000_000
LIMITS = {"max_bytes": 50 * MB, "max_pixels": 100 * MB}
ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF"}
REPO = Path(__file__).resolve().parents[2]


def formats_manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "formats" / "manifest.json").read_text())


def accepted_entries(corpus: Path) -> list[dict]:
    return [
        entry
        for entry in formats_manifest(corpus)
        if entry["format"] in ACCEPTED and not entry["file"].startswith("large/")
    ]


def inspect_bytes(data: bytes, **limits: int) -> object:
    return inspect_image(file=io.BytesIO(data), **(LIMITS | limits))


def rejection(data: bytes, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        inspect_bytes(data, **limits)
    return caught.value


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(*, width: int, height: int) -> bytes:
    """A valid 1-bit PNG of blank rows: a few hundred KB that would decode to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def test_every_accepted_corpus_format_passes_with_its_real_type_and_size(corpus):
    failures = []
    for entry in accepted_entries(corpus):
        path = corpus / "formats" / entry["file"]
        info = inspect_image(file=path, **LIMITS)
        width, height = entry["width"], entry["height"]
        if (entry.get("orientation") or 1) >= 5:
            width, height = height, width
        expected = (
            "JPEG" if entry["format"] == "MPO" else entry["format"],
            width,
            height,
            entry["frames"],
            entry["sha256"],
            entry["bytes"],
        )
        got = (info.format, info.width, info.height, info.frames, info.sha256, info.size_bytes)
        if got != expected:
            failures.append((entry["file"], got, expected))
    assert failures == []


def test_type_mime_and_extension_come_from_the_content_not_the_name(corpus):
    data = (corpus / "formats" / "png" / "transparent.png").read_bytes()
    info = inspect_image(file=io.BytesIO(data), **LIMITS)
    assert (info.format, info.mime, info.extension) == ("PNG", "image/png", ".png")
    heic = inspect_image(file=corpus / "formats" / "heic" / "cat.hif", **LIMITS)
    assert (heic.format, heic.mime, heic.extension) == ("HEIF", "image/heic", ".heic")
    mpo = inspect_image(file=corpus / "formats" / "jpeg" / "sugarshack.mpo", **LIMITS)
    assert (mpo.format, mpo.mime, mpo.extension) == ("JPEG", "image/jpeg", ".jpg")


def test_an_avif_branded_only_mif1_is_still_read_as_avif(corpus):
    data = bytearray((corpus / "formats" / "avif" / "libheif-example.avif").read_bytes())
    data[8:12] = b"mif1"  # the generic HEIF brand, which AV1 files may carry too
    assert inspect_bytes(bytes(data)).format == "AVIF"


def test_it_takes_bytes_paths_and_streams_and_leaves_a_stream_rewound(corpus):
    path = corpus / "exif" / "gps" / "DSCN0010.jpg"
    stream = io.BytesIO(path.read_bytes())
    stream.seek(100)  # a form may have read some already
    info = inspect_image(file=stream, **LIMITS)
    assert stream.tell() == 0
    assert inspect_image(file=path, **LIMITS) == info
    assert inspect_image(file=path.read_bytes(), **LIMITS) == info


def test_orientation_swaps_the_reported_size(corpus):
    info = inspect_image(file=corpus / "exif" / "orientation" / "landscape_6.jpg", **LIMITS)
    assert (info.width, info.height) == (600, 450)  # stored 450x600 with Orientation 6


@pytest.mark.parametrize("name", ["check.svg", "circle.svg", "struct-image-04-t.svg"])
def test_svg_is_refused_as_not_raster(corpus, name):
    error = rejection((corpus / "formats" / "svg" / name).read_bytes())
    assert str(error).startswith("SVG is not accepted: only raster images")
    assert error.code == "unsupported"


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("hopper.ico", "ICO"),
        ("hopper.psd", "PSD"),
        ("relax.jp2", "JPEG 2000"),
    ],
)
def test_icons_photoshop_and_jpeg_2000_are_refused(corpus, name, what):
    error = rejection((corpus / "formats" / "other" / name).read_bytes())
    assert str(error).startswith(f"not a supported format: {what}")
    assert error.code == "unsupported"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (
            b"Dear diary, today I renamed this to holiday.jpg\n" * 10,
            "not an image: the file contains text",
        ),
        (
            b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
            "not an image: the file is an HTML page",
        ),
        (b"<?xml version='1.0'?><note>hi</note>", "not an image: the file is an XML document"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a supported format: PDF"),
        (
            b"\x00\x01\x02\x03garbage\x00\xff" * 10,
            "not a supported format: the file is not an image",
        ),
        (b"\xff\xd8\xff\xe0 a JPEG header and nothing after", "the file is truncated or corrupt"),
    ],
)
def test_non_images_are_refused_with_a_clear_message(data, message):
    assert str(rejection(data)).startswith(message)


def test_a_file_over_max_bytes_is_refused_before_it_is_read(corpus):
    class CountingStream(io.BytesIO):
        bytes_read = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            self.bytes_read += len(chunk)
            return chunk

    stream = CountingStream((corpus / "formats" / "jpeg" / "gain-map.jpg").read_bytes())
    with pytest.raises(ImageRejected, match="the file is too large") as caught:
        inspect_image(file=stream, max_bytes=100_000, max_pixels=100 * MB)
    assert caught.value.code == "too_large"
    assert stream.bytes_read == 0


def test_a_stream_that_cannot_seek_is_read_only_up_to_the_limit(corpus):
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            return self.inner.read(size)

    data = (corpus / "exif" / "gps" / "DSCN0010.jpg").read_bytes()
    assert inspect_image(file=Pipe(data), **LIMITS).format == "JPEG"  # type: ignore[arg-type]
    with pytest.raises(ImageRejected, match="too large"):
        inspect_image(file=Pipe(data), max_bytes=1000, max_pixels=MB)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["giant-image.jpg", "200MP.heic"])
@pytest.mark.parametrize("max_pixels", [100 * MB, 400 * MB])
def test_giant_images_are_refused_by_pixel_count_from_the_header_fast(
    corpus, monkeypatch, name, max_pixels
):
    from gallery.imaging.inspect import inspect_image  # in-process: what a decode child runs

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr("pillow_heif.as_plugin._LibHeifImageFile.load", no_decoding)
    started = time.perf_counter()
    with pytest.raises(ImageRejected, match="too many pixels") as caught:
        inspect_image(
            file=corpus / "formats" / "large" / name, max_bytes=50 * MB, max_pixels=max_pixels
        )
    assert time.perf_counter() - started < 1.0
    assert caught.value.code == "too_many_pixels"


def test_refusing_the_giant_images_takes_little_memory(corpus):
    """Decoding would take 280 MB (JPEG) and 600 MB (HEIC). tracemalloc cannot see Pillow's C
    buffers, so the peak resident size of a fresh process is measured instead."""
    script = f"""
import resource
from gallery.imaging import ImageRejected, analyse_image, inspect_image, load_rgb
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for name in ("giant-image.jpg", "200MP.heic"):
    try:
        inspect_image(file=open({str(corpus / "formats" / "large")!r} + "/" + name, "rb"),
                      max_bytes=50_000_000, max_pixels=100_000_000)
    except ImageRejected:
        pass
    else:
        raise SystemExit(name + " was accepted")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert int(result.stdout.strip()) < 40_000  # KiB


def test_a_decompression_bomb_png_is_refused_and_never_crashes():
    data = bomb_png(width=30_000, height=30_000)  # 900 Mpx in a small file
    assert len(data) < 200_000
    error = rejection(data)
    assert error.code == "too_many_pixels"
    assert "900.0 megapixels" in str(error)


def test_pillows_bomb_warning_is_a_refusal_even_when_warnings_are_errors():
    data = bomb_png(width=12_000, height=12_000)  # 144 Mpx: past Pillow's warning threshold
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error = rejection(data, max_pixels=100 * MB)
    assert error.code == "too_many_pixels"


def test_the_pixel_limit_is_checked_before_decoding(corpus):
    data = (corpus / "formats" / "png" / "blackbug.png").read_bytes()  # 2048x1536
    error = rejection(data, max_pixels=2 * MB)
    assert str(error) == (
        "the image has too many pixels: 3.1 megapixels (2048x1536), the limit is 2 megapixels"
    )


@pytest.mark.parametrize(
    ("name", "fraction"),
    [
        ("exif/gps/DSCN0010.jpg", 0.5),
        ("exif/phone/iphone_hdr_NO.jpg", 0.97),
        ("formats/jpeg/20scans.jpg", 0.8),  # progressive: the last scans are missing
        ("formats/jpeg/Channel_digital_image_CMYK_color.jpg", 0.7),
        ("formats/png/blackbug.png", 0.5),
        ("formats/png/embedgravitybird.png", 0.99),
        ("formats/png/iss634.apng", 0.8),  # the first frame is whole, later ones are cut
        ("formats/gif/chi.gif", 0.7),
        ("formats/webp/4.webp", 0.9),
        ("formats/webp/iss634.webp", 0.8),
        ("formats/tiff/uncompressed_tiff.tiff", 0.6),
        ("formats/heic/pug.heic", 0.5),  # libheif alone would decode this without complaint
        ("formats/avif/libheif-example.avif", 0.9),
        ("formats/other/rgb24.bmp", 0.6),
    ],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
def test_truncated_files_are_refused(corpus, name, fraction):
    data = (corpus / name).read_bytes()
    error = rejection(data[: int(len(data) * fraction)])
    assert (str(error), error.code) == ("the file is truncated or corrupt", "corrupt")


def test_a_png_cut_just_before_its_end_chunk_is_refused(corpus):
    data = (corpus / "formats" / "png" / "transparent.png").read_bytes()
    assert data.endswith(png_chunk(b"IEND", b""))
    assert rejection(data[:-12]).code == "corrupt"


def test_a_corrupt_jpeg_body_is_refused(corpus):
    data = bytearray((corpus / "exif" / "gps" / "DSCN0010.jpg").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = b"\xff" * 2000  # markers in the scan
    assert rejection(bytes(data)).code == "corrupt"


def test_a_png_with_garbage_in_its_image_data_is_refused_everywhere(corpus):
    data = bytearray((corpus / "formats" / "png" / "blackbug.png").read_bytes())
    start = data.find(b"IDAT") + 5000
    data[start : start + 4000] = bytes(range(256)) * 15 + bytes(range(160))  # same length
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        inspect_bytes(bytes(data))
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        analyse_image(file=bytes(data))
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        load_rgb(file=bytes(data))


def test_image_rejected_is_a_value_error():
    assert issubclass(ImageRejected, ValueError)
    error = ImageRejected("nope", code="corrupt")
    assert (str(error), error.code) == ("nope", "corrupt")


def test_a_renamed_png_is_still_a_png():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(buffer, "PNG")
    buffer.name = "photo.jpg"
    assert inspect_image(file=buffer, **LIMITS).extension == ".png"
