from celery import shared_task

from jobs.services import jobs_sweep


@shared_task
def jobs_sweep_task() -> tuple[int, int]:
    report = jobs_sweep()
    return report.resent, report.failed
