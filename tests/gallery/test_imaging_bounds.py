"""Bounded decoding (issue 12, F1, F2, F12): decode children with CPU, memory and wall-clock
limits, the JPEG scan cap, the image-data floor, and the PNG check that decodes nothing."""

import io
import re
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from gallery.imaging import ImageRejected, inspect_image, load_rgb
from gallery.imaging import inspect as in_process
from gallery.imaging.sandbox import Limits, run_bounded
from gallery.imaging.structure import MAX_JPEG_SCANS, jpeg_check

LIMITS = {"max_bytes": 50_000_000, "max_pixels": 100_000_000}
_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")


def scan_bomb(*, side: int, scans: int) -> bytes:
    """A progressive JPEG whose smallest AC scan is repeated: every scan is another pass over
    all coefficients (jpegtran -scans makes such files; libjpeg only warns)."""
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).resize((side, side)).save(buffer, "JPEG", quality=90, progressive=True)
    data = buffer.getvalue()
    starts = [found.end() - 2 for found in _MARKER.finditer(data) if data[found.end() - 1] == 0xDA]
    end = data.rindex(b"\xff\xd9")
    bounds = zip(starts[1:], [*starts[2:], end], strict=True)
    chunk = min((data[a:b] for a, b in bounds), key=len)
    return data[:end] + chunk * (scans - len(starts)) + data[end:]


def forged_jpeg(*, width: int, height: int) -> bytes:
    """A small real JPEG whose frame header claims width x height (F12: 633 bytes, 100 Mpx)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "JPEG", quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def blank_png(*, width: int, height: int, rows: int | None = None) -> bytes:
    """A valid 8-bit RGB PNG of black rows (rows < height: the data ends early)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    compressor = zlib.compressobj(9)
    row = bytes(1 + width * 3)
    count = height if rows is None else rows
    body = b"".join(compressor.compress(row) for _ in range(count)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_a_jpeg_with_thousands_of_scans_is_refused_at_once_with_the_reason():
    data = scan_bomb(side=2000, scans=3000)
    started = time.perf_counter()
    with pytest.raises(ImageRejected, match="too many scans") as caught:
        inspect_image(file=data, **LIMITS)
    assert time.perf_counter() - started < 1.5
    assert caught.value.code == "decode_limit"
    assert f"the limit is {MAX_JPEG_SCANS}" in str(caught.value)


def test_an_ordinary_progressive_jpeg_passes(corpus):
    info = inspect_image(file=corpus / "formats" / "jpeg" / "20scans.jpg", **LIMITS)
    assert info.format == "JPEG"


def test_a_jpeg_whose_header_claims_far_more_pixels_than_its_data_holds_is_refused():
    data = forged_jpeg(width=10_000, height=10_000)
    assert len(data) < 1000
    with pytest.raises(ImageRejected, match="truncated or corrupt") as caught:
        inspect_image(file=data, **LIMITS)
    assert "cannot hold 10000x10000 pixels" in str(caught.value)


def forged_over_real_data(*, side: int, claim: int) -> bytes:
    """A forged header over a real side x side picture's data: far more than the floor the
    structure check asks for, far less than the picture it claims."""
    rng = np.random.default_rng(2)
    buffer = io.BytesIO()
    pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", claim, claim)
    return bytes(data)


def test_a_forged_header_over_more_than_the_data_floor_is_refused_by_its_grey_tail():
    data = forged_over_real_data(side=1500, claim=10_000)
    jpeg_check(data, width=10_000, height=10_000)  # passes the byte-level floor
    with pytest.raises(ImageRejected, match="ends early") as caught:
        inspect_image(file=data, **LIMITS)  # in the decode child, as the upload check runs it
    assert caught.value.code == "corrupt"
    assert "picture is missing" in str(caught.value)
    assert "10000x10000" in str(caught.value)


def test_honest_jpegs_with_grey_are_not_taken_for_cut_ones():
    for colour, size in (((128, 128, 128), (2000, 1500)), ((127, 127, 127), (800, 600))):
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
        assert inspect_image(file=buffer.getvalue(), **LIMITS).width == size[0]
    picture = Image.new("RGB", (1200, 900), (30, 120, 200))
    picture.paste((128, 128, 128), (0, 700, 1200, 900))  # a grey footer, 22% of the height
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    assert inspect_image(file=buffer.getvalue(), **LIMITS).height == 900


def test_a_flat_but_honest_jpeg_is_not_taken_for_a_forged_one():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(buffer, "JPEG", quality=75)
    assert inspect_image(file=buffer.getvalue(), **LIMITS).width == 4000


def test_a_100_megapixel_png_is_checked_in_the_request_without_decoding_it(monkeypatch):
    """F2: the upload check inflates the data piece by piece and decodes no pixel."""
    data = blank_png(width=10_000, height=10_000)

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    started = time.perf_counter()
    info = in_process.inspect_image(file=data, **LIMITS)  # what the decode child runs
    assert (info.width, info.height) == (10_000, 10_000)
    assert time.perf_counter() - started < 5


def test_a_100_megapixel_png_whose_data_ends_early_is_still_refused():
    data = blank_png(width=10_000, height=10_000, rows=9_999)  # chunks and CRCs all sound
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        inspect_image(file=data, **LIMITS)


def test_a_decode_child_past_its_cpu_limit_is_killed_and_the_caller_told_why():
    data = scan_bomb(side=3000, scans=3000)  # no scan cap outside the upload check
    started = time.perf_counter()
    with pytest.raises(ImageRejected, match="processor time") as caught:
        run_bounded("rgb", limits=Limits(cpu_s=1, wall_s=60, memory_mb=1024), file=data)
    assert caught.value.code == "decode_limit"
    assert time.perf_counter() - started < 10
    assert load_rgb(file=forged_jpeg(width=16, height=16)).shape == (16, 16, 3)  # pool goes on


def test_a_decode_child_past_its_wall_clock_limit_is_killed():
    data = scan_bomb(side=3000, scans=3000)
    started = time.perf_counter()
    with pytest.raises(ImageRejected, match=r"time limit \(0.5 s\)") as caught:
        run_bounded("rgb", limits=Limits(cpu_s=60, wall_s=0.5, memory_mb=1024), file=data)
    assert caught.value.code == "decode_limit"
    assert time.perf_counter() - started < 3


def test_a_decode_child_past_its_memory_limit_refuses_the_file():
    data = blank_png(width=8_000, height=8_000)  # 192 MB of RGB once decoded
    with pytest.raises(ImageRejected, match=r"memory limit \(64 MB\)") as caught:
        run_bounded("rgb", limits=Limits(cpu_s=20, wall_s=30, memory_mb=64), file=data)
    assert caught.value.code == "decode_limit"


def test_a_child_that_dies_is_a_refusal_not_a_crash():
    from gallery.imaging import sandbox

    child = sandbox._Child()
    child.process.kill()
    child.process.wait()
    with pytest.raises(ImageRejected, match="decoder failed"):
        child.call("rgb", {"file": b""}, sandbox.WORK)


def test_a_child_cannot_make_the_parent_unpickle_arbitrary_objects():
    import pickle

    from gallery.imaging.sandbox import _SafeUnpickler

    hostile = pickle.dumps(("ok", print))
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        _SafeUnpickler(io.BytesIO(hostile)).load()
