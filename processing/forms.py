from typing import Any

from bson import ObjectId
from django import forms

from gallery.models import Image
from gallery.selectors import image_get
from gallery.widgets import ImagePicker
from processing.ml.images import box_inside, point_inside
from processing.ops import color_hex

OBJECT_ID = r"^[0-9a-f]{24}$"
ID_ERROR = {"invalid": "That is not one of your images."}
NOT_YOURS = "That image is not one of your images."


def owned_image_check(*, owner_id: ObjectId | None, image_id: str) -> str:
    """The id when it names one of the owner's ready images; a form error otherwise, so that
    another user's image is refused at submit, never on the worker."""
    if not image_id:
        return ""
    image = image_get(owner_id=owner_id, image_id=ObjectId(image_id)) if owner_id else None
    if image is None:
        raise forms.ValidationError(NOT_YOURS)
    if image.status != Image.Status.READY:
        raise forms.ValidationError("That image is not ready yet.")
    return image_id


class BackgroundForm(forms.Form):
    method = forms.ChoiceField(
        choices=[
            ("auto", "Automatic (all the models together, any subject)"),
            ("salient", "Salient object model alone (U²-Net-p)"),
            ("deeplab", "Segmentation model alone (people, animals, vehicles, furniture)"),
            ("grabcut", "GrabCut (classical, any subject)"),
        ],
        initial="auto",
    )
    mode = forms.ChoiceField(
        choices=[
            ("transparent", "Transparent (PNG)"),
            ("color", "A colour"),
            ("blur", "A blur of the original"),
            ("image", "Another of my images"),
            ("portrait", "Portrait: the background blurred, softly"),
        ],
        initial="transparent",
    )
    strength = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.5,
        required=False,
        label="Blur strength (portrait)",
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.05", "min": "0", "max": "1"}),
    )
    color = forms.CharField(
        initial="#ffffff",
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    background_id = forms.RegexField(
        regex=OBJECT_ID,
        required=False,
        error_messages=ID_ERROR,
        label="Background image (for “another of my images”)",
        widget=ImagePicker(choose="Choose one of your images…"),
    )
    box = forms.CharField(required=False, widget=forms.HiddenInput)
    point = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, owner_id: ObjectId | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id = owner_id

    def clean_background_id(self) -> str:
        return owned_image_check(
            owner_id=self.owner_id, image_id=self.cleaned_data.get("background_id") or ""
        )

    def clean_color(self) -> str:
        try:
            return color_hex(self.cleaned_data.get("color") or "#ffffff")
        except ValueError:
            raise forms.ValidationError("The colour must look like #ff8800.") from None

    def clean_box(self) -> list[float] | None:
        raw = self.cleaned_data.get("box") or ""
        if not raw:
            return None
        try:
            values = [float(part) for part in raw.split(",")]
        except ValueError:
            raise forms.ValidationError("The box must be four numbers.") from None
        if len(values) != 4 or not box_inside(values):
            raise forms.ValidationError("The box must lie inside the image.")
        return values

    def clean_point(self) -> list[float] | None:
        raw = self.cleaned_data.get("point") or ""
        if not raw:
            return None
        try:
            values = [float(part) for part in raw.split(",")]
        except ValueError:
            raise forms.ValidationError("The point must be two numbers.") from None
        if not point_inside(values):
            raise forms.ValidationError("The point must lie inside the image.")
        return values

    def clean_strength(self) -> float:
        value = self.cleaned_data.get("strength")
        return 0.5 if value is None else float(value)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("mode") == "image" and not data.get("background_id"):
            self.add_error("background_id", "Choose the image to put behind the subject.")
        return data


class StyleForm(forms.Form):
    artwork = forms.ChoiceField(required=False, label="Artwork", widget=forms.RadioSelect)
    style_image_id = forms.RegexField(
        regex=OBJECT_ID,
        required=False,
        error_messages=ID_ERROR,
        label="…or one of your images as the style",
        widget=ImagePicker(choose="Choose one of your images…"),
    )
    strength = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=1.0,
        help_text="1: the style's own colours and strokes; lower keeps more of the photo's look",
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.05", "min": "0", "max": "1"}),
    )
    full_size = forms.BooleanField(
        required=False,
        initial=True,
        label="Full size (the picture's own size, up to 2048 px; else a 1600 px preview)",
    )

    def __init__(
        self,
        *args: Any,
        artworks: list[tuple[str, str]],
        owner_id: ObjectId | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id = owner_id
        self.fields["artwork"].choices = artworks  # type: ignore[attr-defined]

    def clean_style_image_id(self) -> str:
        return owned_image_check(
            owner_id=self.owner_id, image_id=self.cleaned_data.get("style_image_id") or ""
        )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "style_image_id" in self.errors:
            return data
        if not data.get("artwork") and not data.get("style_image_id"):
            raise forms.ValidationError("Choose an artwork or one of your images as the style.")
        return data


class FacesForm(forms.Form):
    how = forms.ChoiceField(
        choices=[("blur", "Blur"), ("pixelate", "Pixelate")], initial="blur", label="Hide by"
    )
    faces = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="Faces (none chosen: every face)",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, count: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["faces"].choices = [(i, f"Face {i + 1}") for i in range(count)]  # type: ignore[attr-defined]


class MaskForm(forms.Form):
    """A touched-up mask: a PNG the brush canvas drew, checked by content in the view."""

    mask = forms.FileField()
