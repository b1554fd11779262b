"""Analytics snapshots: figures computed in MongoDB and pandas, charts drawn with Matplotlib."""

import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from analytics.charts import render_charts
from analytics.figures import compute_figures
from analytics.models import AnalyticsSnapshot
from gallery.models import Image
from imagesite.mongo import mongo_database
from jobs.models import Job
from jobs.services import job_enqueue

KEEP_SNAPSHOTS = 3  # per owner; older ones and their charts are deleted
ALL_USERS = "_all"  # the chart folder of the staff view across all users


def snapshot_compute(*, owner: User | None) -> AnalyticsSnapshot:
    """Compute one owner's figures (None: every user's) and store them with their charts."""
    started = time.perf_counter()
    figures = compute_figures(db=mongo_database(), owner_id=owner.pk if owner else None)
    charts = render_charts(figures)
    snapshot = AnalyticsSnapshot.objects.create(owner=owner, figures=figures)
    folder = f"{owner.pk if owner else ALL_USERS}/analytics/{snapshot.pk}"
    snapshot.charts = {
        name: default_storage.save(f"{folder}/{name}.svg", ContentFile(data))
        for name, data in charts.items()
    }
    snapshot.duration_ms = round((time.perf_counter() - started) * 1000)
    snapshot.save(update_fields=["charts", "duration_ms"])
    _prune(owner=owner)
    return snapshot


def snapshot_enqueue(*, owner: User | None) -> Job:
    return job_enqueue(
        task="analytics.tasks.snapshot_task",
        kind=Job.Kind.SNAPSHOT,
        owner_id=owner.pk if owner else None,
        args=(str(owner.pk) if owner else "",),
    )


def snapshots_compute_all() -> int:
    """Every user with images, and the staff view across all users."""
    owner_ids = Image.objects.values_list("owner_id", flat=True).distinct()
    owners = list(User.objects.filter(pk__in=list(owner_ids)))
    for owner in owners:
        snapshot_compute(owner=owner)
    snapshot_compute(owner=None)
    return len(owners) + 1


def _prune(*, owner: User | None) -> None:
    old = AnalyticsSnapshot.objects.filter(owner=owner).order_by("-computed_at")[KEEP_SNAPSHOTS:]
    for snapshot in list(old):
        names = list((snapshot.charts or {}).values())
        snapshot.delete()
        for name in names:
            default_storage.delete(name)
