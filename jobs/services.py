"""The Job record around each background task: recorded, sent, claimed by one worker under a
lease, finished; and the sweep that sends again what a lost message or a dead worker left.

A task runs its work through `job_run`, which claims the job first: a duplicate message (a job
sent again, a redelivery after a killed worker) finds it claimed or finished and does nothing,
so sending again is always safe. The work reports how far it is with `job_progress`.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from celery import current_app
from django.conf import settings
from django.db import connections
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from jobs.models import Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # workers lost while running it before the job fails
GIVE_UP_AFTER = timedelta(days=1)  # a job never started by then fails
PROGRESS_EVERY_S = 1.0  # the running job's progress is written at most this often


@dataclass
class _Running:
    job_id: str
    written_at: float = 0.0


_running: ContextVar[_Running | None] = ContextVar("running_job", default=None)


def lease() -> timedelta:
    """How long a started job is a worker's: it renews the lease every third of it."""
    return timedelta(seconds=settings.JOB_LEASE_S)


def resend_after() -> timedelta:
    """How long after its message a job still queued is sent again."""
    return timedelta(seconds=settings.JOB_RESEND_AFTER_S)


def job_record(
    *,
    task: str,
    kind: str,
    owner_id: ObjectId | None,
    image_id: ObjectId | None = None,
    args: tuple[Any, ...] = (),
    queue: str = "",
) -> Job:
    """The job of a task not sent yet (`job_send`): record it before the document it works on,
    so that no crash leaves work without its job; the sweep sends it if nobody does."""
    return Job.objects.create(  # type: ignore[misc]  # django-stubs: ObjectId ids
        task=task, kind=kind, owner_id=owner_id, image_id=image_id, args=list(args), queue=queue
    )


def jobs_record(*, jobs: list[Job]) -> list[Job]:
    """Record unsaved jobs (built with their ids) in one write, as `job_record` does one."""
    return Job.objects.bulk_create(jobs)


def job_send(*, job: Job) -> None:
    """Send the job's task by name (routed by CELERY_TASK_ROUTES unless the job names a queue),
    with the job's id as its last argument. Apps name tasks, so no service imports a tasks
    module."""
    jobs_send(jobs=[job])


def jobs_send(*, jobs: list[Job]) -> None:
    """Send each job's task (`job_send`), then note when in one write for all that went."""
    sent = []
    for job in jobs:
        try:
            current_app.send_task(job.task, args=[*job.args, str(job.pk)], queue=job.queue or None)
        except (OperationalError, OSError) as error:  # the broker is away: the sweep sends them
            logger.warning("could not send %s (job %s): %s", job.task, job.pk, error)
            break
        sent.append(job.pk)
    if sent:
        Job.objects.filter(pk__in=sent).update(sent_at=timezone.now())


def job_enqueue(
    *,
    task: str,
    kind: str,
    owner_id: ObjectId | None,
    image_id: ObjectId | None = None,
    args: tuple[Any, ...] = (),
    queue: str = "",
) -> Job:
    """Record the job, then send its task."""
    job = job_record(
        task=task, kind=kind, owner_id=owner_id, image_id=image_id, args=args, queue=queue
    )
    job_send(job=job)
    return job


def job_run(*, job_id: str | None, work: Callable[[], object]) -> None:
    """Run a job's work once: claim the job (queued, or started by a worker whose lease ran
    out), keep the lease while the work runs, then record success or the error (re-raised).
    Without a job id (a task called by hand) the work just runs."""
    if job_id is None:
        work()
        return
    if not _claim(job_id):
        return
    started = time.perf_counter()
    token = _running.set(_Running(job_id=job_id))
    try:
        with _lease_kept(job_id):
            work()
    except BaseException as error:
        _finish(job_id, started, Job.Status.FAILED, f"{type(error).__name__}: {error}"[:2000])
        raise
    finally:
        _running.reset(token)
    _finish(job_id, started, Job.Status.SUCCEEDED, "")


def job_progress(*, done: int, total: int) -> None:
    """Note that `done` of `total` steps of the running job's work are done (called from inside
    the work that `job_run` runs; elsewhere it does nothing). Written at most once every
    PROGRESS_EVERY_S, and never 1 before the job has finished."""
    running = _running.get()
    now = time.monotonic()
    if running is None or total <= 0 or now - running.written_at < PROGRESS_EVERY_S:
        return
    running.written_at = now
    share = min(max(done / total, 0.0), 0.99)
    Job.objects.filter(pk=running.job_id, status=Job.Status.STARTED).update(progress=share)


def _claim(job_id: str) -> bool:
    """Take the job: queued, started by a worker whose lease ran out, or started by a process
    of this host that is gone (a redelivery after its pool process was killed: no need to wait
    for the lease)."""
    now = timezone.now()
    # one conditional update each, not one `$or`: SecantusDB plans no `$or` by an index
    queued = Q(status=Job.Status.QUEUED)
    lease_out = Q(status=Job.Status.STARTED, lease_until__lt=now)
    if _take(job_id, queued, now=now) or _take(job_id, lease_out, now=now):
        return True
    holder = _dead_local_holder(job_id)  # read only when the usual claim failed
    return holder is not None and _take(
        job_id, Q(status=Job.Status.STARTED, worker=holder), now=now
    )


def _take(job_id: str, claimable: Q, *, now: datetime) -> bool:
    return bool(
        Job.objects.filter(claimable, pk=job_id).update(
            status=Job.Status.STARTED,
            started_at=now,
            lease_until=now + lease(),
            attempts=F("attempts") + 1,
            worker=_this_process(),
            progress=0.0,
        )
    )


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_local_holder(job_id: str) -> str | None:
    holder = Job.objects.filter(pk=job_id, status=Job.Status.STARTED).values_list(
        "worker", flat=True
    )
    host, _, pid = (holder.first() or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return f"{host}:{pid}"
    except PermissionError:  # alive, another user's
        return None
    return None


@contextmanager
def _lease_kept(job_id: str) -> Iterator[None]:
    """Renew the lease from a thread while the work runs (only past a third of it: most tasks are
    done by then and never open the thread's own database connection)."""
    done = threading.Event()

    def renew() -> None:
        try:
            while not done.wait(lease().total_seconds() / 3):
                Job.objects.filter(pk=job_id, status=Job.Status.STARTED).update(
                    lease_until=timezone.now() + lease()
                )
        finally:
            connections.close_all()

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _finish(job_id: str, started: float, status: str, error: str) -> None:
    succeeded = status == Job.Status.SUCCEEDED
    Job.objects.filter(pk=job_id).update(
        status=status,
        error=error,
        **({"progress": 1.0} if succeeded else {}),
        finished_at=timezone.now(),
        lease_until=None,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )


@dataclass
class JobsSweep:
    resent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent again {self.resent}, failed {self.failed}"


def jobs_sweep(*, now: datetime | None = None, limit: int = 500) -> JobsSweep:
    """Send again the jobs whose worker died (lease out) or whose message was lost (queued long
    after it was sent); fail those that keep losing their worker or never start. Each job is
    claimed by a conditional update, so two sweeps never send it twice."""
    now = now or timezone.now()
    report = JobsSweep()
    cutoff = now - resend_after()
    unsent = Q(sent_at=None, queued_at__lt=cutoff)  # recorded, then the sender crashed
    lost = Q(status=Job.Status.STARTED, lease_until__lt=now) | Q(
        Q(sent_at__lt=cutoff) | unsent, status=Job.Status.QUEUED
    )
    legacy = Q(status__in=[Job.Status.QUEUED, Job.Status.STARTED], task="")
    for job in Job.objects.filter(lost | legacy).order_by("queued_at")[:limit]:
        reason = _given_up(job, now=now)
        same = Job.objects.filter(pk=job.pk, status=job.status, sent_at=job.sent_at)
        if reason:
            report.failed += same.update(
                status=Job.Status.FAILED, error=reason, finished_at=now, lease_until=None
            )
        elif same.update(status=Job.Status.QUEUED, sent_at=now, lease_until=None):
            job_send(job=job)
            report.resent += 1
    return report


def _given_up(job: Job, *, now: datetime) -> str:
    if not job.task:
        return "Lost: recorded before jobs could be sent again."
    if job.status == Job.Status.STARTED and job.attempts >= MAX_ATTEMPTS:
        return f"Lost: the worker running it stopped {job.attempts} times."
    if job.queued_at < now - GIVE_UP_AFTER:
        return "Lost: no worker started it within a day."
    return ""


def jobs_supersede(*, image_id: ObjectId, kind: str) -> int:
    """End the unfinished jobs of this kind for the image: a new one replaces them."""
    active = [Job.Status.QUEUED, Job.Status.STARTED]
    return Job.objects.filter(image_id=image_id, kind=kind, status__in=active).update(  # type: ignore[misc]
        status=Job.Status.FAILED, error="Replaced by a new attempt.", finished_at=timezone.now()
    )
