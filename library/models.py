"""Server folders: a folder on the server that staff attach to a user, its scans, and what each
scan found in it (one LibraryFile per path)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# why a file was skipped: the codes a scan counts, and what the page says
REASONS = {
    "duplicate": "already in the gallery",
    "not_image": "not an image",
    "unsupported": "unsupported format",
    "corrupt": "truncated or corrupt",
    "too_large": "too large",
    "too_many_pixels": "too many pixels",
    "empty": "empty file",
    "decode_limit": "past a decode limit",
    "rejected": "refused",
    "symlink_outside": "symlink out of the folder",
    "symlink_folder": "symlink to a folder (not followed)",
    "special_file": "not a regular file",
    "deleted_in_gallery": "deleted from the gallery",
}


def reason_label(code: str) -> str:
    return REASONS.get(code, code.replace("_", " "))


class LibraryFolder(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_folders"
    )
    path = models.CharField(max_length=1000)  # resolved, under one of LIBRARY_ROOTS
    scheduled = models.BooleanField(default=True, help_text="Scanned by the beat schedule")
    attached_by = models.CharField(max_length=254, blank=True)  # the staff member's email
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["owner", "path"], name="unique_folder_per_owner"),
        ]

    def __str__(self) -> str:
        return self.path


class LibraryScan(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Scanning"
        PAUSED = "paused", "Paused"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    folder = models.ForeignKey(LibraryFolder, on_delete=models.CASCADE, related_name="scans")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_scans"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # where the walk stands: the path parts of the last file of the last batch stored
    cursor = models.JSONField(default=list, blank=True)
    batches = models.PositiveIntegerField(default=0)  # checkpoints: each moves the cursor once
    generation = models.PositiveIntegerField(default=0)  # raised by a resume: older slices stop
    files_total = models.PositiveIntegerField(null=True, blank=True)  # counted at the start
    files_seen = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    restored = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True)  # the last few: {path, reason}
    removed = models.PositiveIntegerField(default=0)  # files gone since the last scan
    trashed = models.PositiveIntegerField(default=0)  # images of files gone past the grace
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["folder", "-queued_at"]),
            models.Index(fields=["owner", "-queued_at"]),
            models.Index(fields=["status", "queued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.folder} at {self.queued_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_open(self) -> bool:
        """Not finished: running, waiting for a worker, or paused."""
        return self.is_active or self.status == self.Status.PAUSED

    @property
    def skipped_list(self) -> list[tuple[str, int]]:
        return [(reason_label(code), n) for code, n in sorted((self.skipped_reasons or {}).items())]

    @property
    def percent(self) -> int:
        if not self.files_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.files_seen / self.files_total))


class LibraryFile(models.Model):
    """One path of a folder as the last scan saw it: its size, modification time and content,
    and the gallery image it became (none when it was skipped or failed)."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        CHANGED = "changed", "Changed: imported again"
        UNCHANGED = "unchanged", "Unchanged"
        RESTORED = "restored", "Back after missing"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    folder = models.ForeignKey(LibraryFolder, on_delete=models.CASCADE, related_name="files")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_files"
    )
    relpath = models.CharField(max_length=1000)
    size = models.PositiveBigIntegerField(default=0)
    mtime_ns = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    image = models.ForeignKey(
        "gallery.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owns_image = models.BooleanField(default=False)  # this file's import created the image
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.IMPORTED)
    reason = models.CharField(max_length=40, blank=True)
    last_scan = models.ForeignKey(
        LibraryScan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    missing_since = models.DateTimeField(null=True, blank=True)
    hidden_by_library = models.BooleanField(default=False)  # its image trashed: gone past grace

    class Meta:
        indexes = [
            models.Index(fields=["folder", "missing_since"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["folder", "relpath"], name="unique_file_per_folder"),
        ]

    def __str__(self) -> str:
        return self.relpath
