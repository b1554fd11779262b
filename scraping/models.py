"""Web import: a source a user adds, and each run of it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ScrapeSource(models.Model):
    class Scope(models.TextChoices):
        PAGE = "page", "This page only"
        SITE = "site", "Follow links within the site"

    class Schedule(models.TextChoices):
        NONE = "", "Only when I ask"
        HOURLY = "hourly", "Every hour"
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_sources"
    )
    url = models.URLField(max_length=2000)
    scope = models.CharField(max_length=4, choices=Scope, default=Scope.PAGE)
    max_depth = models.PositiveSmallIntegerField(default=1)
    max_pages = models.PositiveSmallIntegerField(default=20)
    min_width = models.PositiveIntegerField(default=100)
    min_height = models.PositiveIntegerField(default=100)
    schedule = models.CharField(max_length=6, choices=Schedule, default=Schedule.NONE, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    paused = models.BooleanField(default=False)
    paused_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["paused", "next_run_at"]),
        ]

    def __str__(self) -> str:
        return self.url


class ScrapeRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(ScrapeSource, on_delete=models.CASCADE, related_name="runs")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_runs"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages_visited = models.PositiveIntegerField(default=0)
    images_found = models.PositiveIntegerField(default=0)
    images_imported = models.PositiveIntegerField(default=0)
    images_skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["source", "-queued_at"]),
            models.Index(fields=["owner", "-queued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} at {self.queued_at:%Y-%m-%d %H:%M}"
