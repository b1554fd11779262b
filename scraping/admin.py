from django.contrib import admin

from scraping.models import ScrapeRun, ScrapeSource


@admin.register(ScrapeSource)
class ScrapeSourceAdmin(admin.ModelAdmin[ScrapeSource]):
    list_display = [
        "url",
        "owner",
        "scope",
        "schedule",
        "paused",
        "consecutive_failures",
        "next_run_at",
    ]
    list_filter = ["scope", "schedule", "paused"]


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin[ScrapeRun]):
    list_display = [
        "source",
        "owner",
        "status",
        "queued_at",
        "pages_visited",
        "images_found",
        "images_imported",
        "images_skipped",
        "images_failed",
        "stop_reason",
    ]
    list_filter = ["status", "stop_reason"]
