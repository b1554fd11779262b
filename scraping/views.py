"""Web import: add a source, import now, watch a run's progress."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imagesite.http import AuthedRequest
from scraping.forms import SourceForm
from scraping.models import ScrapeRun, ScrapeSource
from scraping.services import run_enqueue, source_create, source_resume


def _owned_source(request: AuthedRequest, source_id: ObjectId) -> ScrapeSource:
    return get_object_or_404(ScrapeSource.objects.filter(owner=request.user), pk=source_id)


@login_required
@require_http_methods(["GET", "POST"])
def sources(request: AuthedRequest) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("url", error)
        else:
            if "import_now" in request.POST:
                run_enqueue(source=source)
            return redirect("scraping:source_detail", source.pk)
    return render(
        request,
        "scraping/sources.html",
        {
            "form": form,
            "sources": ScrapeSource.objects.filter(owner=request.user).order_by("-created_at"),
        },
    )


@login_required
@require_GET
def source_detail(request: AuthedRequest, source_id: ObjectId) -> HttpResponse:
    source = _owned_source(request, source_id)
    runs = ScrapeRun.objects.filter(source=source).order_by("-queued_at")[:20]
    return render(request, "scraping/source_detail.html", {"source": source, "runs": runs})


@login_required
@require_POST
def source_run(request: AuthedRequest, source_id: ObjectId) -> HttpResponse:
    source = _owned_source(request, source_id)
    run_enqueue(source=source)
    messages.success(request, "Import started.")
    return redirect("scraping:source_detail", source.pk)


@login_required
@require_POST
def source_resume_view(request: AuthedRequest, source_id: ObjectId) -> HttpResponse:
    source_resume(source=_owned_source(request, source_id))
    return redirect("scraping:source_detail", source_id)


@login_required
@require_POST
def source_delete(request: AuthedRequest, source_id: ObjectId) -> HttpResponse:
    """Deleting a source keeps the images it imported."""
    _owned_source(request, source_id).delete()
    messages.success(request, "Source deleted; its images stay in your gallery.")
    return redirect("scraping:sources")


@login_required
@require_GET
def run_progress(request: AuthedRequest, run_id: ObjectId) -> HttpResponse:
    run = get_object_or_404(ScrapeRun.objects.filter(owner=request.user), pk=run_id)
    return render(request, "scraping/source_detail.html#run-row", {"run": run})
