"""One run of background work, whichever app queued it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Job(models.Model):
    """One run of a task: the record the page shows and the raw data of the analytics."""

    class Kind(models.TextChoices):
        INGEST = "ingest", "Ingest"
        RECOGNISE = "recognise", "Object recognition"
        RENDER = "render", "Save edit"
        REMOVE_BACKGROUND = "remove_background", "Background removal"
        STYLISE = "stylise", "Style transfer"
        SNAPSHOT = "snapshot", "Analytics snapshot"
        SCRAPE = "scrape", "Web import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        STARTED = "started", "Started"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    image = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    # what to send again when the message or the worker is lost (jobs.services.jobs_sweep)
    task = models.CharField(max_length=200, blank=True)
    args = models.JSONField(default=list, blank=True)
    queue = models.CharField(max_length=50, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # times a worker started it
    lease_until = models.DateTimeField(null=True, blank=True)  # renewed while a worker runs it
    worker = models.CharField(max_length=300, blank=True)  # host:pid of the process running it
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # the share of the work done, 0 to 1, where the work reports it (jobs.services.job_progress)
    progress = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "processing_job"  # where processing kept it: the documents stay in place
        indexes = [
            models.Index(fields=["image", "-queued_at"]),
            models.Index(fields=["owner", "-queued_at"]),
            # the backlog of a kind, and an owner's oldest queued job of it (jobs.selectors)
            models.Index(fields=["kind", "status", "owner", "queued_at"]),
            models.Index(fields=["status", "lease_until"]),
            models.Index(fields=["status", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_status_display().lower()}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.STARTED)
