"""Analytics in the API: the latest snapshot's figures as JSON, its charts, recompute."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from accounts.api import api_user
from analytics.selectors import snapshot_get, snapshot_job_latest, snapshot_latest
from analytics.services import snapshot_enqueue
from imagesite.apitools import ERRORS, Problem, id_path, object_id
from imagesite.media import private_file_response
from jobs.api import JobOut, job_out

router = Router(tags=["analytics"])
SVG = {
    "200": {
        "description": "The chart",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    }
}


class SnapshotOut(Schema):
    id: str
    computed_at: datetime
    duration_ms: int
    figures: dict[str, Any] = Field(description="Totals and tables (columns, rows) of the library")
    charts: dict[str, str] = Field(description="Chart name -> SVG link")


class AnalyticsOut(Schema):
    snapshot: SnapshotOut | None = Field(description="None until the first is computed")
    job: JobOut | None = Field(description="A recompute still running")


@router.get("", response={200: AnalyticsOut, ERRORS: Problem}, url_name="analytics_latest")
def analytics_latest(request: HttpRequest) -> AnalyticsOut:
    """The caller's latest snapshot (computed hourly, or on POST /analytics/recompute)."""
    owner = api_user(request)
    snapshot = snapshot_latest(owner=owner)
    job = snapshot_job_latest(owner=owner)
    out = None
    if snapshot is not None:
        charts = {
            name: reverse(
                "api:analytics_chart", kwargs={"snapshot_id": str(snapshot.pk), "name": name}
            )
            for name in (snapshot.charts or {})
        }
        out = SnapshotOut(
            id=str(snapshot.pk),
            computed_at=snapshot.computed_at,
            duration_ms=snapshot.duration_ms,
            figures=snapshot.figures or {},
            charts=charts,
        )
    return AnalyticsOut(snapshot=out, job=job_out(job) if job and job.is_active else None)


@router.post("/recompute", response={202: JobOut, ERRORS: Problem}, url_name="analytics_recompute")
def analytics_recompute(request: HttpRequest) -> Status[JobOut]:
    """Compute a new snapshot on a worker; poll the job, then GET /analytics."""
    return Status(202, job_out(snapshot_enqueue(owner=api_user(request))))


@router.get(
    "/snapshots/{snapshot_id}/charts/{name}",
    response={ERRORS: Problem},
    openapi_extra={"responses": SVG},
    url_name="analytics_chart",
)
def analytics_chart(
    request: HttpRequest,
    name: str = Path(..., max_length=50, pattern=r"^[A-Za-z0-9_-]+$"),
    snapshot_id: str = id_path(),
) -> HttpResponseBase:
    snapshot = snapshot_get(user=api_user(request), snapshot_id=object_id(snapshot_id))
    if snapshot is None or name not in (snapshot.charts or {}):
        raise HttpError(404, "No such chart.")
    response = private_file_response(name=snapshot.charts[name])
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
