from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gallery.models import Image
from gallery.services import image_delete, image_terms_refresh, images_hide
from imagesite.media import private_file_response

# The admin's own file view: staff see any owner's files (the gallery's view admits owners only).
FILE_FIELDS = {"original": "original", "thumb": "thumbnail", "preview": "preview"}


def _owner_scoped(field_name: str) -> QuerySet[Model]:
    """The related model of Image.<field_name> (processing and scraping sit above gallery, so
    their models are reached through the foreign key, never imported)."""
    model = Image._meta.get_field(field_name).related_model
    if not (isinstance(model, type) and issubclass(model, Model)):
        raise TypeError(f"Image.{field_name} is not a foreign key")
    queryset: QuerySet[Model] = model._default_manager.all()
    return queryset


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin[Image]):
    list_display = [
        "thumb",
        "__str__",
        "owner",
        "format",
        "width",
        "height",
        "size_bytes",
        "status",
        "source",
        "hidden",
        "visibility",
        "uploaded_at",
    ]
    list_filter = ["status", "source", "format", "hidden", "visibility"]
    search_fields = ["title", "original_name", "sha256"]
    date_hierarchy = None
    readonly_fields = [
        "owner",
        "thumb",
        "original_link",
        "preview_link",
        "sha256",
        "phash",
        "exif",
        "uploaded_at",
        "format",
        "width",
        "height",
        "size_bytes",
        "visibility",  # derived from hidden, trashed_at and archived on save
        "album_ids",
    ]
    exclude = ["detections", "original", "thumbnail", "preview", "terms"]
    actions = ["hide", "unhide", "delete_with_files"]

    def get_urls(self) -> list[URLPattern]:
        file_view = self.admin_site.admin_view(self.file_view)
        own = [path("<path:object_id>/file/<str:kind>/", file_view, name="gallery_image_file")]
        return own + super().get_urls()

    def file_view(self, request: HttpRequest, object_id: str, kind: str) -> HttpResponseBase:
        image = self.get_object(request, object_id)
        if kind not in FILE_FIELDS or image is None or not self.has_view_permission(request, image):
            raise Http404("file not found")
        name = getattr(image, FILE_FIELDS[kind]).name
        return private_file_response(name=name, download_name=image.original_name)

    @staticmethod
    def _file_url(image: Image, kind: str) -> str:
        return reverse("admin:gallery_image_file", args=[image.pk, kind])

    @admin.display(description="Thumbnail")
    def thumb(self, image: Image) -> SafeString | str:
        if not image.thumbnail:
            return "–"
        url = self._file_url(image, "thumb")
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', url)

    @admin.display(description="Original")
    def original_link(self, image: Image) -> SafeString | str:
        if not image.original:
            return "–"
        name = image.original_name or image.original.name
        return format_html('<a href="{}">{}</a>', self._file_url(image, "original"), name)

    @admin.display(description="Preview")
    def preview_link(self, image: Image) -> SafeString | str:
        if not image.preview:
            return "–"
        return format_html('<a href="{}">Preview</a>', self._file_url(image, "preview"))

    def get_form(
        self, request: HttpRequest, obj: Image | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Image]]:
        """Only the image's own versions and its owner's runs can be chosen: the choice field
        refuses any other id on save, whatever the browser posts."""
        form = super().get_form(request, obj, change, **kwargs)
        versions, runs = _owner_scoped("current_version"), _owner_scoped("scrape_run")
        fields = form.base_fields
        if "current_version" in fields:
            scoped = versions.filter(image=obj) if obj else versions.none()
            fields["current_version"].queryset = scoped  # type: ignore[attr-defined]
        if "scrape_run" in fields:
            scoped = runs.filter(owner_id=obj.owner_id) if obj else runs.none()
            fields["scrape_run"].queryset = scoped  # type: ignore[attr-defined]
        return form

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would leave the files behind
        return actions

    @admin.action(description="Hide from the owner's gallery")
    def hide(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        count = images_hide(images=queryset.only("pk"), hidden=True)
        self.message_user(request, f"{count} image(s) hidden from their owner's gallery.")

    @admin.action(description="Show again")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        count = images_hide(images=queryset.only("pk"), hidden=False)
        self.message_user(request, f"{count} image(s) shown again.")

    @admin.action(description="Delete with all files and versions")
    def delete_with_files(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        count = 0
        for image in queryset:
            image_delete(image=image)
            count += 1
        self.message_user(request, f"{count} image(s) deleted with their files.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Image, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        image_terms_refresh(image_id=obj.pk)  # title, description or tags may have changed

    def delete_model(self, request: HttpRequest, obj: Image) -> None:
        image_delete(image=obj)
