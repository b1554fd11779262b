"""Edits and model outputs (Version), and saved recipes (Preset)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from gallery.storage import version_rendition_name


class Version(models.Model):
    """A result derived from an original: an edit recipe, a background removal, a stylisation."""

    class Kind(models.TextChoices):
        EDIT = "edit", "Edit"
        BACKGROUND_REMOVED = "background_removed", "Background removed"
        STYLISED = "stylised", "Stylised"
        FACES_HIDDEN = "faces_hidden", "Faces hidden"

    class Status(models.TextChoices):
        PENDING = "pending", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    image = models.ForeignKey("gallery.Image", on_delete=models.CASCADE, related_name="versions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="versions"
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.EDIT)
    label = models.CharField(max_length=200, blank=True)
    recipe = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    file = models.FileField(max_length=300, blank=True)
    mask = models.FileField(max_length=300, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    processing_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # renders tried again by the sweep
    retry_after = models.DateTimeField(null=True, blank=True)  # set when storing it failed
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["image", "-created_at"]),
            models.Index(fields=["status", "retry_after"]),
        ]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @classmethod
    def media_names(cls) -> set[str]:
        """The renditions versions may have (processing.versions.version_rendition), which no
        field names: the orphans sweep keeps them."""
        return {
            version_rendition_name(owner_id=owner_id, version_id=version_id, size=size)
            for version_id, owner_id in cls.objects.exclude(file="").values_list("pk", "owner_id")
            for size in settings.RENDITION_SIZES
        }


class Preset(models.Model):
    """A named recipe a user keeps for batch edits."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets"
    )
    name = models.CharField(max_length=100)
    recipe = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_preset_name")]

    def __str__(self) -> str:
        return self.name
