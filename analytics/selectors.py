"""Reads of analytics snapshots and their jobs; each scoped to what the user may see."""

from bson import ObjectId
from django.db.models import Q

from accounts.models import User
from analytics.models import AnalyticsSnapshot
from jobs.models import Job


def snapshot_latest(*, owner: User | None) -> AnalyticsSnapshot | None:
    """The newest snapshot of one owner (None: the staff view across all users)."""
    return AnalyticsSnapshot.objects.filter(owner=owner).order_by("-computed_at").first()


def snapshot_get(*, user: User, snapshot_id: ObjectId) -> AnalyticsSnapshot | None:
    """One of the user's snapshots; staff also see the all-users ones."""
    visible = Q(owner=user) | Q(owner=None) if user.is_staff else Q(owner=user)
    return AnalyticsSnapshot.objects.filter(visible, pk=snapshot_id).first()  # type: ignore[misc]


def snapshot_job_latest(*, owner: User | None) -> Job | None:
    return Job.objects.filter(kind=Job.Kind.SNAPSHOT, owner=owner).order_by("-queued_at").first()


def snapshot_job_get(*, owner: User | None, job_id: ObjectId) -> Job | None:
    return Job.objects.filter(kind=Job.Kind.SNAPSHOT, owner=owner, pk=job_id).first()  # type: ignore[misc]
