"""Jobs run once under a lease; the sweep sends again what a dead worker or a lost message left,
and every job ends. Against the real database; messages go to the real Redis broker."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gallery.models import Image
from gallery.services import image_create
from jobs.models import Job
from jobs.services import (
    MAX_ATTEMPTS,
    job_enqueue,
    job_progress,
    job_record,
    job_run,
    jobs_sweep,
    resend_after,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TASK = "jobs.tasks.jobs_sweep_task"  # any registered task: the tests run the work themselves


def _job(**fields: object) -> Job:
    job = job_record(task=TASK, kind=Job.Kind.SNAPSHOT, owner_id=None)
    Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_a_job_runs_once_however_often_it_is_delivered(redis_url) -> None:
    job = job_enqueue(task=TASK, kind=Job.Kind.SNAPSHOT, owner_id=None)
    runs: list[int] = []
    job_run(job_id=str(job.pk), work=lambda: runs.append(1))
    job_run(job_id=str(job.pk), work=lambda: runs.append(2))  # a duplicate message
    job.refresh_from_db()
    assert runs == [1]
    assert (job.status, job.attempts, job.lease_until) == (Job.Status.SUCCEEDED, 1, None)


def test_a_running_job_is_not_taken_by_a_second_worker_while_its_lease_holds() -> None:
    job = _job(status=Job.Status.STARTED, lease_until=timezone.now() + timedelta(seconds=30))
    job_run(job_id=str(job.pk), work=lambda: pytest.fail("ran twice"))
    assert Job.objects.get(pk=job.pk).status == Job.Status.STARTED


def test_the_lease_is_renewed_while_the_work_runs(settings) -> None:
    settings.JOB_LEASE_S = 0.6
    job = _job()
    leases = []

    def work() -> None:
        for _ in range(4):
            time.sleep(0.3)
            leases.append(Job.objects.get(pk=job.pk).lease_until)

    job_run(job_id=str(job.pk), work=work)
    assert leases[-1] > leases[0]
    assert not any(thread.name.startswith("lease-") for thread in threading.enumerate())


def test_a_failure_is_recorded_and_raised() -> None:
    job = _job()
    with pytest.raises(ZeroDivisionError):
        job_run(job_id=str(job.pk), work=lambda: 1 / 0)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("ZeroDivisionError")


def test_the_job_of_a_dead_worker_is_sent_again_then_runs(redis_url) -> None:
    job = _job(
        status=Job.Status.STARTED,
        attempts=1,
        lease_until=timezone.now() - timedelta(seconds=1),
        sent_at=timezone.now() - timedelta(minutes=1),
    )
    report = jobs_sweep()
    job.refresh_from_db()
    assert (report.resent, job.status) == (1, Job.Status.QUEUED)
    assert job.sent_at > timezone.now() - timedelta(seconds=5)
    assert jobs_sweep().resent == 0  # claimed: a second sweep leaves it to the message
    job_run(job_id=str(job.pk), work=lambda: None)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)


def test_a_lost_message_is_sent_again_and_an_unsent_job_too(redis_url) -> None:
    old = timezone.now() - resend_after() - timedelta(seconds=1)
    lost = _job(sent_at=old)
    unsent = _job(queued_at=old)  # the sender crashed before sending
    waiting = _job(sent_at=timezone.now())
    assert jobs_sweep().resent == 2
    assert {job.pk for job in Job.objects.filter(sent_at__gt=old)} >= {lost.pk, unsent.pk}
    assert Job.objects.get(pk=waiting.pk).sent_at == waiting.sent_at


def test_every_job_ends_in_a_final_state(redis_url) -> None:
    now = timezone.now()
    hopeless = _job(
        status=Job.Status.STARTED, attempts=MAX_ATTEMPTS, lease_until=now - timedelta(seconds=1)
    )
    never = _job(queued_at=now - timedelta(days=2), sent_at=now - timedelta(days=1))
    legacy = _job(task="", status=Job.Status.STARTED)
    assert jobs_sweep().failed == 3
    for job in (hopeless, never, legacy):
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert job.error.startswith("Lost:")
    assert not Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.STARTED]).exists()


def test_an_upload_killed_before_its_job_is_sent_leaves_a_job_the_sweep_sends(
    corpus, monkeypatch, redis_url
) -> None:
    from gallery import services as gallery_services

    def crash(*, jobs: list[Job]) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(gallery_services, "jobs_send", crash)
    data = (corpus / "exif/gps/DSCN0010.jpg").read_bytes()
    with pytest.raises(SystemExit):
        image_create(owner=UserFactory(), file=SimpleUploadedFile("a.jpg", data), name="a.jpg")
    image = Image.objects.get()
    job = Job.objects.get(image=image, kind=Job.Kind.INGEST)
    assert (job.status, job.sent_at) == (Job.Status.QUEUED, None)
    monkeypatch.undo()
    assert jobs_sweep(now=timezone.now() + resend_after() * 2).resent == 1


def test_a_job_whose_broker_is_away_stays_unsent_for_the_sweep(monkeypatch) -> None:
    """The broker refusing the message (fault injected at the send): the job is kept, unsent."""
    from celery import current_app
    from kombu.exceptions import OperationalError

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", refuse)
    job = job_enqueue(task=TASK, kind=Job.Kind.SNAPSHOT, owner_id=None)
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (Job.Status.QUEUED, None)
    monkeypatch.undo()
    assert jobs_sweep(now=timezone.now() + resend_after() * 2).resent == 1


def test_a_redelivered_job_of_a_dead_local_process_is_taken_at_once() -> None:
    """A pool process killed mid-task: its lease still holds, but this host can see it is gone."""
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    lease = timezone.now() + timedelta(seconds=30)
    job = _job(
        status=Job.Status.STARTED, lease_until=lease, worker=f"{socket.gethostname()}:{gone.pid}"
    )
    alive = _job(status=Job.Status.STARTED, lease_until=lease, worker=f"{socket.gethostname()}:1")
    elsewhere = _job(status=Job.Status.STARTED, lease_until=lease, worker=f"other-host:{gone.pid}")
    runs: list[str] = []
    for each in (job, alive, elsewhere):
        job_run(job_id=str(each.pk), work=lambda each=each: runs.append(str(each.pk)))
    assert runs == [str(job.pk)]


def test_progress_is_what_the_work_reports_then_one_when_it_succeeds(monkeypatch) -> None:
    monkeypatch.setattr("jobs.services.PROGRESS_EVERY_S", 0.0)
    job = _job()
    seen = []

    def work() -> None:
        seen.append(Job.objects.get(pk=job.pk).progress)  # started: 0
        for done in (1, 3, 4):  # 4 of 4 is still not 1 before the job has finished
            job_progress(done=done, total=4)
            seen.append(Job.objects.get(pk=job.pk).progress)

    job_run(job_id=str(job.pk), work=work)
    assert seen == [0.0, 0.25, 0.75, 0.99]
    assert Job.objects.get(pk=job.pk).progress == 1.0


def test_progress_is_written_at_most_once_a_period_and_kept_when_the_work_fails() -> None:
    job = _job()

    def work() -> None:
        job_progress(done=1, total=2)
        job_progress(done=2, total=3)  # within PROGRESS_EVERY_S of the first: not written
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        job_run(job_id=str(job.pk), work=work)
    job.refresh_from_db()
    assert (job.status, job.progress) == (Job.Status.FAILED, 0.5)
    job_progress(done=1, total=1)  # outside any job's work: nothing to write, no error
    assert Job.objects.get(pk=job.pk).progress == 0.5
