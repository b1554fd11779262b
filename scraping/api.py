"""Web import in the API: sources (list, add, get, delete), runs (run now, progress)."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel

from accounts.api import api_user
from imagesite.apitools import ERRORS, Problem, id_path, invalid, object_id
from jobs.api import JobOut, job_out
from jobs.models import Job
from jobs.selectors import job_for
from scraping.models import ScrapeRun, ScrapeSource
from scraping.selectors import run_get, source_get, source_list, source_runs
from scraping.services import run_cancel, run_enqueue, source_create

router = Router(tags=["web import"])


class RunOut(Schema):
    id: str
    source_id: str
    status: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pages_visited: int
    images_found: int
    images_imported: int
    images_skipped: int
    images_failed: int
    images_unchanged: int = Field(description="304 Not Modified, among the skipped")
    skipped_reasons: dict[str, int]
    failed_reasons: dict[str, int]
    stop_reason: str = Field(
        description="why the run ended: finished, image limit, page limit, byte limit, "
        "run timeout, cancelled, failed ('' while queued or running)"
    )
    error: str
    url: str


class SourceOut(Schema):
    id: str
    url: str
    scope: str
    max_depth: int
    max_pages: int
    min_width: int
    min_height: int
    schedule: str
    next_run_at: datetime | None
    paused: bool
    paused_reason: str
    created_at: datetime
    runs: list[RunOut] | None = Field(description="The recent runs (on one source's page)")


class RunJobOut(Schema):
    run: RunOut
    job: JobOut | None


class SourceIn(BaseModel):
    url: str = Field(max_length=2000, pattern=r"^[hH][tT][tT][pP][sS]?://\S+$")
    scope: Literal["page", "site"] = "page"
    max_depth: int = Field(1, ge=0, le=5)
    max_pages: int = Field(20, ge=1, le=200)
    min_width: int = Field(100, ge=0, le=100_000)
    min_height: int = Field(100, ge=0, le=100_000)
    schedule: Literal["", "hourly", "daily", "weekly"] = ""
    run_now: bool = False


def run_out(run: ScrapeRun) -> RunOut:
    return RunOut(
        id=str(run.pk),
        source_id=str(run.source_id),
        status=run.status,
        queued_at=run.queued_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        pages_visited=run.pages_visited,
        images_found=run.images_found,
        images_imported=run.images_imported,
        images_skipped=run.images_skipped,
        images_failed=run.images_failed,
        images_unchanged=run.images_unchanged,
        skipped_reasons={str(k): int(v) for k, v in (run.skipped_reasons or {}).items()},
        failed_reasons={str(k): int(v) for k, v in (run.failed_reasons or {}).items()},
        stop_reason=run.stop_reason,
        error=run.error,
        url=reverse("api:run_get", kwargs={"run_id": str(run.pk)}),
    )


def source_out(source: ScrapeSource, *, runs: bool = False) -> SourceOut:
    return SourceOut(
        id=str(source.pk),
        url=source.url,
        scope=source.scope,
        max_depth=source.max_depth,
        max_pages=source.max_pages,
        min_width=source.min_width,
        min_height=source.min_height,
        schedule=source.schedule,
        next_run_at=source.next_run_at,
        paused=source.paused,
        paused_reason=source.paused_reason,
        created_at=source.created_at,
        runs=[run_out(run) for run in source_runs(source=source)] if runs else None,
    )


def _run_with_job(run: ScrapeRun) -> RunJobOut:
    job = job_for(owner_id=run.owner_id, kind=Job.Kind.SCRAPE, subject_id=run.pk)
    return RunJobOut(run=run_out(run), job=job_out(job) if job else None)


def _owned_source(request: HttpRequest, source_id: str) -> ScrapeSource:
    source = source_get(owner_id=api_user(request).pk, source_id=object_id(source_id))
    if source is None:
        raise HttpError(404, "No such source.")
    return source


@router.get("/sources", response={200: list[SourceOut], ERRORS: Problem}, url_name="source_list")
def sources(request: HttpRequest) -> list[SourceOut]:
    return [source_out(source) for source in source_list(owner_id=api_user(request).pk)]


@router.post("/sources", response={201: SourceOut, ERRORS: Problem}, url_name="source_create")
def source_add(request: HttpRequest, body: SourceIn) -> Status[SourceOut]:
    """Add a page to import from (refused when the SSRF guard refuses its address); with
    `run_now` its first run starts at once."""
    data = body.model_dump(exclude={"run_now"})
    try:
        source = source_create(owner=api_user(request), **data)
    except ValidationError as error:
        raise invalid(error) from None
    if body.run_now:
        run_enqueue(source=source)
    return Status(201, source_out(source, runs=True))


@router.get(
    "/sources/{source_id}", response={200: SourceOut, ERRORS: Problem}, url_name="source_get"
)
def source_detail(request: HttpRequest, source_id: str = id_path()) -> SourceOut:
    return source_out(_owned_source(request, source_id), runs=True)


@router.delete(
    "/sources/{source_id}", response={204: None, ERRORS: Problem}, url_name="source_delete"
)
def source_remove(request: HttpRequest, source_id: str = id_path()) -> Status[None]:
    """Delete the source; the images it imported stay in the gallery."""
    _owned_source(request, source_id).delete()
    return Status(204, None)


@router.post(
    "/sources/{source_id}/runs", response={202: RunJobOut, ERRORS: Problem}, url_name="source_run"
)
def source_run(request: HttpRequest, source_id: str = id_path()) -> Status[RunJobOut]:
    """Import now: a run on the scrape queue."""
    return Status(202, _run_with_job(run_enqueue(source=_owned_source(request, source_id))))


@router.get("/runs/{run_id}", response={200: RunJobOut, ERRORS: Problem}, url_name="run_get")
def run_detail(request: HttpRequest, run_id: str = id_path()) -> RunJobOut:
    run = run_get(owner_id=api_user(request).pk, run_id=object_id(run_id))
    if run is None:
        raise HttpError(404, "No such run.")
    return _run_with_job(run)


@router.post(
    "/runs/{run_id}/cancel", response={202: RunJobOut, ERRORS: Problem}, url_name="run_cancel"
)
def run_cancel_endpoint(request: HttpRequest, run_id: str = id_path()) -> Status[RunJobOut]:
    """Cancel a run: a queued one ends at once, a running one within about a second."""
    run = run_get(owner_id=api_user(request).pk, run_id=object_id(run_id))
    if run is None:
        raise HttpError(404, "No such run.")
    return Status(202, _run_with_job(run_cancel(run=run)))
