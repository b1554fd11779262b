"""Celery tasks: thin shells that find the document and call a service."""

from celery import shared_task

from processing.jobs import job_running

RETRY = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**RETRY)
def image_ingest_task(image_id: str, job_id: str | None = None) -> None:
    from gallery.models import Image
    from processing.ingest import image_ingest

    with job_running(job_id):
        if image := Image.objects.filter(pk=image_id).first():  # None if deleted meanwhile
            image_ingest(image=image)


@shared_task(**RETRY)
def version_render_task(version_id: str, job_id: str | None = None) -> None:
    from processing.models import Version
    from processing.versions import version_render

    with job_running(job_id):
        if version := Version.objects.filter(pk=version_id).select_related("image").first():
            version_render(version=version)


@shared_task
def ingest_sweep_task() -> int:
    from processing.sweeps import ingest_sweep

    return len(ingest_sweep().queued)


@shared_task
def orphans_sweep_task() -> tuple[int, int]:
    from processing.sweeps import orphans_sweep

    return orphans_sweep()


@shared_task(**RETRY)
def image_recognise_task(image_id: str, job_id: str | None = None) -> None:
    from gallery.models import Image
    from processing.deep import image_recognise

    with job_running(job_id):
        if image := Image.objects.filter(pk=image_id).first():
            image_recognise(image=image)


@shared_task(**RETRY)
def background_remove_task(version_id: str, job_id: str | None = None) -> None:
    from processing.deep import background_remove
    from processing.models import Version

    with job_running(job_id):
        if version := Version.objects.filter(pk=version_id).select_related("image").first():
            background_remove(version=version)


@shared_task(**RETRY)
def stylise_task(version_id: str, job_id: str | None = None) -> None:
    from processing.deep import stylise
    from processing.models import Version

    with job_running(job_id):
        if version := Version.objects.filter(pk=version_id).select_related("image").first():
            stylise(version=version)


@shared_task
def recognition_sweep_task() -> int:
    from processing.deep import recognition_sweep

    return recognition_sweep()
