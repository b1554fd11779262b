"""The Job record around each background task: queued when sent, started, finished, outcome."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bson import ObjectId
from celery import current_app
from django.utils import timezone

from jobs.models import Job


def job_enqueue(
    *,
    task: str,
    kind: str,
    owner_id: ObjectId | None,
    image_id: ObjectId | None = None,
    args: tuple[Any, ...] = (),
    queue: str | None = None,
) -> Job:
    """Record the job, then send the task (by name, routed by CELERY_TASK_ROUTES) with the job's
    id as its last argument. Apps name tasks, so a service never imports a tasks module."""
    job = Job.objects.create(kind=kind, owner_id=owner_id, image_id=image_id)  # type: ignore[misc]
    current_app.send_task(task, args=[*args, str(job.pk)], queue=queue)
    return job


@contextmanager
def job_running(job_id: str | None) -> Iterator[Job | None]:
    """Mark the job started; on leaving, succeeded with its duration or failed with the error.

    A redelivered task (worker killed, acks_late) starts the same job again, which is fine:
    the services it runs are idempotent.
    """
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is None:
        yield None
        return
    started = time.perf_counter()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.STARTED, started_at=timezone.now())
    try:
        yield job
    except BaseException as error:
        _finish(job, started, Job.Status.FAILED, f"{type(error).__name__}: {error}"[:2000])
        raise
    _finish(job, started, Job.Status.SUCCEEDED, "")


def _finish(job: Job, started: float, status: str, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        error=error,
        finished_at=timezone.now(),
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
