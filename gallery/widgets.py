"""A form widget that picks one of the user's images in a dialog (gallery:image_picker)."""

from typing import Any

from bson import ObjectId
from django import forms
from django.urls import reverse


class ImagePicker(forms.HiddenInput):
    """A hidden id, the chosen image's thumbnail and a button that opens the picker dialog.

    The dialog lists the user's own images through the gallery's selectors (thumbnails,
    search); static/js/picker.js fills the hidden input. The form still checks ownership.
    """

    template_name = "gallery/widgets/image_picker.html"  # gallery/templates/: the form renderer

    def __init__(self, attrs: dict[str, Any] | None = None, *, choose: str = "Choose…") -> None:
        super().__init__(attrs)
        self.choose = choose

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = str(value or "")
        context["widget"] |= {
            "picker_url": reverse("gallery:image_picker"),
            "choose": self.choose,
            "thumb_url": (
                reverse("gallery:image_file", args=[chosen, "thumb"])
                if ObjectId.is_valid(chosen)
                else ""
            ),
        }
        return context
