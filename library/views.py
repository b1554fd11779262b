"""Server folders: the list (and, for staff, attaching one to a user), a folder's scans, and a
scan's progress, polled by the page while it runs."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import User
from imagesite.http import found_or_404
from library.forms import AttachForm
from library.models import LibraryFolder, LibraryScan
from library.selectors import (
    folder_get,
    folder_list,
    folder_missing_count,
    folder_scans,
    folders_all,
    scan_get,
)
from library.services import (
    folder_attach,
    folder_detach,
    library_roots,
    scan_pause,
    scan_resume,
    scan_start,
)


def _owned_folder(request: AuthedRequest, folder_id: ObjectId) -> LibraryFolder:
    return found_or_404(folder_get(owner_id=request.user.pk, folder_id=folder_id))


def _owned_scan(request: AuthedRequest, scan_id: ObjectId) -> LibraryScan:
    return found_or_404(scan_get(owner_id=request.user.pk, scan_id=scan_id))


@login_required
@require_http_methods(["GET", "POST"])
def folders(request: AuthedRequest) -> HttpResponse:
    form = AttachForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_staff:
            raise Http404("staff only")
        if form.is_valid():
            owner = User.objects.filter(email__iexact=form.cleaned_data["owner_email"])
            if not (user := owner.first()):
                form.add_error("owner_email", "No user has this email.")
            else:
                try:
                    folder_attach(
                        owner=user, path=form.cleaned_data["path"], attached_by=request.user
                    )
                except ValidationError as error:
                    form.add_error("path", error)
                else:
                    messages.success(request, "Folder attached; its first scan has started.")
                    return redirect("library:folders")
    mine = list(folder_list(owner_id=request.user.pk))
    for folder in mine:
        folder.latest = next(iter(folder_scans(folder=folder, limit=1)), None)  # type: ignore[attr-defined]
    context = {
        "folders": mine,
        "form": form,
        "roots": library_roots(),
        "all_folders": list(folders_all()) if request.user.is_staff else [],
    }
    return render(request, "library/folders.html", context)


@login_required
@require_GET
def folder_detail(request: AuthedRequest, folder_id: ObjectId) -> HttpResponse:
    folder = _owned_folder(request, folder_id)
    scans = folder_scans(folder=folder)
    context = {
        "folder": folder,
        "scans": scans,
        "scan": scans[0] if scans else None,
        "missing": folder_missing_count(folder=folder),
    }
    return render(request, "library/folder.html", context)


@login_required
@require_POST
def folder_scan(request: AuthedRequest, folder_id: ObjectId) -> HttpResponse:
    scan_start(folder=_owned_folder(request, folder_id))
    messages.success(request, "Scan started.")
    return redirect("library:folder_detail", folder_id)


@login_required
@require_POST
def folder_detach_view(request: AuthedRequest, folder_id: ObjectId) -> HttpResponse:
    """Staff only; the images the folder brought stay in the owner's gallery."""
    if not request.user.is_staff:
        raise Http404("staff only")
    folder = found_or_404(LibraryFolder.objects.filter(pk=folder_id).first())  # type: ignore[misc]
    folder_detach(folder=folder)
    messages.success(request, "Folder detached; its images stay in the gallery.")
    return redirect("library:folders")


@login_required
@require_GET
def scan_progress(request: AuthedRequest, scan_id: ObjectId) -> HttpResponse:
    scan = _owned_scan(request, scan_id)
    return render(request, "library/folder.html#scan-progress", {"scan": scan})


@login_required
@require_POST
def scan_pause_view(request: AuthedRequest, scan_id: ObjectId) -> HttpResponse:
    scan = _owned_scan(request, scan_id)
    scan_pause(scan=scan)
    return redirect("library:folder_detail", scan.folder_id)


@login_required
@require_POST
def scan_resume_view(request: AuthedRequest, scan_id: ObjectId) -> HttpResponse:
    scan = _owned_scan(request, scan_id)
    scan_resume(scan=scan)
    return redirect("library:folder_detail", scan.folder_id)
