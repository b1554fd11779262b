"""An uploaded or imported image, its metadata and what recognition found in it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_mongodb_backend.fields import ArrayField, EmbeddedModelArrayField
from django_mongodb_backend.models import EmbeddedModel


class Detection(EmbeddedModel):
    label = models.CharField(max_length=100)
    score = models.FloatField()
    box = ArrayField(models.FloatField(), size=4)  # x0, y0, x1, y1 relative to the image

    def __str__(self) -> str:
        return f"{self.label} {self.score:.0%}"

    @property
    def css_box(self) -> str:
        """Position over the image, in percent, for the detail page's overlay."""
        x0, y0, x1, y1 = (value * 100 for value in self.box)
        return f"left:{x0:.2f}%;top:{y0:.2f}%;width:{x1 - x0:.2f}%;height:{y1 - y0:.2f}%"


class Image(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be processed"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Processing failed"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        SCRAPE = "scrape", "Web import"
        LIBRARY = "library", "Server folder"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images"
    )
    original = models.FileField(max_length=300)
    thumbnail = models.FileField(max_length=300, blank=True)
    preview = models.FileField(max_length=300, blank=True)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    original_name = models.CharField(max_length=255, blank=True)

    format = models.CharField(max_length=10)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    phash = models.CharField(max_length=16, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    source = models.CharField(max_length=10, choices=Source, default=Source.UPLOAD)
    source_url = models.URLField(max_length=2000, blank=True)
    source_page = models.URLField(max_length=2000, blank=True)
    scrape_run = models.ForeignKey(
        "scraping.ScrapeRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="images",
    )

    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    error = models.TextField(blank=True)
    ingest_version = models.PositiveSmallIntegerField(default=0)
    ingest_attempts = models.PositiveSmallIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    detections = EmbeddedModelArrayField(Detection, default=list, blank=True)
    recognised_at = models.DateTimeField(null=True, blank=True)
    recognition_queued_at = models.DateTimeField(null=True, blank=True)
    recognition_model = models.CharField(max_length=100, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by a moderator")
    current_version = models.ForeignKey(
        "processing.Version", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the gallery reads through (gallery.terms; kept by services.image_terms_refresh):
    # the search words and filter facets, and the taken order's key (taken, else uploaded).
    terms = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    sort_taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # every gallery read: one term, a window of the sort key (gallery.selectors)
            models.Index(fields=["owner", "hidden", "terms", "-uploaded_at", "-id"]),
            models.Index(fields=["owner", "hidden", "terms", "-sort_taken_at", "-id"]),
            models.Index(fields=["status", "retry_after"]),
            models.Index(fields=["owner", "phash"]),
            models.Index(fields=["status", "recognised_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sha256"], name="unique_image_per_owner"),
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or str(self.pk)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)

    @property
    def labels(self) -> list[str]:
        return sorted({detection.label for detection in self.detections or []})

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000

    @property
    def display_name(self) -> str:
        return self.title or self.original_name or "Untitled"


class TermCount(models.Model):
    """How many of an owner's visible images carry a facet term (`label:dog`, `tag:sea`,
    `format:png`, `*`...): the filter's choices and exact counts, kept with $inc as terms
    change (gallery.services.image_terms_refresh)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="term_counts"
    )
    term = models.CharField(max_length=200)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "term"], name="unique_term_count_per_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.term}: {self.count}"


class PartialUpload(models.Model):
    """A file arriving in chunks (gallery.chunked): what was declared, how much has arrived.
    The bytes so far are in UPLOAD_PARTIAL_DIR under the document's id; the orphans sweep
    removes uploads left unfinished."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partial_uploads"
    )
    key = models.CharField(max_length=300)  # the client's name for the file: name, size, mtime
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["updated_at"])]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="unique_partial_upload_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.received} of {self.size} bytes)"
