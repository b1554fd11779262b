from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["kind", "status", "owner", "image", "queued_at", "duration_ms"]
    list_filter = ["kind", "status"]
    readonly_fields = ["owner", "image", "queued_at", "started_at", "finished_at", "duration_ms"]
