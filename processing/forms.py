from django import forms

from processing.ops import color_hex

OBJECT_ID = r"^[0-9a-f]{24}$"
ID_ERROR = {"invalid": "That is not the id of one of your images."}


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
        label="Background image id (for “another of my images”)",
    )
    box = forms.CharField(required=False, widget=forms.HiddenInput)
    point = forms.CharField(required=False, widget=forms.HiddenInput)

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
        x0, y0, x1, y1 = values if len(values) == 4 else (0, 0, 0, 0)
        if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
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
        if len(values) != 2 or not all(0 <= value <= 1 for value in values):
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
    artwork = forms.ChoiceField(required=False, label="Artwork")
    style_image_id = forms.RegexField(
        regex=OBJECT_ID,
        required=False,
        error_messages=ID_ERROR,
        label="…or the id of one of your images",
    )
    strength = forms.FloatField(
        min_value=0.0, max_value=1.0, initial=1.0, widget=forms.NumberInput(attrs={"step": "0.05"})
    )
    full_size = forms.BooleanField(required=False, label="Full size (slower; up to 2048 px)")

    def __init__(self, *args: object, artworks: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["artwork"].choices = [("", "—"), *artworks]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
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
