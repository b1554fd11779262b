"""Upload, gallery, detail, metadata, delete and the private media files."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthedRequest
from gallery.forms import GalleryFilterForm, ImageMetaForm, UploadForm
from gallery.models import Image
from gallery.selectors import (
    cursor_format,
    cursor_parse,
    image_get,
    image_neighbours,
    image_page,
    image_page_after,
    label_choices,
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


@login_required
@require_GET
@vary_on_headers("HX-Request")
def gallery(request: AuthedRequest) -> HttpResponse:
    """The grid; the upload order pages by cursor (`after`), other orders and searches by
    offset. An htmx request gets the grid, or the next page for infinite scrolling."""
    form = GalleryFilterForm(request.GET)
    filters = form.to_filter()
    size = settings.GALLERY_PAGE_SIZE
    query = request.GET.copy()
    if filters.in_upload_order:
        cursor = _cursor(request.GET.get("after", ""))
        images, following = image_page_after(
            owner_id=request.user.pk, filters=filters, cursor=cursor, size=size
        )
        has_more, continued = following is not None, cursor is not None
        if following:
            query["after"] = cursor_format(following)
    else:
        offset = _offset(request.GET.get("offset", "0"))
        images, has_more = image_page(owner=request.user, filters=filters, offset=offset, size=size)
        continued = offset > 0
        query["offset"] = str(offset + size)
    context = {
        "form": form,
        "images": images,
        "has_more": has_more,
        "next_url": f"{reverse('gallery:gallery')}?{query.urlencode()}",
    }
    if request.htmx and not request.htmx.boosted:
        template = "gallery/gallery.html#page" if continued else "gallery/gallery.html#grid"
        return render(request, template, context)
    context["labels"] = label_choices(owner=request.user)
    return render(request, "gallery/gallery.html", context)


def _cursor(text: str) -> tuple[datetime, ObjectId] | None:
    """The page link's cursor; None (the first page) when malformed or out of range: a time
    near the calendar's ends overflowed the windowed read (a 500)."""
    if not ObjectId.is_valid(text.rpartition("_")[2]):
        return None
    cursor = cursor_parse(text)
    try:
        in_range = cursor is not None and EPOCH <= cursor[0] <= timezone.now() + timedelta(days=2)
    except OverflowError:
        in_range = False
    return cursor if in_range else None


def _offset(text: str) -> int:
    """A page's offset, at most MAX_OFFSET ("²" passes str.isdigit, 2**63 overflowed the read)."""
    if not (text.isascii() and text.isdigit()):
        return 0
    return min(int(text[:12]), MAX_OFFSET)


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
    newer, older = image_neighbours(image=image)
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
            "newer": newer,
            "older": older,
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
