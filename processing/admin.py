from django.contrib import admin

from processing.models import Preset, Version


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin[Version]):
    list_display = ["__str__", "kind", "status", "owner", "image", "created_at", "processing_ms"]
    list_filter = ["kind", "status"]
    readonly_fields = ["image", "owner", "file", "mask", "created_at"]


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin[Preset]):
    list_display = ["name", "owner", "created_at"]
