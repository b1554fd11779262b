"""Celery tasks of the image life cycle: thin shells that find the document and call a service."""

from celery import shared_task

from gallery.ingest import image_ingest
from gallery.library import trash_expire
from gallery.models import Image
from gallery.sweeps import ingest_sweep, orphans_sweep, temporary_files_sweep
from jobs.services import job_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def image_ingest_task(image_id: str, job_id: str | None = None) -> None:
    def work() -> None:
        if image := Image.objects.filter(pk=image_id).first():  # None if deleted meanwhile
            image_ingest(image=image)

    job_run(job_id=job_id, work=work)


@shared_task
def ingest_sweep_task() -> int:
    return len(ingest_sweep().queued)


@shared_task
def orphans_sweep_task() -> tuple[int, int]:
    return orphans_sweep()


@shared_task
def temporary_files_sweep_task() -> int:
    return temporary_files_sweep()


@shared_task
def trash_expire_task() -> int:
    return trash_expire()
