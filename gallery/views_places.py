"""Dates and places: edit when and where for one image or a selection, the place suggestions
of those forms, and the places view."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthedRequest
from gallery.forms import WhenWhereForm
from gallery.places import gazetteer
from gallery.selectors import image_get, images_owned, places_list
from gallery.whenwhere import MAX_BATCH, images_when_where_set
from imagesite.converters import object_ids
from imagesite.http import found_or_404

MAX_SUGGESTIONS = 8


@login_required
@require_POST
def image_when_where(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """The detail page's date and location form: htmx swaps the form (and the facts it
    shows) in place with a confirmation; without JavaScript, back to the page."""
    image = found_or_404(image_get(owner_id=request.user.pk, image_id=image_id))
    form = WhenWhereForm(request.POST, initial=WhenWhereForm.initial_of(image))
    saved = form.is_valid()
    if saved:
        images_when_where_set(owner_id=request.user.pk, image_ids=[image.pk], change=form.change)
        image = found_or_404(image_get(owner_id=request.user.pk, image_id=image_id))
        form = WhenWhereForm(initial=WhenWhereForm.initial_of(image))
    if request.htmx:
        context = {"image": image, "when_form": form, "when_saved": saved}
        return render(request, "gallery/detail.html#when-where", context)
    if saved:
        messages.success(request, "Date and location saved.")
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_http_methods(["GET", "POST"])
def images_when_where(request: AuthedRequest) -> HttpResponse:
    """Batch edit of the date and location of the images named by `ids` (the owner's only;
    others are ignored as if absent). Fields left empty stay as they are."""
    source = request.POST if request.method == "POST" else request.GET
    ids = object_ids(source.getlist("ids"))[:MAX_BATCH]
    images = images_owned(owner_id=request.user.pk, image_ids=ids)
    # the gallery's selection toolbar posts the ids alone (with `start`): the empty form
    submitted = request.method == "POST" and "start" not in request.POST
    form = WhenWhereForm(request.POST if submitted else None)
    if submitted and images and form.is_valid():
        count = images_when_where_set(
            owner_id=request.user.pk, image_ids=[image.pk for image in images], change=form.change
        )
        messages.success(request, f"Date and location saved for {count} image{'s' * (count != 1)}.")
        return redirect("gallery:gallery")
    return render(request, "gallery/batch_edit.html", {"form": form, "images": images})


@login_required
@require_GET
def place_suggest(request: AuthedRequest) -> HttpResponse:
    """The <option>s of the place field's datalist: gazetteer places starting with the text."""
    text = request.GET.get("place", "")[:200]
    found = gazetteer().search(text, limit=MAX_SUGGESTIONS) if len(text.strip()) >= 2 else []
    return render(request, "gallery/places.html#place-options", {"suggestions": found})


@login_required
@require_GET
def places(request: AuthedRequest) -> HttpResponse:
    """Every place of the user's photos with its count, each a link to the filtered gallery."""
    return render(request, "gallery/places.html", {"places": places_list(owner_id=request.user.pk)})
