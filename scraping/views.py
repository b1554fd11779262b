"""Web import: add a source, import now, watch a run's progress."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from imagesite.http import found_or_404
from scraping.forms import SourceForm
from scraping.models import ScrapeItem, ScrapeSource
from scraping.selectors import (
    item_get,
    run_get,
    run_items,
    source_get,
    source_list,
    source_runs,
)
from scraping.services import (
    item_import_enqueue,
    run_cancel,
    run_enqueue,
    source_create,
    source_resume,
)


def _owned_source(request: AuthedRequest, source_id: ObjectId) -> ScrapeSource:
    return found_or_404(source_get(owner_id=request.user.pk, source_id=source_id))


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
            "sources": source_list(owner_id=request.user.pk),
        },
    )


@login_required
@require_GET
def source_detail(request: AuthedRequest, source_id: ObjectId) -> HttpResponse:
    source = _owned_source(request, source_id)
    runs = source_runs(source=source)
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
    run = found_or_404(run_get(owner_id=request.user.pk, run_id=run_id))
    return render(request, "scraping/source_detail.html#run-row", {"run": run})


@login_required
@require_GET
def run_detail(request: AuthedRequest, run_id: ObjectId) -> HttpResponse:
    """A run: why it stopped, its counts, and every image it did not import, by URL."""
    run = found_or_404(run_get(owner_id=request.user.pk, run_id=run_id))
    outcomes = ScrapeItem.Outcome
    return render(
        request,
        "scraping/run_detail.html",
        {
            "run": run,
            "source": run.source,
            "near": run_items(run=run, outcome=outcomes.NEAR_DUPLICATE),
            "skipped": run_items(run=run, outcome=outcomes.SKIPPED),
            "failed": run_items(run=run, outcome=outcomes.FAILED),
        },
    )


@login_required
@require_POST
def run_cancel_view(request: AuthedRequest, run_id: ObjectId) -> HttpResponse:
    run = run_cancel(run=found_or_404(run_get(owner_id=request.user.pk, run_id=run_id)))
    messages.success(request, "Run cancelled." if run.ended else "The run is being cancelled.")
    return redirect("scraping:run_detail", run.pk)


@login_required
@require_POST
def item_import_view(request: AuthedRequest, item_id: ObjectId) -> HttpResponse:
    item = item_import_enqueue(
        item=found_or_404(item_get(owner_id=request.user.pk, item_id=item_id))
    )
    if item.import_state == "queued":
        messages.success(request, "Importing it anyway: it appears in your gallery shortly.")
    return redirect("scraping:run_detail", item.run_id)
