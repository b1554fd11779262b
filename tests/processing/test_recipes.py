from pathlib import Path

import cv2
import numpy as np
import pytest

from processing.ops import OPS
from processing.recipes import (
    MAX_STEPS,
    RecipeError,
    Step,
    recipe_from_json,
    recipe_render,
    recipe_to_data,
    recipe_to_json,
    recipe_validate,
)


def _read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None, path
    code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(image, code)


@pytest.fixture(scope="module")
def photo(corpus: Path) -> np.ndarray:
    """A 640x480 colour photo."""
    image = _read_rgb(corpus / "exif" / "gps" / "DSCN0010.jpg")
    image.flags.writeable = False
    return image


@pytest.fixture(scope="module")
def big_photo(corpus: Path) -> np.ndarray:
    """A 3264x2448 (8 megapixel) phone photo."""
    image = _read_rgb(corpus / "exif" / "phone" / "iphone_hdr_NO.jpg")
    assert image.shape == (2448, 3264, 3)
    image.flags.writeable = False
    return image


@pytest.fixture(scope="module")
def logo(corpus: Path) -> np.ndarray:
    image = _read_rgb(corpus / "formats" / "png" / "with-alpha.png")
    image.flags.writeable = False
    return image


# Validation


def test_validation_fills_defaults_and_coerces_form_values():
    steps = recipe_validate(
        [
            {"op": "blur", "params": {"radius": "2.5"}},
            {"op": "edges", "params": {"low": "50", "invert": "on"}},
            {"op": "rotate", "params": {"fill": "#FA0"}},
            {"op": "grayscale"},
        ]
    )
    assert steps == [
        Step(op="blur", params={"method": "gaussian", "radius": 2.5}),
        Step(op="edges", params={"low": 50, "high": 200, "invert": True}),
        Step(op="rotate", params={"angle": 90.0, "mode": "expand", "fill": "#ffaa00"}),
        Step(op="grayscale", params={}),
    ]
    assert isinstance(steps[1].params["low"], int)


def test_every_op_validates_with_its_defaults():
    raw = [{"op": name} for name in OPS if name != "watermark_image"]
    raw.append({"op": "watermark_image", "params": {"overlay": "65a1f0c2e4b0a1b2c3d4e5f6"}})
    assert [step.op for step in recipe_validate(raw)] == [step["op"] for step in raw]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"op": "blur"}, "a recipe must be a list of steps"),
        (["blur"], r'step 1: must be an object with "op" and "params"'),
        ([{"params": {}}], r'step 1: "op" must name an operation'),
        ([{"op": "sepia"}, {"op": "melt"}], r'step 2: unknown operation "melt"'),
        ([{"op": "blur", "params": {"size": 3}}], r'step 1 \(blur\): unknown parameter "size"'),
        ([{"op": "blur", "extra": 1}], r'step 1 \(blur\): unknown key "extra"'),
        ([{"op": "blur", "params": [3]}], r'step 1 \(blur\): "params" must be an object'),
        (
            [{"op": "blur", "params": {"radius": 80}}],
            r"step 1 \(blur\): radius must be between 0 and 50, got 80",
        ),
        (
            [{"op": "brightness", "params": {"amount": "lots"}}],
            r"step 1 \(brightness\): amount must be a number",
        ),
        ([{"op": "brightness", "params": {"amount": True}}], "amount must be a number"),
        ([{"op": "brightness", "params": {"amount": float("nan")}}], "amount must be a number"),
        ([{"op": "clahe", "params": {"tiles": 4.5}}], "tiles must be a whole number"),
        ([{"op": "flip", "params": {"direction": "diagonal"}}], "direction must be one of"),
        ([{"op": "edges", "params": {"invert": "maybe"}}], "invert must be true or false"),
        ([{"op": "rotate", "params": {"fill": "red"}}], "fill must be a colour like #ff8800"),
        ([{"op": "watermark_text", "params": {"text": " "}}], "text cannot be empty"),
        ([{"op": "watermark_text", "params": {"text": "x" * 201}}], "at most 200 characters"),
        ([{"op": "watermark_image"}], r'step 1 \(watermark_image\): "overlay" is required'),
        ([{"op": "edges", "params": {"low": 300}}], "low threshold must not be above"),
    ],
)
def test_invalid_recipes_are_rejected_naming_step_op_and_problem(raw, message):
    with pytest.raises(RecipeError, match=message):
        recipe_validate(raw)


def test_a_crop_outside_the_image_is_rejected_before_rendering():
    raw = [{"op": "sepia"}, {"op": "crop", "params": {"x": 0.6, "width": 0.5}}]
    with pytest.raises(RecipeError, match=r"step 2 \(crop\): the box lies outside the image"):
        recipe_validate(raw)


def test_a_resize_to_nothing_is_rejected():
    raw = [{"op": "resize", "params": {"mode": "pixels", "width": 0, "height": 0}}]
    with pytest.raises(RecipeError, match=r"step 1 \(resize\): give a width, a height or both"):
        recipe_validate(raw)


def test_a_resize_that_rounds_to_nothing_fails_at_its_step(photo):
    steps = recipe_validate([{"op": "resize", "params": {"percent": 1}}] * 2)
    with pytest.raises(RecipeError, match=r"step 2 \(resize\): the result would be 0×0"):
        recipe_render(photo, steps)


def test_the_step_limit_is_enforced():
    assert len(recipe_validate([{"op": "invert"}] * MAX_STEPS)) == MAX_STEPS
    with pytest.raises(RecipeError, match=f"at most {MAX_STEPS} steps, this one has 51"):
        recipe_validate([{"op": "invert"}] * (MAX_STEPS + 1))


def test_json_round_trip_gives_the_same_steps():
    steps = recipe_validate(
        [
            {"op": "crop", "params": {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.5}},
            {"op": "watermark_text", "params": {"text": "© Zoë", "color": "#000"}},
        ]
    )
    assert recipe_from_json(recipe_to_json(steps)) == steps
    assert recipe_validate(recipe_to_data(steps)) == steps
    with pytest.raises(RecipeError, match="not valid JSON"):
        recipe_from_json("[{")


# Rendering


def test_rendering_leaves_the_input_alone_and_applies_steps_in_order(photo):
    steps = recipe_validate([{"op": "invert"}, {"op": "rotate", "params": {"angle": 90}}])
    result = recipe_render(photo, steps)
    np.testing.assert_array_equal(result, np.rot90(255 - photo, k=-1))
    np.testing.assert_array_equal(recipe_render(photo, []), photo)


def test_a_size_past_the_limit_fails_alike_in_preview_and_full_size(big_photo):
    steps = recipe_validate([{"op": "resize", "params": {"mode": "pixels", "width": 12000}}])
    preview = cv2.resize(big_photo, (816, 612), interpolation=cv2.INTER_AREA)
    limit = 50_000_000  # 12000 x 9000 = 108 megapixels
    message = r"step 1 \(resize\): the result would be over the limit of 50 megapixels"
    with pytest.raises(RecipeError, match=message):
        recipe_render(preview, steps, scale=0.25, max_pixels=limit)
    with pytest.raises(RecipeError, match=message):
        recipe_render(big_photo, steps, max_pixels=limit)


def test_a_preview_looks_like_the_full_size_render_scaled_down(big_photo):
    steps = recipe_validate(
        [
            {"op": "crop", "params": {"x": 0.1, "y": 0.1, "width": 0.8, "height": 0.8}},
            {"op": "resize", "params": {"mode": "percent", "percent": 50}},
            {"op": "blur", "params": {"radius": 6}},
            {"op": "vignette"},
            {"op": "watermark_text", "params": {"text": "Preview", "size": 160, "opacity": 90}},
            {"op": "rotate", "params": {"angle": 90}},
        ]
    )
    preview = cv2.resize(big_photo, (816, 612), interpolation=cv2.INTER_AREA)
    full = recipe_render(big_photo, steps)
    rendered_preview = recipe_render(preview, steps, scale=0.25)
    unscaled_preview = recipe_render(preview, steps)  # as if pixels meant preview pixels
    assert full.shape == (1306, 979, 3)  # cropped to 2612x1958, halved, turned
    assert rendered_preview.shape == (326, 245, 3)
    size = (rendered_preview.shape[1], rendered_preview.shape[0])
    full_shrunk = cv2.resize(full, size, interpolation=cv2.INTER_AREA)

    def difference(image):
        shrunk = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return np.abs(shrunk.astype(int) - full_shrunk).mean()

    assert difference(rendered_preview) < 2
    assert difference(unscaled_preview) > 3 * difference(rendered_preview)


def test_picture_watermarks_come_from_the_resolver(photo, logo):
    steps = recipe_validate(
        [{"op": "watermark_image", "params": {"overlay": "logo-1", "position": "top-left"}}]
    )
    asked = []

    def resolve(image_id):
        asked.append(image_id)
        return logo

    result = recipe_render(photo, steps, resolve_image=resolve)
    assert asked == ["logo-1"]
    assert not np.array_equal(result[:100, :100], photo[:100, :100])
    with pytest.raises(RecipeError, match=r"step 1 \(watermark_image\): .*none can be loaded"):
        recipe_render(photo, steps)


def test_colour_steps_keep_the_alpha_of_a_transparent_image(logo):
    steps = recipe_validate(
        [{"op": "sepia"}, {"op": "rotate", "params": {"angle": 90}}, {"op": "vignette"}]
    )
    result = recipe_render(logo, steps)
    assert result.shape == (256, 192, 4)
    np.testing.assert_array_equal(result[:, :, 3], np.rot90(logo[:, :, 3], k=-1))


def test_a_scale_that_is_not_positive_is_a_programming_error(photo):
    with pytest.raises(ValueError, match="scale must be a positive number"):
        recipe_render(photo, [], scale=0)
