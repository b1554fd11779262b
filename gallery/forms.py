import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone

from gallery.models import Album, Image
from gallery.selectors import FORMATS, SORTS, GalleryFilter
from gallery.terms import FACES_CAP
from gallery.whenwhere import WhenWhere, when_where_from


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
    place = forms.CharField(
        required=False,
        max_length=400,
        label="Place",
        widget=forms.TextInput(attrs={"placeholder": "Country/Region/City"}),
    )
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
    favourite = forms.BooleanField(required=False, label="Favourites only")
    # the filter offers the library and the archive; the trash and the hidden images are
    # pages of their own, which carry it in their links
    visibility = forms.ChoiceField(required=False, label="Show", choices=Image.Visibility.choices)
    album = forms.RegexField(required=False, regex=r"^[0-9a-f]{24}$", widget=forms.HiddenInput)

    # how the grid is shown, not what it holds: headers per day or month, and where it starts
    group = forms.ChoiceField(
        required=False,
        label="Group by",
        choices=[("day", "Day"), ("month", "Month"), ("none", "No headers")],
    )
    jump = forms.CharField(required=False, max_length=7, label="Jump to")  # a month or a year

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if isinstance(day, date) and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, f"Choose a date between {EARLIEST_DAY} and {LATEST_DAY}.")
        return data

    def group_by(self) -> str:
        group = self.cleaned_data.get("group") if self.is_valid() else ""
        return str(group or "day")

    def jump_month(self) -> str:
        """The month ("2026-11") or year ("2026") to start at, "" for none or a malformed one."""
        month = str(self.cleaned_data.get("jump") or "") if self.is_valid() else ""
        return month if re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", month) else ""

    def to_filter(self) -> GalleryFilter:
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "uploaded"
        return GalleryFilter(
            q=data.get("q", ""),
            format=data.get("format", ""),
            source=data.get("source", ""),
            label=data.get("label", ""),
            tag=data.get("tag", ""),
            place=data.get("place", ""),
            faces=data.get("faces", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=sort if sort in SORTS else "uploaded",
            album=data.get("album", ""),
            favourite=bool(data.get("favourite")),
            visibility=data.get("visibility") or Image.Visibility.LIBRARY,
        )


class ImageMetaForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.CharField(required=False, max_length=500, help_text="Separate tags with commas.")

    def tag_list(self) -> list[str]:
        return [tag for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class WhenWhereForm(forms.Form):
    """When and where: the time taken and the location, by coordinates or by a place's name.
    Fields left empty are left as they are; the checks are gallery.whenwhere's (the API's)."""

    taken_at = forms.DateTimeField(
        required=False,
        label="Taken",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 1}, format="%Y-%m-%dT%H:%M:%S"
        ),
        help_text="The photo's local time.",
    )
    taken_offset = forms.CharField(
        required=False,
        max_length=10,
        label="Offset from UTC",
        widget=forms.TextInput(attrs={"placeholder": "+03:00", "size": 7}),
        help_text="Empty: the time is UTC.",
    )
    place = forms.CharField(
        required=False,
        max_length=200,
        label="Place",
        widget=forms.TextInput(
            attrs={
                "list": "place-choices",
                "autocomplete": "off",
                "placeholder": "City",
                # the datalist fills as one types (htmx, no script of ours)
                "hx-get": reverse_lazy("gallery:place_suggest"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#place-choices",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
        help_text="Type a town's name and pick it, or give coordinates.",
    )
    latitude = forms.FloatField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.FloatField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    clear_location = forms.BooleanField(required=False, label="Remove the location")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if self.errors:
            return data
        taken = data.get("taken_at")
        if isinstance(taken, datetime) and timezone.is_aware(taken):
            taken = timezone.make_naive(taken)  # the wall time typed, at the offset given
        changed = self._changed()
        when = not self.initial or bool(changed & {"taken_at", "taken_offset"})
        place = data.get("place") or ""
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if self.initial and "place" in changed and not changed & {"latitude", "longitude"}:
            latitude = longitude = None  # a new place by name: its coordinates
        elif self.initial and "place" not in changed:
            place = ""  # the coordinates name the place
        if self.initial and not changed & {"place", "latitude", "longitude"}:
            latitude = longitude = None
            place = ""
        try:
            data["change"] = when_where_from(
                taken_at=taken if when else None,
                taken_offset=(data.get("taken_offset") or "") if when else "",
                latitude=latitude,
                longitude=longitude,
                place=place,
                clear_location=bool(data.get("clear_location")),
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data

    def _changed(self) -> set[str]:
        """The fields whose text differs from the initial (Django's changed_data calls a
        time typed without a zone changed whatever it is)."""
        changed = set()
        for name in ("taken_at", "taken_offset", "place", "latitude", "longitude"):
            typed = str(self.data.get(self.add_prefix(name), "")).strip()
            initial = self.initial.get(name)
            initial_text = "" if initial is None else str(initial)
            if name in ("latitude", "longitude") and typed and initial is not None:
                try:
                    if abs(float(typed) - float(initial_text)) < 1e-7:
                        continue
                except ValueError:
                    pass
            if name == "taken_at" and typed.count(":") == 1:
                typed += ":00"  # a browser leaves out zero seconds
            if typed != initial_text:
                changed.add(name)
        return changed

    @property
    def change(self) -> WhenWhere:
        return self.cleaned_data["change"]  # type: ignore[no-any-return]

    @classmethod
    def initial_of(cls, image: Image) -> dict[str, object]:
        local = image.taken_local
        return {
            "taken_at": local.strftime("%Y-%m-%dT%H:%M:%S") if local else "",
            "taken_offset": image.taken_offset_label.removeprefix("UTC") or "",
            "latitude": image.latitude,
            "longitude": image.longitude,
            "place": image.place_label,
        }


class AlbumForm(forms.ModelForm[Album]):
    class Meta:
        model = Album
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
