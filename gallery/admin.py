from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from gallery.models import Image
from gallery.services import image_delete, image_terms_refresh, images_hide


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin[Image]):
    list_display = [
        "__str__",
        "owner",
        "format",
        "width",
        "height",
        "size_bytes",
        "status",
        "source",
        "hidden",
        "uploaded_at",
    ]
    list_filter = ["status", "source", "format", "hidden"]
    search_fields = ["title", "original_name", "sha256"]
    date_hierarchy = None
    readonly_fields = [
        "owner",
        "original",
        "thumbnail",
        "preview",
        "sha256",
        "phash",
        "exif",
        "uploaded_at",
        "format",
        "width",
        "height",
        "size_bytes",
    ]
    exclude = ["detections"]
    actions = ["hide", "unhide", "delete_with_files"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would leave the files behind
        return actions

    @admin.action(description="Hide from the owner's gallery")
    def hide(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        images_hide(images=queryset.only("pk"), hidden=True)

    @admin.action(description="Show again")
    def unhide(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        images_hide(images=queryset.only("pk"), hidden=False)

    @admin.action(description="Delete with all files and versions")
    def delete_with_files(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        for image in queryset:
            image_delete(image=image)

    def save_model(self, request: HttpRequest, obj: Image, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        image_terms_refresh(image_id=obj.pk)  # title, description or tags may have changed

    def delete_model(self, request: HttpRequest, obj: Image) -> None:
        image_delete(image=obj)
