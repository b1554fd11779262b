"""gallery.imaging renditions, analysis, pixels for the editor, perceptual hash."""

import hashlib
import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from gallery.imaging import (
    ImageRejected,
    analyse_image,
    hamming,
    load_rgb,
    load_rgba,
    make_renditions,
    perceptual_hash,
    read_metadata,
)

ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "TIFF", "BMP", "HEIF", "AVIF"}
SIZES = {"thumb": 400, "preview": 1600}


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    image.load()
    return image


def grey(data: bytes) -> np.ndarray:
    return np.asarray(decoded(data).convert("L"), dtype=np.float64)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def accepted_entries(corpus: Path) -> list[dict]:
    manifest = json.loads((corpus / "formats" / "manifest.json").read_text())
    return [e for e in manifest if e["format"] in ACCEPTED and not e["file"].startswith("large/")]


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_every_orientation_gives_an_upright_rendition(corpus, kind):
    folder = corpus / "exif" / "orientation"
    upright = make_renditions(file=folder / f"{kind}_1.jpg", sizes={"thumb": 300})["thumb"]
    reference = grey(upright.data)
    assert correlation(reference, reference[:, ::-1]) < 0.7  # a mirror image would not pass
    for value in range(2, 9):
        rendition = make_renditions(file=folder / f"{kind}_{value}.jpg", sizes={"thumb": 300})
        thumb = rendition["thumb"]
        assert (thumb.width, thumb.height) == (upright.width, upright.height), value
        assert correlation(grey(thumb.data), reference) > 0.9, value


def test_a_real_rotated_camera_photo_comes_out_portrait(corpus):
    renditions = make_renditions(file=corpus / "exif" / "phone" / "canon_hdr_NO.jpg")
    assert (renditions["preview"].width, renditions["preview"].height) == (1200, 1600)
    assert (renditions["thumb"].width, renditions["thumb"].height) == (300, 400)


def test_every_accepted_format_gives_webp_renditions_within_the_box(corpus):
    for entry in accepted_entries(corpus):
        renditions = make_renditions(file=corpus / "formats" / entry["file"], sizes=SIZES)
        assert set(renditions) == set(SIZES)
        longest = max(entry["width"], entry["height"])
        for name, side in SIZES.items():
            rendition = renditions[name]
            image = decoded(rendition.data)
            assert image.size == (rendition.width, rendition.height)
            assert max(image.size) == min(side, longest), (entry["file"], name)
            assert "exif" not in image.info, entry["file"]  # no GPS leaks into renditions


def test_alpha_is_kept_and_opaque_images_have_none(corpus):
    transparent = make_renditions(file=corpus / "formats" / "png" / "transparent.png")
    image = decoded(transparent["thumb"].data)
    assert image.mode == "RGBA"
    assert image.getchannel("A").getextrema()[0] == 0
    opaque = make_renditions(file=corpus / "formats" / "png" / "RGBA_16__128x128.png")
    assert decoded(opaque["thumb"].data).mode in ("RGB", "RGBA")
    keyed = load_rgba(file=corpus / "formats" / "png" / "tbgn2c16.png")  # RGB + tRNS colour
    assert (keyed[..., 3] == 0).any()
    photo = make_renditions(file=corpus / "exif" / "gps" / "DSCN0010.jpg")
    assert decoded(photo["thumb"].data).mode == "RGB"


@pytest.mark.parametrize(
    "name",
    [
        "jpeg/Channel_digital_image_CMYK_color.jpg",
        "jpeg/Channel_digital_image_CMYK_color_no_profile.jpg",
        "tiff/fogra-0-100-100-0.tif",
        "png/Flag_of_the_Netherlands-16bit.png",
    ],
)
def test_cmyk_and_16_bit_come_out_with_sensible_colours(corpus, name):
    pixels = load_rgb(file=corpus / "formats" / name)
    assert pixels.dtype == np.uint8
    assert pixels.shape[2] == 3
    if "fogra" in name:  # 0% C, 100% M, 100% Y, 0% K is red
        red, green, blue = pixels.reshape(-1, 3).mean(axis=0)
        assert red > 180
        assert max(green, blue) < 80
    elif "Netherlands" in name:  # red, white, blue bands
        top, middle, bottom = pixels[50, 450], pixels[300, 450], pixels[550, 450]
        assert top[0] > 150 > top[2]
        assert middle.min() > 200
        assert bottom[2] > 100 > bottom[0]
    else:
        cmyk = load_rgb(file=corpus / "formats" / "jpeg" / "Channel_digital_image_CMYK_color.jpg")
        assert np.abs(pixels.astype(int) - cmyk.astype(int)).mean() < 40  # profile or not


def test_16_bit_grey_is_scaled_not_clipped(corpus):
    pixels = load_rgb(file=corpus / "formats" / "png" / "L_16__128x128.png")
    assert 0 < pixels.mean() < 250
    assert pixels.max() > 128


def test_big_jpegs_are_decoded_at_reduced_scale(corpus, monkeypatch):
    """The in-process functions a decode child runs (the spy can't see into the child)."""
    from gallery.imaging.arrays import load_rgb
    from gallery.imaging.renditions import make_renditions

    sizes_decoded = []
    original_load = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile):  # noqa: ANN202
        sizes_decoded.append(self.size)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    renditions = make_renditions(file=corpus / "formats" / "jpeg" / "gain-map.jpg")  # 3840x2160
    assert set(sizes_decoded) == {(1920, 1080)}  # 1/2 scale: still >= the 1600 preview
    assert (renditions["preview"].width, renditions["preview"].height) == (1600, 900)
    sizes_decoded.clear()
    assert load_rgb(file=corpus / "formats" / "jpeg" / "gain-map.jpg", max_side=400).shape == (
        225,
        400,
        3,
    )
    assert set(sizes_decoded) == {(480, 270)}  # 1/8 scale


def test_analysis_without_renditions_still_hashes(corpus):
    path = corpus / "exif" / "orientation" / "landscape_6.jpg"
    analysis = analyse_image(file=path, sizes={})
    assert analysis.renditions == {}
    with_thumb = analyse_image(file=path, sizes={"thumb": 256})
    assert hamming(analysis.phash, with_thumb.phash) <= 2


def test_small_images_are_never_enlarged(corpus):
    renditions = make_renditions(file=corpus / "exif" / "camera" / "Canon_40D.jpg")
    assert {(r.width, r.height) for r in renditions.values()} == {(100, 68)}


def test_the_first_frame_of_an_animation_is_used(corpus):
    frame = load_rgb(file=corpus / "formats" / "gif" / "iss634.gif")
    with Image.open(corpus / "formats" / "gif" / "iss634.gif") as gif:
        first = np.asarray(gif.convert("RGB"))
    assert np.array_equal(frame, first)


def test_analysis_matches_the_separate_functions(corpus):
    path = corpus / "exif" / "phone" / "iphone_hdr_NO.jpg"
    analysis = analyse_image(file=path, sizes=SIZES)
    assert analysis.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert analysis.metadata == read_metadata(file=path)
    assert analysis.metadata.latitude == pytest.approx(40.446972, abs=1e-4)
    separate = make_renditions(file=path, sizes=SIZES)
    assert {k: (r.width, r.height) for k, r in analysis.renditions.items()} == {
        k: (r.width, r.height) for k, r in separate.items()
    }
    alone = perceptual_hash(image=load_rgb(file=path, max_side=400))
    assert hamming(analysis.phash, alone) <= 4


def test_analysis_of_a_heic_photo(corpus):
    analysis = analyse_image(file=corpus / "formats" / "heic" / "IMG_5195.HEIC", sizes=SIZES)
    assert (analysis.metadata.width, analysis.metadata.height) == (2566, 3313)
    assert (analysis.renditions["preview"].width, analysis.renditions["preview"].height) == (
        1239,
        1600,
    )
    assert analysis.metadata.latitude is not None
    assert len(analysis.phash) == 16


def test_analysis_refuses_what_it_cannot_read(corpus):
    with pytest.raises(ImageRejected, match="SVG"):
        analyse_image(file=corpus / "formats" / "svg" / "circle.svg")
    data = (corpus / "exif" / "gps" / "DSCN0010.jpg").read_bytes()
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        analyse_image(file=data[: len(data) // 2])


def test_load_rgb_composites_transparency_and_load_rgba_keeps_it(corpus):
    path = corpus / "formats" / "png" / "transparent.png"
    rgba = load_rgba(file=path)
    rgb = load_rgb(file=path)
    assert rgba.shape == (150, 200, 4)
    assert rgb.shape == (150, 200, 3)
    clear = rgba[..., 3] == 0
    assert clear.any()
    assert (rgb[clear] == 255).all()
    black = load_rgb(file=path, background=(0, 0, 0))
    assert (black[clear] == 0).all()


def test_load_rgb_applies_orientation_and_max_side(corpus):
    path = corpus / "exif" / "orientation" / "portrait_6.jpg"  # stored 600x450, shown 450x600
    assert load_rgb(file=path).shape == (600, 450, 3)
    assert load_rgb(file=path, max_side=300).shape == (300, 225, 3)
    assert load_rgb(file=path, max_side=5000).shape == (600, 450, 3)


def test_load_rgb_reads_webp_renditions(corpus):
    preview = make_renditions(file=corpus / "exif" / "phone" / "jolla.jpg")["preview"]
    assert load_rgb(file=preview.data).shape == (1200, 1600, 3)


def test_perceptual_hash_is_stable_under_re_encoding_and_resizing(corpus):
    for path in sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:8]:
        original = load_rgb(file=path)
        reference = perceptual_hash(image=original)
        image = Image.fromarray(original)
        for width in (image.width // 2, image.width // 3):
            buffer = io.BytesIO()
            image.resize((width, round(width * image.height / image.width))).save(
                buffer, "JPEG", quality=55
            )
            assert hamming(reference, perceptual_hash(image=load_rgb(file=buffer))) <= 6, path
        webp = make_renditions(file=path, sizes={"thumb": 256})["thumb"].data
        assert hamming(reference, perceptual_hash(image=load_rgb(file=webp))) <= 6, path


def test_perceptual_hash_tells_different_photos_apart(corpus):
    paths = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:24]
    hashes = [perceptual_hash(image=load_rgb(file=path, max_side=256)) for path in paths]
    assert min(hamming(a, b) for a, b in itertools.combinations(hashes, 2)) >= 16


def test_perceptual_hash_takes_pillow_images_and_arrays_alike(corpus):
    path = corpus / "exif" / "gps" / "DSCN0012.jpg"
    with Image.open(path) as image:
        from_pillow = perceptual_hash(image=image)
    assert from_pillow == perceptual_hash(image=load_rgb(file=path))
    assert len(from_pillow) == 16
    assert int(from_pillow, 16) >= 0


def test_hamming_counts_differing_bits():
    assert hamming("0000000000000000", "ffffffffffffffff") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2


def test_big_pngs_are_box_reduced_before_anything_else_touches_their_pixels(monkeypatch):
    """A PNG cannot decode smaller: the decoded picture is reduced by a whole factor in
    Pillow's C box filter first, so conversion and resizing see about the preview's size
    (the 100 Mpx PNG of bench/hostile.py went from about 6 s to 2 s of ingest)."""
    from gallery.imaging import decode as decoding
    from gallery.imaging.renditions import analyse_image as analyse_in_process

    seen: list[tuple[str, tuple[int, int]]] = []
    original_normalise = decoding.normalise

    def spy(im: Image.Image):  # noqa: ANN202
        seen.append((im.mode, im.size))
        return original_normalise(im)

    monkeypatch.setattr("gallery.imaging.renditions.normalise", spy)
    picture = Image.new("1", (5000, 3400), 1)
    picture.paste(0, (0, 0, 2500, 3400))  # left half black, right half white
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    analysis = analyse_in_process(file=buffer.getvalue())
    assert seen == [("L", (1667, 1134))]  # factor 3: 5000 // 1600, still >= 1600 wide
    preview = np.asarray(decoded(analysis.renditions["preview"].data).convert("L"))
    assert preview.shape == (1088, 1600)
    assert preview[:, :700].max() < 20
    assert preview[:, 900:].min() > 235
    assert analysis.metadata.width == 5000


def test_a_big_palette_png_keeps_its_transparency_through_the_reduction():
    from gallery.imaging.renditions import make_renditions as render_in_process

    picture = Image.new("P", (4000, 2000), 1)
    picture.putpalette([0, 0, 0, 250, 20, 20] + [0, 0, 0] * 254)
    picture.paste(0, (0, 0, 2000, 2000))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=0)  # index 0: the left half is transparent
    preview = decoded(render_in_process(file=buffer.getvalue())["preview"].data)
    assert preview.mode == "RGBA"
    pixels = np.asarray(preview)
    assert pixels[:, :700, 3].max() == 0
    assert pixels[:, 900:, 3].min() == 255
    assert abs(int(pixels[10, -10, 0]) - 250) < 8
