from celery import shared_task

from jobs.services import job_run
from scraping.models import ScrapeItem, ScrapeRun
from scraping.services import item_import, run_execute, sources_due_enqueue


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scrape_run_task(run_id: str, job_id: str | None = None) -> None:
    def work() -> None:
        if run := ScrapeRun.objects.filter(pk=run_id).select_related("source", "owner").first():
            run_execute(run=run)

    job_run(job_id=job_id, work=work)


@shared_task
def scrape_due_task() -> int:
    return len(sources_due_enqueue())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scrape_item_import_task(item_id: str, job_id: str | None = None) -> None:
    """Import a near-duplicate the user asked for anyway."""

    def work() -> None:
        if item := ScrapeItem.objects.filter(pk=item_id).select_related("run", "owner").first():
            item_import(item=item)

    job_run(job_id=job_id, work=work)
