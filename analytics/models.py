"""A computed set of analytics figures and the charts drawn from them."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AnalyticsSnapshot(models.Model):
    """Figures for one user, or for every user when owner is empty (staff view)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="analytics_snapshots",
    )
    computed_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)
    charts = models.JSONField(default=dict, blank=True)  # chart name -> storage path

    class Meta:
        indexes = [models.Index(fields=["owner", "-computed_at"])]

    def __str__(self) -> str:
        return f"Snapshot {self.computed_at:%Y-%m-%d %H:%M}"

    @classmethod
    def media_names(cls) -> set[str]:
        """The chart files every snapshot refers to (for the orphans sweep)."""
        names: set[str] = set()
        for charts in cls.objects.values_list("charts", flat=True):
            names.update((charts or {}).values())
        return names
