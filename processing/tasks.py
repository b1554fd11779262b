"""Celery tasks: thin shells that find the document and call a service."""

from celery import shared_task

from gallery.models import Image
from jobs.services import job_run
from processing.deep import (
    background_render,
    faces_hide_render,
    image_recognise,
    recognise_enqueue,
    recognition_sweep,
)
from processing.stylise import stylise_render
from processing.versions import edit_render, version_run, versions_sweep


@shared_task
def image_ingested_task(image_id: str) -> None:
    """Sent by name at the end of gallery's ingest: recognition follows, where installed."""
    if image := Image.objects.filter(pk=image_id).first():
        recognise_enqueue(image=image)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def image_recognise_task(image_id: str, job_id: str | None = None) -> None:
    def work() -> None:
        if image := Image.objects.filter(pk=image_id).first():
            image_recognise(image=image)

    job_run(job_id=job_id, work=work)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def version_render_task(version_id: str, job_id: str | None = None) -> None:
    job_run(job_id=job_id, work=lambda: version_run(version_id=version_id, render=edit_render))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def background_remove_task(version_id: str, job_id: str | None = None) -> None:
    job_run(
        job_id=job_id, work=lambda: version_run(version_id=version_id, render=background_render)
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def stylise_task(version_id: str, job_id: str | None = None) -> None:
    job_run(job_id=job_id, work=lambda: version_run(version_id=version_id, render=stylise_render))


@shared_task
def recognition_sweep_task() -> int:
    return recognition_sweep()


@shared_task
def versions_sweep_task() -> int:
    return versions_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def faces_hide_task(version_id: str, job_id: str | None = None) -> None:
    job_run(
        job_id=job_id, work=lambda: version_run(version_id=version_id, render=faces_hide_render)
    )
