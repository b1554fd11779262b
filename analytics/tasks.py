from celery import shared_task

from accounts.models import User
from analytics.services import snapshot_compute, snapshots_compute_all
from jobs.services import job_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def snapshot_task(owner_id: str = "", job_id: str | None = None) -> None:
    """One owner's snapshot ("": all users); matplotlib draws with the Agg backend here."""

    def work() -> None:
        owner = User.objects.filter(pk=owner_id).first() if owner_id else None
        if owner or not owner_id:  # the owner may have been deleted meanwhile
            snapshot_compute(owner=owner)

    job_run(job_id=job_id, work=work)


@shared_task
def snapshots_task() -> int:
    return snapshots_compute_all()
