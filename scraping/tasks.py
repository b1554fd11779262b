from celery import shared_task

from processing.jobs import job_running


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scrape_run_task(run_id: str, job_id: str | None = None) -> None:
    from scraping.models import ScrapeRun
    from scraping.services import run_execute

    with job_running(job_id):
        if run := ScrapeRun.objects.filter(pk=run_id).select_related("source", "owner").first():
            run_execute(run=run)


@shared_task
def scrape_due_task() -> int:
    from scraping.services import sources_due_enqueue

    return len(sources_due_enqueue())
