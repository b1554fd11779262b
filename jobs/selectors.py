"""Reads of jobs: a user's, scoped to its owner, and the backlog of a kind."""

from bson import ObjectId
from django.db.models import QuerySet

from imagesite.mongo import collection_for
from jobs.models import Job

RECENT = 50


def job_get(*, owner_id: ObjectId, job_id: ObjectId) -> Job | None:
    return Job.objects.filter(owner_id=owner_id, pk=job_id).first()  # type: ignore[misc]


def job_list(*, owner_id: ObjectId, image_id: ObjectId | None = None) -> QuerySet[Job]:
    """The newest jobs of an owner, or of one of its images (indexes: owner or image, queued)."""
    jobs = Job.objects.filter(owner_id=owner_id)
    if image_id is not None:
        jobs = jobs.filter(image_id=image_id)  # type: ignore[misc]
    return jobs.order_by("-queued_at")[:RECENT]


def job_for(
    *, owner_id: ObjectId, kind: str, subject_id: ObjectId, image_id: ObjectId | None = None
) -> Job | None:
    """The newest job of this kind whose task works on `subject_id` (a version, a run: its
    first argument), among the owner's (or the image's) recent jobs."""
    jobs = Job.objects.filter(owner_id=owner_id, kind=kind)
    if image_id is not None:
        jobs = jobs.filter(image_id=image_id)  # type: ignore[misc]
    subject = str(subject_id)
    return next(
        (job for job in jobs.order_by("-queued_at")[:RECENT] if job.args[:1] == [subject]), None
    )


def jobs_queued_count(*, kind: str) -> int:
    """The jobs of a kind recorded and not yet taken by a worker, whoever's: the backlog that a
    producer of many waits on: read on the first two fields of the (kind, status, owner, ...)
    index."""
    return collection_for(Job).count_documents({"kind": kind, "status": Job.Status.QUEUED})


def jobs_queued_oldest(*, kind: str, owner_id: ObjectId) -> Job | None:
    """The owner's oldest job of a kind not yet taken: on the (kind, status, owner, queued_at)
    index, whose queued jobs of this owner are all it reads."""
    queued = Job.objects.filter(kind=kind, status=Job.Status.QUEUED, owner_id=owner_id)
    return queued.order_by("queued_at").first()
