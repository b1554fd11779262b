from datetime import date

from django import forms

from gallery.models import Image
from gallery.selectors import FORMATS, SORTS, GalleryFilter
from gallery.terms import FACES_CAP


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: object, initial: object = None) -> list[object]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


class UploadForm(forms.Form):
    # the form metaclass moves declared fields into base_fields, so self.files stays the uploads
    files = MultipleFileField(  # type: ignore[assignment]  # stubs see a clash with BaseForm.files
        label="Images",
        widget=MultipleFileInput(attrs={"accept": "image/*", "multiple": True}),
        help_text="JPEG, PNG, WebP, GIF, TIFF, BMP, HEIC/HEIF or AVIF; many at once.",
    )


# Dates the gallery can search by: the day after LATEST_DAY and the time zone's offset must
# still be representable (9999-12-31 made a 500)
EARLIEST_DAY, LATEST_DAY = date(1800, 1, 1), date(9000, 12, 31)


class GalleryFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, tag or label"}),
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "Any format")] + [(name, name) for name in FORMATS]
    )
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *Image.Source.choices])
    label = forms.CharField(required=False, max_length=100, label="Label")
    tag = forms.CharField(required=False, max_length=100, label="Tag")
    faces = forms.ChoiceField(
        required=False,
        label="Faces",
        choices=[("", "Any"), ("any", "Has faces"), ("0", "No faces")]
        + [(str(n), str(n)) for n in range(1, FACES_CAP)]
        + [(f"{FACES_CAP}+", f"{FACES_CAP} or more")],
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False, choices=[(name, sort.label) for name, sort in SORTS.items()]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if isinstance(day, date) and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, f"Choose a date between {EARLIEST_DAY} and {LATEST_DAY}.")
        return data

    def to_filter(self) -> GalleryFilter:
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "uploaded"
        return GalleryFilter(
            q=data.get("q", ""),
            format=data.get("format", ""),
            source=data.get("source", ""),
            label=data.get("label", ""),
            tag=data.get("tag", ""),
            faces=data.get("faces", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=sort if sort in SORTS else "uploaded",
        )


class ImageMetaForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.CharField(required=False, max_length=500, help_text="Separate tags with commas.")

    def tag_list(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]
