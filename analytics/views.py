"""The analytics page: the latest snapshot, recompute now, charts and CSV downloads."""

from bson import ObjectId
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from analytics.figures import table_to_csv
from analytics.selectors import (
    snapshot_get,
    snapshot_job_get,
    snapshot_job_latest,
    snapshot_latest,
)
from analytics.services import snapshot_enqueue
from imagesite.http import found_or_404
from imagesite.media import private_file_response


def _scope(request: AuthedRequest) -> User | None:
    """The user's own figures; staff may ask for every user's with ?scope=all."""
    wants_all = request.GET.get("scope", request.POST.get("scope")) == "all"
    return None if wants_all and request.user.is_staff else request.user


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    owner = _scope(request)
    snapshot = snapshot_latest(owner=owner)
    job = snapshot_job_latest(owner=owner)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "snapshot": snapshot,
            "all_users": owner is None,
            "job": job if job and job.is_active else None,
        },
    )


@login_required
@require_POST
def recompute(request: AuthedRequest) -> HttpResponse:
    owner = _scope(request)
    job = snapshot_enqueue(owner=owner)
    return render(
        request, "analytics/dashboard.html#recompute", {"job": job, "all_users": owner is None}
    )


@login_required
@require_GET
def job_progress(request: AuthedRequest, job_id: ObjectId) -> HttpResponse:
    owner = _scope(request)
    job = found_or_404(snapshot_job_get(owner=owner, job_id=job_id))
    # all_users: the next poll (and the form after a failure) keeps ?scope=all
    response = render(
        request, "analytics/dashboard.html#recompute", {"job": job, "all_users": owner is None}
    )
    if not job.is_active:
        response["HX-Refresh"] = "true"  # the new snapshot replaces the whole page
    return response


@login_required
@require_GET
def chart(request: AuthedRequest, snapshot_id: ObjectId, name: str) -> HttpResponseBase:
    snapshot = found_or_404(snapshot_get(user=request.user, snapshot_id=snapshot_id))
    if name not in (snapshot.charts or {}):
        raise Http404("no such chart")
    response = private_file_response(name=snapshot.charts[name])
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@require_GET
def table_csv(request: AuthedRequest, snapshot_id: ObjectId, name: str) -> HttpResponse:
    snapshot = found_or_404(snapshot_get(user=request.user, snapshot_id=snapshot_id))
    table = (snapshot.figures.get("tables") or {}).get(name)
    if table is None:
        raise Http404("no such table")
    response = HttpResponse(table_to_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
