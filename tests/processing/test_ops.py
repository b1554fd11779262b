import inspect
from pathlib import Path

import cv2
import numpy as np
import pytest

from processing.ops import OPS, OpError, TooLargeError, ops_by_group
from processing.ops.adjust import (
    auto_levels,
    brightness,
    clahe,
    contrast,
    gamma,
    saturation,
    white_balance,
)
from processing.ops.effects import cartoon, pencil_sketch, stylize, vignette
from processing.ops.filters import (
    blur,
    denoise,
    edges,
    emboss,
    grayscale,
    invert,
    sepia,
    sharpen,
)
from processing.ops.geometry import crop, flip, resize, rotate
from processing.ops.registry import GROUPS
from processing.ops.watermark import watermark_image, watermark_text

GEOMETRIC = {"crop", "resize", "rotate", "flip"}


def _read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(image, code)


@pytest.fixture(scope="module")
def photo(corpus: Path) -> np.ndarray:
    """A 640x480 colour photo (Nikon COOLPIX P6000)."""
    image = _read_rgb(corpus / "exif" / "gps" / "DSCN0010.jpg")
    assert image.shape == (480, 640, 3)
    image.flags.writeable = False  # an op that writes into its input fails loudly
    return image


@pytest.fixture(scope="module")
def logo(corpus: Path) -> np.ndarray:
    """A 256x192 RGBA PNG with real transparency."""
    image = _read_rgb(corpus / "formats" / "png" / "with-alpha.png")
    assert image.shape == (192, 256, 4)
    assert image[:, :, 3].min() < 255
    image.flags.writeable = False
    return image


def _sharpness(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _defaults(name: str) -> dict:
    return {param.name: param.default for param in OPS[name].params}


# The registry


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_runs_with_its_defaults_on_a_real_photo(name, photo, logo):
    params = _defaults(name)
    if name == "watermark_image":
        params["overlay"] = logo
    result = OPS[name].fn(photo, **params)
    assert result.dtype == np.uint8
    assert result.ndim == 3
    assert result.shape[2] == 3
    expected = {"resize": (240, 320), "rotate": (640, 480)}.get(name, photo.shape[:2])
    assert result.shape[:2] == expected


@pytest.mark.parametrize("name", list(OPS))
def test_registry_defaults_are_the_functions_defaults(name):
    spec = OPS[name]
    signature = inspect.signature(spec.fn)
    for param in spec.params:
        assert param.name in signature.parameters, param.name
        default = signature.parameters[param.name].default
        if param.default is not None:
            assert default == param.default, param.name


@pytest.mark.parametrize("name", list(OPS))
def test_every_param_is_described_for_the_control_panel(name):
    spec = OPS[name]
    assert spec.label
    assert spec.group in GROUPS
    for param in spec.params:
        assert param.label
        if param.kind in ("int", "float"):
            assert param.min is not None
            assert param.max is not None
            assert param.min <= param.default <= param.max
            assert param.step
        if param.kind == "choice":
            assert param.default in [value for value, _ in param.choices]
            assert all(label for _, label in param.choices)


def test_ops_by_group_lists_every_op_once():
    grouped = [spec.name for _, specs in ops_by_group() for spec in specs]
    assert sorted(grouped) == sorted(OPS)
    assert [group for group, _ in ops_by_group()] == list(GROUPS)


# Geometry


def test_crop_returns_exactly_the_requested_region(photo):
    result = crop(photo, x=0.25, y=0.5, width=0.5, height=0.25)
    np.testing.assert_array_equal(result, photo[240:360, 160:480])


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"x": 0.8, "y": 0, "width": 0.3, "height": 1}, "crop: the box lies outside the image"),
        ({"x": -0.1, "y": 0, "width": 0.5, "height": 1}, "crop: the box lies outside the image"),
        ({"x": 0.5, "y": 0.5, "width": 0, "height": 0.2}, "crop: the box is empty"),
        ({"x": 0.5, "y": 0.5, "width": 0.0001, "height": 0.2}, "smaller than one pixel"),
    ],
)
def test_a_crop_outside_the_image_or_empty_is_an_error(photo, box, message):
    with pytest.raises(OpError, match=message):
        crop(photo, **box)


def test_four_quarter_turns_return_the_input(photo):
    result = photo
    for _ in range(4):
        result = rotate(result, angle=90)
    np.testing.assert_array_equal(result, photo)


def test_quarter_turns_are_exact_and_clockwise(photo):
    np.testing.assert_array_equal(rotate(photo, angle=90), np.rot90(photo, k=-1))
    np.testing.assert_array_equal(rotate(photo, angle=-90), np.rot90(photo, k=1))
    np.testing.assert_array_equal(rotate(photo, angle=180), np.rot90(photo, k=2))
    np.testing.assert_array_equal(rotate(photo, angle=360), photo)


def test_free_rotation_grows_the_canvas_or_keeps_the_size(photo):
    grown = rotate(photo, angle=30, mode="expand", fill="#ff0000")
    cos, sin = np.cos(np.radians(30)), np.sin(np.radians(30))
    assert grown.shape[1] == pytest.approx(640 * cos + 480 * sin, abs=1)
    assert grown.shape[0] == pytest.approx(640 * sin + 480 * cos, abs=1)
    assert tuple(grown[0, 0]) == (255, 0, 0)
    kept = rotate(photo, angle=30, mode="crop")
    assert kept.shape == photo.shape
    assert tuple(kept[0, 0]) == (255, 255, 255)


def test_flipping_twice_is_the_identity(photo):
    mirrored = flip(photo, direction="horizontal")
    np.testing.assert_array_equal(mirrored, photo[:, ::-1])
    np.testing.assert_array_equal(flip(mirrored, direction="horizontal"), photo)
    upside_down = flip(photo, direction="vertical")
    np.testing.assert_array_equal(upside_down, photo[::-1])
    np.testing.assert_array_equal(flip(upside_down, direction="vertical"), photo)


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"mode": "percent", "percent": 50}, (320, 240)),
        ({"mode": "percent", "percent": 150}, (960, 720)),
        ({"mode": "pixels", "width": 320}, (320, 240)),
        ({"mode": "pixels", "height": 100}, (133, 100)),
        ({"mode": "pixels", "width": 320, "height": 100}, (133, 100)),
        ({"mode": "pixels", "width": 123, "height": 77, "keep_aspect": False}, (123, 77)),
    ],
)
def test_resize_gives_the_exact_size_and_keeps_the_aspect(photo, params, size):
    result = resize(photo, **params)
    assert (result.shape[1], result.shape[0]) == size


def test_resize_uses_area_to_shrink_and_cubic_to_enlarge(photo):
    small = resize(photo, mode="pixels", width=200)
    np.testing.assert_array_equal(
        small, cv2.resize(photo, (200, 150), interpolation=cv2.INTER_AREA)
    )
    large = resize(photo, mode="pixels", width=800)
    np.testing.assert_array_equal(
        large, cv2.resize(photo, (800, 600), interpolation=cv2.INTER_CUBIC)
    )


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"mode": "percent", "percent": 0.1}, OpError, r"resize: the result would be 1×0"),
        ({"mode": "percent", "percent": 0}, OpError, "resize: the percentage must be above 0"),
        ({"mode": "pixels"}, OpError, "resize: give a width, a height or both"),
        ({"mode": "pixels", "width": 10, "keep_aspect": False}, OpError, "give both"),
        ({"mode": "pixels", "width": 2000, "max_pixels": 1_000_000}, TooLargeError, "over the"),
        ({"mode": "stretch"}, OpError, "resize: mode must be one of percent, pixels"),
    ],
)
def test_impossible_resizes_are_errors(photo, params, error, message):
    with pytest.raises(error, match=message):
        resize(photo, **params)


def test_a_free_rotation_past_the_size_limit_is_an_error(photo):
    with pytest.raises(TooLargeError, match="rotate: the result would be"):
        rotate(photo, angle=45, mode="expand", max_pixels=photo.shape[0] * photo.shape[1])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("crop", {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.5}),
        ("resize", {"mode": "percent", "percent": 40}),
        ("rotate", {"angle": 90}),
        ("rotate", {"angle": 17, "mode": "expand", "fill": "#000000"}),
        ("flip", {"direction": "vertical"}),
    ],
)
def test_geometric_ops_keep_the_alpha_channel(logo, name, params):
    result = OPS[name].fn(logo, **params)
    assert result.shape[2] == 4
    # The alpha moves exactly like the colour does.
    expected_alpha = OPS[name].fn(np.dstack([logo[:, :, 3]] * 3), **params)[:, :, 0]
    np.testing.assert_array_equal(result[:, :, 3], expected_alpha)


def test_rotation_with_alpha_leaves_the_new_corners_transparent(logo):
    assert rotate(logo, angle=30)[0, 0, 3] == 0


# Adjustments


def test_brightness_raises_or_lowers_the_mean(photo):
    assert brightness(photo, amount=30).mean() > photo.mean() + 40
    assert brightness(photo, amount=-30).mean() < photo.mean() - 40
    np.testing.assert_array_equal(brightness(photo, amount=0), photo)


def test_contrast_widens_or_narrows_the_spread(photo):
    assert contrast(photo, amount=50).std() > photo.std() * 1.3
    assert contrast(photo, amount=-50).std() < photo.std() * 0.6
    assert contrast(photo, amount=-100).std() < 1


def test_saturation_minus_100_is_grey_and_plus_raises_saturation(photo):
    grey = saturation(photo, amount=-100)
    assert np.abs(grey.astype(int) - grey[:, :, [1, 2, 0]]).max() <= 1

    def mean_saturation(image):
        return cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[:, :, 1].mean()

    assert mean_saturation(saturation(photo, amount=60)) > mean_saturation(photo) * 1.2


def test_gamma_above_one_brightens_midtones_and_one_changes_nothing(photo):
    assert gamma(photo, value=2.0).mean() > photo.mean() + 20
    np.testing.assert_array_equal(gamma(photo, value=1.0), photo)


def test_white_balance_evens_out_a_colour_cast(photo):
    warm = photo.astype(np.float32) * [1.0, 0.85, 0.6]
    warm = warm.astype(np.uint8)
    spread_before = np.ptp(warm.reshape(-1, 3).mean(axis=0))
    balanced = white_balance(warm)
    spread_after = np.ptp(balanced.reshape(-1, 3).mean(axis=0))
    assert spread_before > 20
    assert spread_after < 3


def test_auto_levels_stretches_each_channel_to_the_full_range(photo):
    dull = (photo // 2 + 60).astype(np.uint8)
    stretched = auto_levels(dull, clip=0)
    for channel in range(3):
        assert stretched[:, :, channel].min() == 0
        assert stretched[:, :, channel].max() == 255
    together = auto_levels(dull, clip=0, per_channel=False)
    assert together.min() == 0
    assert together.max() == 255


def test_clahe_raises_local_contrast_of_a_dull_photo(photo):
    dull = (photo // 3 + 80).astype(np.uint8)
    assert clahe(dull, clip_limit=3).std() > dull.std() * 1.3


# Filters


def test_grayscale_has_three_equal_channels(photo):
    result = grayscale(photo)
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 1])
    np.testing.assert_array_equal(result[:, :, 1], result[:, :, 2])
    assert not np.array_equal(result, photo)


def test_sepia_makes_red_over_green_over_blue(photo):
    result = sepia(photo).astype(int)
    assert (result[:, :, 0] >= result[:, :, 1]).all()
    assert (result[:, :, 1] >= result[:, :, 2]).all()
    assert result[:, :, 0].mean() > result[:, :, 2].mean() + 20
    np.testing.assert_array_equal(sepia(photo, strength=0), photo)


def test_inverting_twice_is_the_identity(photo):
    np.testing.assert_array_equal(invert(photo), 255 - photo)
    np.testing.assert_array_equal(invert(invert(photo)), photo)


# Bilateral blur keeps edges on purpose, so it softens less.
@pytest.mark.parametrize(
    ("method", "factor"), [("gaussian", 0.3), ("median", 0.3), ("bilateral", 0.8)]
)
def test_blur_softens_and_radius_zero_changes_nothing(photo, method, factor):
    assert _sharpness(blur(photo, method=method, radius=4)) < _sharpness(photo) * factor
    np.testing.assert_array_equal(blur(photo, method=method, radius=0), photo)


def test_sharpen_adds_detail_and_a_high_threshold_leaves_all_alone(photo):
    assert _sharpness(sharpen(photo, amount=150)) > _sharpness(photo) * 1.5
    np.testing.assert_array_equal(sharpen(photo, threshold=255), photo)


def test_denoise_brings_a_noisy_photo_closer_to_the_clean_one(photo):
    noise = np.random.default_rng(7).normal(0, 15, photo.shape)
    noisy = np.clip(photo + noise, 0, 255).astype(np.uint8)
    cleaned = denoise(noisy, strength=7)

    def error(image):
        return np.abs(image.astype(int) - photo).mean()

    # A detailed photo: denoising also loses some real texture, hence the modest bar.
    assert error(cleaned) < error(noisy) * 0.85


def test_edges_are_black_and_white(photo):
    result = edges(photo)
    assert set(np.unique(result)) == {0, 255}
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 2])
    np.testing.assert_array_equal(edges(photo, invert=True), 255 - result)


def test_emboss_of_strength_zero_changes_nothing(photo):
    np.testing.assert_array_equal(emboss(photo, strength=0), photo)
    assert not np.array_equal(emboss(photo), photo)


def test_vignette_darkens_the_corners_but_not_the_centre(photo):
    result = vignette(photo, strength=60, radius=0.5)
    np.testing.assert_array_equal(result[200:280, 280:360], photo[200:280, 280:360])
    for rows, columns in [(slice(0, 20), slice(0, 20)), (slice(-20, None), slice(-20, None))]:
        corner, before = result[rows, columns].mean(), photo[rows, columns].mean()
        assert corner < before * 0.6


def test_pencil_sketch_is_grey_and_mostly_paper(photo):
    result = pencil_sketch(photo)
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 1])
    assert result.mean() > 200
    coloured = pencil_sketch(photo, color=True)
    assert not np.array_equal(coloured[:, :, 0], coloured[:, :, 1])


def test_cartoon_flattens_the_colours(photo):
    def colour_count(image):
        return len(np.unique(image.reshape(-1, 3), axis=0))

    assert colour_count(cartoon(photo, levels=4)) < colour_count(photo) / 10


def test_stylize_repaints_the_photo(photo):
    result = stylize(photo)
    assert np.abs(result.astype(int) - photo).mean() > 10
    assert len(np.unique(result.reshape(-1, 3), axis=0)) < len(
        np.unique(photo.reshape(-1, 3), axis=0)
    )


# Watermarks


def test_text_watermark_only_touches_its_corner(photo):
    result = watermark_text(photo, text="Hello", position="top-left", size=40, margin=10)
    changed = np.argwhere((result != photo).any(axis=2))
    assert len(changed) > 100
    assert changed[:, 0].max() < 10 + 45
    assert changed[:, 1].min() >= 10
    np.testing.assert_array_equal(watermark_text(photo, text="Hello", opacity=0), photo)


def test_image_watermark_lands_where_asked_at_the_asked_width(photo, logo):
    opaque = np.ascontiguousarray(logo[:, :, :3])
    result = watermark_image(
        photo, overlay=opaque, position="bottom-right", scale=0.25, opacity=100, margin=8
    )
    expected = cv2.resize(opaque, (160, 120), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(
        result[480 - 8 - 120 : 480 - 8, 640 - 8 - 160 : 640 - 8], expected
    )
    untouched = np.ones(photo.shape[:2], dtype=bool)
    untouched[480 - 8 - 120 : 480 - 8, 640 - 8 - 160 : 640 - 8] = False
    np.testing.assert_array_equal(result[untouched], photo[untouched])


def test_image_watermark_respects_the_overlay_transparency(photo, logo):
    result = watermark_image(photo, overlay=logo, position="top-left", scale=0.4, margin=0)
    transparent = cv2.resize(logo, (256, 192), interpolation=cv2.INTER_AREA)[:, :, 3] == 0
    np.testing.assert_array_equal(result[:192, :256][transparent], photo[:192, :256][transparent])


# Bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda image: blur(image, method="boxy"), "blur: method must be one of"),
        (lambda image: brightness(image, amount=500), "brightness: amount must be between"),
        (lambda image: edges(image, low=300, high=100), "edges: the low threshold"),
        (lambda image: rotate(image, angle=10, fill="red"), "rotate: the colour must look like"),
        (lambda image: watermark_text(image, text="  "), "watermark_text: the text is empty"),
        (lambda image: watermark_text(image, position="middle"), "position must be one of"),
        (lambda image: watermark_text(image, text="W" * 200, size=2000), "far larger than"),
        (lambda image: flip(image, direction="diagonal"), "flip: direction must be one of"),
        (lambda image: cartoon(image, levels=1), "at least 2 colour levels"),
        (lambda image: brightness(image[:, :, 0]), "brightness: the image must be RGB"),
        (lambda image: brightness(image.astype(np.float32)), "must be a uint8 array"),
        (lambda image: brightness(np.dstack([image, image[:, :, :1]])), "must be RGB"),
        (lambda image: crop(image[:0]), "crop: the image is empty"),
    ],
)
def test_bad_parameters_raise_a_message_for_the_user(photo, call, message):
    with pytest.raises(OpError, match=message):
        call(photo)
