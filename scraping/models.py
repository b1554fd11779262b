"""Web import: a source a user adds, and each run of it."""

import re

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone


class HostUrlValidator(URLValidator):
    """Django's URL check, also taking single-label host names ("http://nas/photos"): an
    intranet host an operator allows in SCRAPE_ALLOWED_HOSTS. The SSRF guard still decides
    which hosts may be fetched."""

    host_re = (
        "("
        + URLValidator.hostname_re
        + URLValidator.domain_re
        + "(?:"
        + URLValidator.tld_re
        + ")?)"
    )
    regex = re.compile(
        r"^(?:[a-z0-9.+-]*)://"
        r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"
        r"(?:" + URLValidator.ipv4_re + "|" + URLValidator.ipv6_re + "|" + host_re + ")"
        r"(?::[0-9]{1,5})?"
        r"(?:[/?#][^\s]*)?"
        r"\Z",
        re.IGNORECASE,
    )
    schemes = ["http", "https"]


url_validator = HostUrlValidator()


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
    url = models.CharField(max_length=2000, validators=[url_validator])
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
        CANCELLED = "cancelled", "Cancelled"

    class StopReason(models.TextChoices):
        """Why a run ended; every run that ended has one."""

        NONE = "", "Not ended"
        FINISHED = "finished", "Finished"
        IMAGE_LIMIT = "image limit", "Stopped: image limit reached"
        PAGE_LIMIT = "page limit", "Stopped: page limit reached"
        BYTE_LIMIT = "byte limit", "Stopped: download limit reached"
        TIMEOUT = "run timeout", "Stopped: run timeout"
        CANCELLED = "cancelled", "Cancelled"
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
    images_failed = models.PositiveIntegerField(default=0)
    images_unchanged = models.PositiveIntegerField(default=0)  # 304s, among the skipped
    skipped_reasons = models.JSONField(default=dict, blank=True)
    failed_reasons = models.JSONField(default=dict, blank=True)
    stop_reason = models.CharField(max_length=12, choices=StopReason, default="", blank=True)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["source", "-queued_at"]),
            models.Index(fields=["owner", "-queued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} at {self.queued_at:%Y-%m-%d %H:%M}"

    @property
    def ended(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def outcome_display(self) -> str:
        """The state for people: why an ended run stopped, else queued or running."""
        return self.get_stop_reason_display() if self.stop_reason else self.get_status_display()


class ScrapeItem(models.Model):
    """An image a run found and did not import: skipped (with the reason), failed, or a
    near-duplicate of an image in the gallery, which the user may import anyway."""

    class Outcome(models.TextChoices):
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        NEAR_DUPLICATE = "near", "Near-duplicate"

    run = models.ForeignKey(ScrapeRun, on_delete=models.CASCADE, related_name="items")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_items"
    )
    url = models.CharField(max_length=2000)
    page_url = models.CharField(max_length=2000, blank=True)
    title = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome)
    reason = models.CharField(max_length=100)
    detail = models.CharField(max_length=500, blank=True)
    # a near-duplicate: the gallery image it looks like, and the one imported anyway
    similar = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_state = models.CharField(max_length=10, blank=True)  # "", "queued", "done", "failed"
    import_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # (similar and imported are indexed as foreign keys: deleting a gallery image finds
        # the items to set to null by index)
        indexes = [models.Index(fields=["run", "outcome", "created_at"])]

    def __str__(self) -> str:
        return f"{self.url} ({self.reason})"


class ScrapeValidator(models.Model):
    """An image URL's HTTP validators from the last run that fetched it, for a conditional
    request (If-None-Match / If-Modified-Since) the next time."""

    source = models.ForeignKey(ScrapeSource, on_delete=models.CASCADE, related_name="validators")
    url = models.CharField(max_length=2000)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)  # of the content these validators describe
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "url"], name="one_validator_per_source_url")
        ]

    def __str__(self) -> str:
        return self.url
