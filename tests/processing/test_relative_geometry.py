"""The subject's box and point, relative to the image: the one rule the form and the API share."""

import pytest

from processing.forms import BackgroundForm
from processing.ml.images import box_inside, point_inside


@pytest.mark.parametrize(
    ("box", "inside"),
    [
        ((0, 0, 1, 1), True),
        ((0.2, 0.1, 0.3, 0.9), True),
        ((0.5, 0, 0.2, 1), False),  # x0 past x1
        ((0.2, 0.4, 0.3, 0.4), False),  # empty
        ((0, 0, 1.2, 1), False),
        ((-0.1, 0, 1, 1), False),
    ],
)
def test_a_box_lies_inside_when_it_is_not_empty_and_within_0_and_1(box, inside) -> None:
    assert box_inside(box) is inside


@pytest.mark.parametrize(
    ("point", "inside"),
    [((0, 1), True), ((0.5, 0.5), True), ((0.5, 1.5), False), ((-0.01, 0.5), False), ((1,), False)],
)
def test_a_point_lies_inside_within_0_and_1(point, inside) -> None:
    assert point_inside(point) is inside


def test_the_form_refuses_a_box_or_point_outside_the_image() -> None:
    form = BackgroundForm(data={"method": "auto", "mode": "transparent", "box": "0.5,0,0.2,1"})
    assert form.errors["box"] == ["The box must lie inside the image."]
    form = BackgroundForm(data={"method": "auto", "mode": "transparent", "point": "0.5,1.5"})
    assert form.errors["point"] == ["The point must lie inside the image."]
    form = BackgroundForm(data={"method": "auto", "mode": "transparent", "point": "0.5,0.25"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["point"] == [0.5, 0.25]
