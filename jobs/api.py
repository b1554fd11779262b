"""The jobs of the API: the status of any background work, and a link to what it made."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from imagesite.apitools import ERRORS, Problem, caller_id, id_path, object_id, oid
from jobs.models import Job
from jobs.selectors import job_get, job_list

router = Router(tags=["jobs"])
# the kind of a job -> the API route of what its first argument names (by URL name: jobs is
# the bottom layer and imports no app)
SUBJECT_ROUTES = {
    Job.Kind.RENDER: ("api:version_get", "version_id"),
    Job.Kind.REMOVE_BACKGROUND: ("api:version_get", "version_id"),
    Job.Kind.STYLISE: ("api:version_get", "version_id"),
    Job.Kind.SCRAPE: ("api:run_get", "run_id"),
}


class JobOut(Schema):
    id: str
    kind: str
    status: str = Field(description="queued, started, succeeded or failed")
    done: bool
    image_id: str | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    progress: float | None = Field(
        description="The share of the work done, 0 to 1: 0 once started, 1 once succeeded, "
        "between them where the work reports its steps (web import: pages of the page limit); "
        "null while queued"
    )
    attempts: int
    error: str
    url: str
    result: str | None = Field(description="The API link of what the job made or works on")


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=str(job.pk),
        kind=job.kind,
        status=job.status,
        done=not job.is_active,
        image_id=oid(job.image_id),
        queued_at=job.queued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_ms=job.duration_ms,
        progress=job.progress,
        attempts=job.attempts,
        error=job.error,
        url=reverse("api:job_get", kwargs={"job_id": str(job.pk)}),
        result=job_result(job),
    )


def job_result(job: Job) -> str | None:
    if job.kind in SUBJECT_ROUTES and job.args:
        name, argument = SUBJECT_ROUTES[Job.Kind(job.kind)]
        return reverse(name, kwargs={argument: str(job.args[0])})
    if job.kind == Job.Kind.SNAPSHOT:
        return reverse("api:analytics_latest")
    if job.image_id is not None:
        return reverse("api:image_get", kwargs={"image_id": str(job.image_id)})
    return None


@router.get("", response={200: list[JobOut], ERRORS: Problem}, url_name="job_list")
def jobs(request: HttpRequest, image_id: str = "") -> list[JobOut]:
    """The newest 50 jobs, or an image's (`image_id`)."""
    image = object_id(image_id) if image_id else None
    return [job_out(job) for job in job_list(owner_id=caller_id(request), image_id=image)]


@router.get("/{job_id}", response={200: JobOut, ERRORS: Problem}, url_name="job_get")
def job_detail(request: HttpRequest, job_id: str = id_path()) -> JobOut:
    """Poll this until `done`; then follow `result`."""
    job = job_get(owner_id=caller_id(request), job_id=object_id(job_id))
    if job is None:
        raise HttpError(404, "No such job.")
    return job_out(job)
