"""Upload, gallery, detail, metadata, delete and the private media files."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bson import ObjectId
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthedRequest
from gallery.chunked import (
    OffsetMismatch,
    partial_append,
    partial_complete,
    partial_discard,
    partial_start,
)
from gallery.exif_display import exif_rows, exif_summary
from gallery.forms import GalleryFilterForm, ImageMetaForm, UploadForm, WhenWhereForm
from gallery.library import images_trash
from gallery.models import Image
from gallery.selectors import (
    Cursor,
    GalleryFilter,
    album_list,
    albums_of,
    facets_get,
    gallery_plan,
    image_count,
    image_count_stored,
    image_get,
    image_neighbours,
    image_page,
    images_with_versions,
    month_cursor,
    partial_get,
)
from gallery.services import (
    UploadResult,
    image_update,
    upload_accept,
)
from gallery.terms import shelf_term
from gallery.timeline import timeline
from imagesite.converters import object_ids
from imagesite.http import found_or_404
from imagesite.media import private_file_response
from imagesite.security import upload_refusal

FILE_KINDS = {"original": "original", "thumb": "thumbnail", "preview": "preview"}
MAX_OFFSET = 100_000
PICKER_PAGE_SIZE = 24
PICKER_FIELD = re.compile(r"^[A-Za-z][\w-]{0,63}$")  # the id of the input a picker fills
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # no upload is older


def _owned_image(request: AuthedRequest, image_id: ObjectId) -> Image:
    """The image if it is the user's; 404 otherwise (as if it did not exist)."""
    return found_or_404(image_get(owner_id=request.user.pk, image_id=image_id))


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    """The drop zone posts one file per request (htmx partial); without JavaScript the plain
    form posts them all and gets the whole page back."""
    form = UploadForm(request.POST or None, request.FILES or None)
    results = []
    if request.method == "POST":
        if refused := upload_refusal(request):  # a file past the limit: its upload stopped
            results = [UploadResult("", "refused", refused)]
        elif form.is_valid():
            results = upload_accept(owner=request.user, files=form.cleaned_data["files"])
        elif request.htmx:
            errors = " ".join(
                str(error) for error in form.errors.get("files", ["No file was sent."])
            )
            return render(request, "gallery/upload.html#upload-error", {"message": errors})
        if request.htmx:
            return render(request, "gallery/upload.html#upload-results", {"results": results})
        form = UploadForm()
    return render(
        request,
        "gallery/upload.html",
        {"form": form, "results": results, "max_mb": settings.UPLOAD_MAX_BYTES // 2**20},
    )


def _result_lines(request: AuthedRequest, results: list[UploadResult]) -> HttpResponse:
    return render(request, "gallery/upload.html#upload-results", {"results": results})


@login_required
@require_POST
def chunked_start(request: AuthedRequest) -> HttpResponse:
    """Begin a chunked upload, or find the one begun for this file (after a reload): JSON with
    its id and the offset to send from; a file refused at once gets its result line (HTML)."""
    name = request.POST.get("name", "")[:255] or "unnamed"
    try:
        size = int(request.POST.get("size", ""))
    except ValueError:
        size = 0
    try:
        upload = partial_start(
            owner=request.user, key=request.POST.get("key", "") or name, name=name, size=size
        )
    except ValidationError as error:
        return _result_lines(request, [UploadResult(name, "refused", " ".join(error.messages))])
    return JsonResponse(
        {"id": str(upload.pk), "offset": upload.received, "chunk": settings.UPLOAD_CHUNK_BYTES}
    )


@login_required
@require_http_methods(["GET", "POST"])
def chunked_upload(request: AuthedRequest, upload_id: ObjectId) -> HttpResponse:
    """GET: the offset the server has. POST: a chunk at the `Upload-Offset` header (409 with
    the right offset when it is not the one the server has); the last one answers with the
    file's result line (HTML), the others with the new offset (JSON)."""
    upload = found_or_404(partial_get(owner_id=request.user.pk, upload_id=upload_id))
    if request.method == "GET":
        return JsonResponse({"offset": upload.received, "size": upload.size})
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return JsonResponse({"offset": upload.received}, status=409)
    try:
        upload, last = partial_append(
            upload=upload, offset=offset, length=length, read=_reader(request)
        )
    except OffsetMismatch as error:
        return JsonResponse({"offset": error.offset}, status=409)
    except ValidationError as error:
        partial_discard(upload=upload)
        return _result_lines(
            request, [UploadResult(upload.name, "refused", " ".join(error.messages))]
        )
    if last:
        return _result_lines(request, [partial_complete(upload=upload, owner=request.user)])
    return JsonResponse({"offset": upload.received})


def _reader(request: AuthedRequest) -> Callable[[int], bytes]:
    """The body as it arrives; a dropped connection ends it (what arrived is kept)."""

    def read(size: int) -> bytes:
        try:
            return request.read(size)
        except OSError:
            return b""

    return read


@login_required
@require_GET
@vary_on_headers("HX-Request")
def gallery(request: AuthedRequest) -> HttpResponse:
    """The grid, paged by an opaque cursor (`after`) for every filter and order. An htmx
    request gets the grid, or the next page for infinite scrolling. `visibility` picks the
    library (the default), the archive, the trash or what a moderator hid."""
    return gallery_response(request, query=request.GET.copy(), page_url=reverse("gallery:gallery"))


def gallery_response(
    request: AuthedRequest, *, query: QueryDict, page_url: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """The gallery page (or its htmx partials) for a query: the gallery's own, or an album's,
    whose page passes its album in the query (gallery.library_views.album_detail)."""
    form = GalleryFilterForm(query)
    facets = facets_get(owner_id=request.user.pk)
    filters = form.to_filter()
    plan = gallery_plan(owner_id=request.user.pk, filters=filters, facets=facets)
    cursor = Cursor.parse(query.get("after", ""))
    jump = form.jump_month()
    start = cursor or (month_cursor(plan=plan, month=jump) if jump else None)
    page = image_page(plan=plan, cursor=start, size=settings.GALLERY_PAGE_SIZE)
    kept = query.copy()
    kept.pop("after", None)
    if page.following:
        query["after"] = page.following.format()
    # a page that continues the grid's last group (infinite scroll) repeats no heading
    continues = bool(request.htmx and not request.htmx.boosted and cursor)
    after = cursor.key[0] if cursor and continues else None
    context = {
        "form": form,
        "filters": filters,
        "images": page.images,
        "timeline": timeline(
            page.images, field=plan.sort.field, group=form.group_by(), after=after
        ),
        "has_more": page.following is not None,
        "next_url": f"{page_url}?{query.urlencode()}",
        "page_url": page_url,
        "list_query": kept.urlencode(),
        "filtered": bool(filters.terms() or filters.date_from or filters.date_to or jump),
        "clear_url": _clear_url(kept, page_url=page_url),
        **(extra or {}),
    }
    if continues:
        return render(request, "gallery/gallery.html#page", context)
    # a stored count costs nothing; one that must be read arrives in its own request (count)
    context["count"] = image_count_stored(plan=plan, facets=facets)
    context["count_url"] = f"{reverse('gallery:gallery_count')}?{context['list_query']}"
    context["months"] = facets.months(plan.sort)
    if request.htmx and not request.htmx.boosted:
        return render(request, "gallery/gallery.html#grid", context | {"months_oob": True})
    context |= {
        "labels": facets.choices("label"),
        "tags": facets.choices("tag"),
        "albums": album_list(owner_id=request.user.pk),
        "shelves": {
            name: max(facets.counts.get(shelf_term(name), 0), 0)
            for name in (Image.Visibility.TRASH, Image.Visibility.HIDDEN)
        },
        "trash_days": settings.TRASH_DAYS,
        "next_here": request.get_full_path(),
    }
    return render(request, "gallery/gallery.html", context)


def _clear_url(query: QueryDict, *, page_url: str) -> str:
    """The page without its filter: the same place (album, archive, trash), order and grouping."""
    kept = {
        name: query[name] for name in ("sort", "group", "album", "visibility") if query.get(name)
    }
    return f"{page_url}?{urlencode(kept)}" if kept else page_url


@login_required
@require_GET
def gallery_count(request: AuthedRequest) -> HttpResponse:
    """How many images the gallery's filter matches, loaded by the page after it is shown."""
    facets = facets_get(owner_id=request.user.pk)
    filters = GalleryFilterForm(request.GET).to_filter()
    plan = gallery_plan(owner_id=request.user.pk, filters=filters, facets=facets)
    count = image_count(plan=plan, facets=facets)
    return render(request, "gallery/gallery.html#count", {"count": count})


def list_query(request: AuthedRequest) -> str:
    """The gallery's filter and order from the query string, for links that keep them."""
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()


@login_required
@require_GET
def image_card(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    return render(request, "gallery/gallery.html#image-card", {"image": image})


@login_required
@require_GET
def image_status(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """The status of an image being processed: on the upload page its result line, on the
    detail page a poller that reloads the page once the image is ready or failed."""
    image = _owned_image(request, image_id)
    if request.GET.get("on") != "detail":
        return render(request, "gallery/upload.html#image-status", {"image": image})
    response = render(request, "gallery/detail.html#detail-status", {"image": image})
    if not image.is_pending:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def image_detail(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    filters = GalleryFilterForm(request.GET).to_filter()
    plan = gallery_plan(
        owner_id=request.user.pk, filters=filters, facets=facets_get(owner_id=request.user.pk)
    )
    previous, following = image_neighbours(image=image, plan=plan)
    form = ImageMetaForm(
        initial={
            "title": image.title,
            "description": image.description,
            "tags": ", ".join(image.tags),
        }
    )
    return render(
        request,
        "gallery/detail.html",
        {
            "image": image,
            "previous": previous,
            "following": following,
            "list_query": list_query(request),
            "form": form,
            "when_form": WhenWhereForm(initial=WhenWhereForm.initial_of(image)),
            "exif_summary": exif_summary(image.exif or {}, camera=image.camera),
            "exif_rows": exif_rows(image.exif or {}),
            "in_albums": albums_of(image=image),
            "albums": album_list(owner_id=request.user.pk),
            "purge_on": image.trashed_at + timedelta(days=settings.TRASH_DAYS)
            if image.trashed_at
            else None,
        },
    )


# what a browser shows of an original as it is (the others show their preview alone)
BROWSER_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "AVIF", "BMP")


@login_required
@require_GET
@vary_on_headers("HX-Request")
def image_viewer(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """One image of the full-screen viewer, with its neighbours in the gallery's filter and
    order (the detail page's indexed neighbour reads): the viewer script loads it with an
    HX-Request header and gets the item alone; without it, a page of its own."""
    image = images_with_versions([_owned_image(request, image_id)])[0]
    filters = GalleryFilterForm(request.GET).to_filter()
    plan = gallery_plan(
        owner_id=request.user.pk, filters=filters, facets=facets_get(owner_id=request.user.pk)
    )
    previous, following = image_neighbours(image=image, plan=plan)
    context = {
        "image": image,
        "shown": image.shown_version,
        "previous": previous,
        "following": following,
        "list_query": list_query(request),
        "full_size": image.format in BROWSER_FORMATS,
    }
    template = "gallery/viewer.html#viewer-item" if request.htmx else "gallery/viewer.html"
    return render(request, template, context)


@login_required
@require_POST
def image_edit_meta(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    form = ImageMetaForm(request.POST)
    saved = False
    if form.is_valid():
        image_update(
            image=image,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            tags=form.tag_list(),
        )
        if not request.htmx:  # htmx confirms in the form it swaps; a message would wait
            messages.success(request, "Saved.")  # for the next page (the defect seen)
        saved = True
        form = ImageMetaForm(
            initial={
                "title": image.title,
                "description": image.description,
                "tags": ", ".join(image.tags),
            }
        )
    if request.htmx:
        return render(
            request,
            "gallery/detail.html#meta-form",
            {"image": image, "form": form, "saved": saved},
        )
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def image_delete_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """Delete moves the image to the trash (restored from there, or deleted for good)."""
    image = _owned_image(request, image_id)
    images_trash(owner=request.user, image_ids=[image.pk])
    messages.success(request, f"Moved {image.display_name} to the trash.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("gallery:gallery"))
    return redirect("gallery:gallery")


@login_required
@require_POST
def images_delete_view(request: AuthedRequest) -> HttpResponse:
    """The selection's "Move to trash" (also gallery.library_views.selection_apply)."""
    ids = object_ids(request.POST.getlist("ids"))
    if not ids:
        messages.info(request, "No images were selected.")
    else:
        count = images_trash(owner=request.user, image_ids=ids)
        messages.success(request, f"Moved {count} image{'s' if count != 1 else ''} to the trash.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("gallery:gallery"))
    return redirect("gallery:gallery")


@login_required
@require_GET
def image_file(request: AuthedRequest, image_id: ObjectId, kind: str) -> HttpResponseBase:
    if kind not in FILE_KINDS:
        raise Http404("unknown file")
    image = _owned_image(request, image_id)
    field = getattr(image, FILE_KINDS[kind])
    download = kind == "original" and "download" in request.GET
    name = image.original_name if kind == "original" else ""
    return private_file_response(name=field.name, download_name=name, as_attachment=download)


@login_required
@require_GET
def image_picker(request: AuthedRequest) -> HttpResponse:
    """The picker dialog (gallery/widgets.py): the user's own images, newest first, searchable,
    through the gallery's indexed, cursor-paged read; htmx asks for the results or a next page."""
    field = request.GET.get("field", "")
    if not PICKER_FIELD.match(field):
        raise Http404("no such field")
    q = request.GET.get("q", "")[:200]
    facets = facets_get(owner_id=request.user.pk)
    plan = gallery_plan(owner_id=request.user.pk, filters=GalleryFilter(q=q), facets=facets)
    after = request.GET.get("after", "")
    page = image_page(plan=plan, cursor=Cursor.parse(after), size=PICKER_PAGE_SIZE)
    query = {"field": field, "q": q}
    next_url = ""
    if page.following:
        next_url = f"{reverse('gallery:image_picker')}?{urlencode(query | {'after': page.following.format()})}"
    images = [image for image in page.images if image.status == Image.Status.READY]
    context = {"field": field, "q": q, "images": images, "next_url": next_url, "after": after}
    if after:
        template = "gallery/picker.html#picker-page"
    elif "q" in request.GET:
        template = "gallery/picker.html#picker-results"
    else:
        template = "gallery/picker.html#picker"
    return render(request, template, context)
