from django.contrib import admin

from processing.models import Job, Preset, Version


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "owner", "image", "queued_at", "duration_ms"]
    list_filter = ["kind", "status"]
    readonly_fields = ["owner", "image", "queued_at", "started_at", "finished_at", "duration_ms"]


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "owner", "image", "created_at", "processing_ms"]
    list_filter = ["kind", "status"]
    readonly_fields = ["image", "owner", "file", "mask", "created_at"]


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
