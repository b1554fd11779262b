"""Deep-learning actions on one image: recognition, background removal, style transfer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from gallery.views import owned_image
from imagesite.http import AuthedRequest
from processing.deep import (
    background_remove_enqueue,
    ml_status,
    recognise_enqueue,
    style_choices,
    stylise_enqueue,
)
from processing.forms import BackgroundForm, StyleForm


def _form_errors(form: BackgroundForm | StyleForm) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


@login_required
@require_POST
def image_recognise_view(request: AuthedRequest, image_id: object) -> HttpResponse:
    image = owned_image(request, image_id)
    if recognise_enqueue(image=image, force=True):
        messages.success(request, "Recognition queued; the labels appear when it is done.")
    else:
        messages.error(request, ml_status()["recognition"])
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def background_remove_view(request: AuthedRequest, image_id: object) -> HttpResponse:
    image = owned_image(request, image_id)
    form = BackgroundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("gallery:image_detail", image.pk)
    background_remove_enqueue(image=image, **form.cleaned_data)
    messages.success(request, "Background removal queued: a new version appears below.")
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def stylise_view(request: AuthedRequest, image_id: object) -> HttpResponse:
    image = owned_image(request, image_id)
    form = StyleForm(request.POST, artworks=style_choices())
    if form.is_valid():
        try:
            stylise_enqueue(image=image, **form.cleaned_data)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Style transfer queued: a new version appears below.")
    else:
        messages.error(request, _form_errors(form))
    return redirect("gallery:image_detail", image.pk)
