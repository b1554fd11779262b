"""Celery tasks of server folders: one slice of a scan, and the beat's scheduled scans."""

from celery import shared_task

from jobs.services import job_run
from library.services import scan_run, scans_due_start


@shared_task(acks_late=True, reject_on_worker_lost=True)
def library_scan_task(scan_id: str, generation: int = 0, job_id: str | None = None) -> None:
    job_run(job_id=job_id, work=lambda: scan_run(scan_id=scan_id, generation=generation))


@shared_task
def library_scans_due_task() -> int:
    return len(scans_due_start())
