"""An uploaded or imported image, its metadata and what recognition found in it."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_mongodb_backend.fields import ArrayField, EmbeddedModelArrayField, ObjectIdField
from django_mongodb_backend.models import EmbeddedModel

from gallery.terms import camera_name, facet, place_value


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


class Face(EmbeddedModel):
    score = models.FloatField()
    box = ArrayField(models.FloatField(), size=4)  # x0, y0, x1, y1 relative to the image

    def __str__(self) -> str:
        return f"face {self.score:.0%}"

    @property
    def css_box(self) -> str:
        x0, y0, x1, y1 = (value * 100 for value in self.box)
        return f"left:{x0:.2f}%;top:{y0:.2f}%;width:{x1 - x0:.2f}%;height:{y1 - y0:.2f}%"


class Image(models.Model):
    class Visibility(models.TextChoices):
        """Where the image shows: kept by services.image_terms_refresh from `hidden`,
        `trashed_at` and `archived` (in that order of precedence), the first field of every
        gallery index."""

        LIBRARY = "library", "Library"
        ARCHIVE = "archive", "Archive"
        TRASH = "trash", "Trash"
        HIDDEN = "hidden", "Hidden by a moderator"

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
    # minutes east of UTC where the photo was taken (EXIF OffsetTime*), None: not known
    taken_offset = models.SmallIntegerField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # the nearest named place of the coordinates (gallery.places), or the place the user chose
    place_city = models.CharField(max_length=200, blank=True)
    place_region = models.CharField(max_length=200, blank=True)
    place_country = models.CharField(max_length=100, blank=True)
    # what the owner set by hand ("taken", "location"): a new ingest keeps it
    edited = ArrayField(models.CharField(max_length=20), default=list, blank=True)

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
    # faces (YuNet, with recognition); face_count None: not looked for yet. Searched as the
    # `faces:<n>` and `faces:any` terms (gallery.terms)
    faces = EmbeddedModelArrayField(Face, default=list, blank=True)
    face_count = models.PositiveSmallIntegerField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by a moderator")
    # The owner's organisation: albums (ids of gallery.Album), favourite, archive, trash.
    album_ids = ArrayField(ObjectIdField(), default=list, blank=True)
    favourite = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    trashed_at = models.DateTimeField(null=True, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.LIBRARY)
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
            models.Index(fields=["owner", "visibility", "terms", "-uploaded_at", "-id"]),
            models.Index(fields=["owner", "visibility", "terms", "-sort_taken_at", "-id"]),
            models.Index(fields=["trashed_at"]),  # the trash's emptying (services.trash_expire)
            # the ingest sweep (gallery.sweeps): failed and lost images, outdated ones
            models.Index(fields=["status", "retry_after"]),
            models.Index(fields=["status", "ingest_version"]),
            models.Index(fields=["owner", "phash"]),
            # the duplicate check (selectors.image_by_content): SecantusDB plans no query with
            # the unique constraint's index, which is partial
            models.Index(fields=["owner", "sha256"]),
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
    def camera(self) -> str:
        return camera_name(self.camera_make, self.camera_model)

    @property
    def taken_local(self) -> datetime | None:
        """The time taken as the photo's own clock showed it (at its offset, else UTC),
        naive: templates show it as it is (taken_offset_label says where)."""
        if self.taken_at is None:
            return None
        zone = dt_timezone(timedelta(minutes=self.taken_offset or 0))
        moment = self.taken_at if self.taken_at.tzinfo else self.taken_at.replace(tzinfo=UTC)
        return moment.astimezone(zone).replace(tzinfo=None)

    @property
    def taken_offset_label(self) -> str:
        """ "UTC+03:00" where the offset is known, "UTC" where it is not."""
        if self.taken_offset is None:
            return "UTC"
        sign = "-" if self.taken_offset < 0 else "+"
        hours, minutes = divmod(abs(self.taken_offset), 60)
        return f"UTC{sign}{hours:02d}:{minutes:02d}"

    @property
    def place_label(self) -> str:
        return ", ".join(p for p in (self.place_city, self.place_region, self.place_country) if p)

    @property
    def place_path(self) -> str:
        """The place filter's value of the city: "Italy/Tuscany/Arezzo" ("" without one)."""
        return place_value(self.place_country, self.place_region, self.place_city)

    @property
    def display_name(self) -> str:
        return self.title or self.original_name or "Untitled"

    @property
    def shown_version(self) -> Any:
        """The current version where it is ready (what the grid and the viewer show), else
        None (the original's renditions). Loaded with the page (selectors.image_page)."""
        version = self.current_version if self.current_version_id else None
        ready = version is not None and version.status == "ready" and version.width
        return version if ready else None

    @property
    def shown_size(self) -> tuple[int, int]:
        """Width and height of what is shown: a crop changes the shape."""
        version = self.shown_version
        if version is not None and version.height:
            return int(version.width), int(version.height)
        return self.width or 1, self.height or 1

    @property
    def shown_width(self) -> int:
        return self.shown_size[0]

    @property
    def shown_height(self) -> int:
        return self.shown_size[1]

    @property
    def in_trash(self) -> bool:
        return self.trashed_at is not None


class Album(models.Model):
    """A named set of the owner's images; an image may be in many (Image.album_ids, and the
    term `album:<id>` the album's page reads through)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cover = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def term(self) -> str:
        """The term of its images (gallery.terms), which its page reads through."""
        return facet("album", str(self.pk))


class TermCount(models.Model):
    """How many of an owner's visible images carry a facet term (`label:dog`, `tag:sea`,
    `format:png`, `*`...): the filter's choices and exact counts, kept with $inc as terms
    change (gallery.services.image_terms_refresh)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="term_counts"
    )
    term = models.CharField(max_length=200)
    count = models.IntegerField(default=0)
    label = models.CharField(max_length=300, blank=True)  # a place term's name as written

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
