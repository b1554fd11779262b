"""Upload, gallery, detail, metadata, delete and the private media files."""

from collections.abc import Callable
from datetime import UTC, datetime

from bson import ObjectId
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
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
from gallery.forms import GalleryFilterForm, ImageMetaForm, UploadForm
from gallery.models import Image
from gallery.selectors import (
    Cursor,
    facets_get,
    gallery_plan,
    image_count,
    image_count_stored,
    image_get,
    image_neighbours,
    image_page,
    partial_get,
)
from gallery.services import (
    UploadResult,
    image_delete,
    image_update,
    images_delete,
    upload_accept,
)
from imagesite.converters import object_ids
from imagesite.http import found_or_404
from imagesite.media import private_file_response
from imagesite.security import upload_refusal

FILE_KINDS = {"original": "original", "thumb": "thumbnail", "preview": "preview"}
MAX_OFFSET = 100_000
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
    request gets the grid, or the next page for infinite scrolling."""
    form = GalleryFilterForm(request.GET)
    facets = facets_get(owner_id=request.user.pk)
    plan = gallery_plan(owner_id=request.user.pk, filters=form.to_filter(), facets=facets)
    cursor = Cursor.parse(request.GET.get("after", ""))
    page = image_page(plan=plan, cursor=cursor, size=settings.GALLERY_PAGE_SIZE)
    query = request.GET.copy()
    if page.following:
        query["after"] = page.following.format()
    context = {
        "form": form,
        "images": page.images,
        "has_more": page.following is not None,
        "next_url": f"{reverse('gallery:gallery')}?{query.urlencode()}",
        "list_query": list_query(request),
    }
    if request.htmx and not request.htmx.boosted and cursor:
        return render(request, "gallery/gallery.html#page", context)
    # a stored count costs nothing; one that must be read arrives in its own request (count)
    context["count"] = image_count_stored(plan=plan, facets=facets)
    context["count_url"] = f"{reverse('gallery:gallery_count')}?{context['list_query']}"
    if request.htmx and not request.htmx.boosted:
        return render(request, "gallery/gallery.html#grid", context)
    context |= {"labels": facets.choices("label"), "tags": facets.choices("tag")}
    return render(request, "gallery/gallery.html", context)


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
        },
    )


@login_required
@require_POST
def image_edit_meta(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    form = ImageMetaForm(request.POST)
    if form.is_valid():
        image_update(
            image=image,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            tags=form.tag_list(),
        )
        messages.success(request, "Saved.")
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
            {"image": image, "form": form, "saved": form.is_bound},
        )
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def image_delete_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    image_delete(image=image)
    messages.success(request, f"Deleted {image.display_name}.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("gallery:gallery"))
    return redirect("gallery:gallery")


@login_required
@require_POST
def images_delete_view(request: AuthedRequest) -> HttpResponse:
    count = images_delete(owner=request.user, image_ids=object_ids(request.POST.getlist("ids")))
    messages.success(request, f"Deleted {count} image{'s' if count != 1 else ''}.")
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
