"""The editor, versions, batch edits, deep-learning actions and the panel of an image's detail
page."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthedRequest
from gallery.models import Image
from gallery.selectors import image_get, images_owned
from imagesite.converters import object_ids
from imagesite.http import found_or_404
from imagesite.media import private_file_response
from processing.deep import (
    background_remove_enqueue,
    faces_hide_enqueue,
    ml_status,
    recognise_enqueue,
)
from processing.downloads import zip_entries, zip_stream
from processing.editor import OP_GROUPS, editor_preview_uri
from processing.forms import BackgroundForm, FacesForm, MaskForm, StyleForm
from processing.masks import MaskError, mask_png_check
from processing.models import Version
from processing.ops import OpError
from processing.recipes import RecipeError, Step, recipe_from_json
from processing.selectors import (
    preset_get,
    preset_list,
    version_get,
    version_list,
    version_ready_get,
)
from processing.services import batch_apply, edit_save
from processing.stylise import artwork_thumbnail, artworks_installed, style_choices, stylise_enqueue
from processing.versions import (
    RENDITION_KINDS,
    version_delete,
    version_rendition,
    version_restore,
)


def _owned_image(request: AuthedRequest, image_id: ObjectId) -> Image:
    return found_or_404(image_get(owner_id=request.user.pk, image_id=image_id))


def _owned_version(request: AuthedRequest, version_id: ObjectId) -> Version:
    return found_or_404(version_get(owner_id=request.user.pk, version_id=version_id))


def _posted_steps(request: AuthedRequest) -> list[Step]:
    """The posted recipe, parsed and validated once for the whole request."""
    return recipe_from_json(request.POST.get("recipe") or "[]")


@login_required
@require_GET
def image_panel(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """Versions and deep learning of one image: a partial of the gallery's detail page (htmx),
    or a page of its own for the link the detail page keeps beside it."""
    image = _owned_image(request, image_id)
    context = {
        "image": image,
        "versions": version_list(image=image),
        "ml": ml_status(staff=request.user.is_staff),
        "background_form": BackgroundForm(owner_id=request.user.pk),
        "style_form": StyleForm(artworks=style_choices(), owner_id=request.user.pk),
        "artworks": artworks_installed(),
        "faces_form": FacesForm(count=len(image.faces or [])),
    }
    template = "processing/panel.html#panel" if request.htmx else "processing/panel.html"
    return render(request, template, context)


@login_required
@require_GET
def editor(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """Starts from the current version's recipe, or from the one compared (?compare=<id>)."""
    image = _owned_image(request, image_id)
    if image.status != Image.Status.READY:
        messages.error(request, "The image can be edited once it is ready.")
        return redirect("gallery:image_detail", image.pk)
    compare_ids = object_ids([request.GET.get("compare", "")])
    compare = version_ready_get(image=image, version_id=compare_ids[0]) if compare_ids else None
    start = compare or image.current_version
    recipe = start.recipe if start else []
    context = {"image": image, "groups": OP_GROUPS, "recipe": recipe, "compare": compare}
    return render(request, "processing/editor.html", context)


@login_required
@require_POST
def editor_preview(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """The recipe rendered on the screen-size preview (errors shown in place, status 200)."""
    image = _owned_image(request, image_id)
    try:
        uri = editor_preview_uri(image=image, steps=_posted_steps(request))
    except (RecipeError, OpError) as error:
        return render(request, "processing/editor.html#preview", {"error": str(error)})
    return render(request, "processing/editor.html#preview", {"uri": uri, "image": image})


@login_required
@require_POST
def editor_save(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    try:
        version = edit_save(
            owner=request.user,
            image=image,
            steps=_posted_steps(request),
            preset_name=request.POST.get("preset_name", "").strip(),
        )
    except (RecipeError, OpError) as error:
        return render(request, "processing/editor.html#save-result", {"error": str(error)})
    return render(request, "processing/editor.html#save-result", {"version": version})


@login_required
@require_GET
def version_status(request: AuthedRequest, version_id: ObjectId) -> HttpResponse:
    """The row of a version, polled while it renders (on the batch page with its image's name)."""
    version = _owned_version(request, version_id)
    context = {
        "version": version,
        "image": version.image,
        "show_image": "show_image" in request.GET,
    }
    return render(request, "processing/_versions.html#version-row", context)


@login_required
@require_GET
def version_file(request: AuthedRequest, version_id: ObjectId, kind: str) -> HttpResponseBase:
    """The version's file, its mask, or a WebP rendition of it ("thumb", "preview": what the
    gallery and the viewer show of an image whose current version it is)."""
    version = _owned_version(request, version_id)
    if kind in RENDITION_KINDS:
        name = version_rendition(version=version, size=kind)
        return private_file_response(name=name)
    if kind not in ("file", "mask"):
        raise Http404("unknown file")
    name = getattr(version, kind).name
    download = "download" in request.GET
    return private_file_response(name=name, as_attachment=download)


@login_required
@require_POST
def version_restore_view(request: AuthedRequest, version_id: ObjectId) -> HttpResponse:
    version = _owned_version(request, version_id)
    if version.status != Version.Status.READY:
        messages.error(request, "This version is not ready, so it cannot be made current.")
    else:
        version_restore(version=version, image=version.image)
        messages.success(request, f"“{version}” is now the current version.")
    return redirect("gallery:image_detail", version.image_id)


@login_required
@require_POST
def original_restore_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    version_restore(version=None, image=image)
    messages.success(request, "The original is the current version again.")
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def version_delete_view(request: AuthedRequest, version_id: ObjectId) -> HttpResponse:
    version = _owned_version(request, version_id)
    image_id = version.image_id
    version_delete(version=version)
    messages.success(request, "Version deleted.")
    return redirect("gallery:image_detail", image_id)


@login_required
@require_POST
def batch(request: AuthedRequest) -> HttpResponse:
    """Choose a preset for the selected images, then apply it to all of them on workers."""
    images = images_owned(
        owner_id=request.user.pk, image_ids=object_ids(request.POST.getlist("ids"))
    )
    presets = preset_list(owner_id=request.user.pk)
    preset_id = request.POST.get("preset")
    if preset_id and images:
        preset_ids = object_ids([preset_id])
        preset = (
            preset_get(owner_id=request.user.pk, preset_id=preset_ids[0]) if preset_ids else None
        )
        if preset is None:
            raise Http404("no such preset")
        versions = batch_apply(images=images, preset=preset)
        return render(request, "processing/batch.html", {"versions": versions, "preset": preset})
    if not images:
        messages.error(request, "Select one or more images first.")
        return redirect("gallery:gallery")
    return render(request, "processing/batch.html", {"images": images, "presets": presets})


@login_required
@require_POST
def selection_download(request: AuthedRequest) -> HttpResponseBase:
    """The selected images as one zip, streamed: their current versions (`which=current`, the
    default) or their originals."""
    images = images_owned(
        owner_id=request.user.pk, image_ids=object_ids(request.POST.getlist("ids"))
    )
    if not images:
        messages.info(request, "No images were selected.")
        return redirect("gallery:gallery")
    current = request.POST.get("which", "current") != "original"
    entries = zip_entries(images=images, current=current)
    name = f"images-{timezone.now():%Y%m%d-%H%M%S}.zip"
    response = StreamingHttpResponse(zip_stream(entries=entries), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _form_errors(form: BackgroundForm | StyleForm | FacesForm | MaskForm) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_POST
def image_recognise_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    if recognise_enqueue(image=image, force=True):
        messages.success(request, "Recognition queued; the labels appear when it is done.")
    else:
        messages.error(request, ml_status(staff=request.user.is_staff)["recognition"])
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def background_remove_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    form = BackgroundForm(request.POST, owner_id=request.user.pk)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("gallery:image_detail", image.pk)
    try:
        background_remove_enqueue(image=image, **form.cleaned_data)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Background removal queued: a new version appears below.")
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def stylise_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    image = _owned_image(request, image_id)
    form = StyleForm(request.POST, artworks=style_choices(), owner_id=request.user.pk)
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


@login_required
@require_GET
@cache_control(private=True, max_age=86400)
def artwork_thumb(request: AuthedRequest, name: str) -> HttpResponse:
    """The thumbnail of an installed style artwork (public-domain paintings, for the picker)."""
    if name not in {artwork.name for artwork in artworks_installed()}:
        raise Http404("no such artwork")
    return HttpResponse(artwork_thumbnail(name=name), content_type="image/jpeg")


@require_POST
def faces_hide_view(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """Every face (or the chosen ones) blurred or pixelated, as a new version."""
    image = _owned_image(request, image_id)
    form = FacesForm(request.POST, count=len(image.faces or []))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("gallery:image_detail", image.pk)
    try:
        faces_hide_enqueue(
            image=image, how=form.cleaned_data["how"], faces=form.cleaned_data["faces"]
        )
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Hiding the faces: a new version appears below.")
    return redirect("gallery:image_detail", image.pk)


def _touchable(request: AuthedRequest, version_id: ObjectId) -> Version:
    version = _owned_version(request, version_id)
    if version.kind != Version.Kind.BACKGROUND_REMOVED or not version.mask.name:
        raise Http404("no mask to touch up")
    return version


@login_required
@require_GET
def mask_touchup(request: AuthedRequest, version_id: ObjectId) -> HttpResponse:
    """The brush: the picture with the version's mask over it, to add to or take from."""
    version = _touchable(request, version_id)
    return render(request, "processing/mask.html", {"version": version, "image": version.image})


@login_required
@require_POST
def mask_touchup_save(request: AuthedRequest, version_id: ObjectId) -> HttpResponse:
    """A new version from the touched-up mask, in the same mode as the one touched up."""
    version = _touchable(request, version_id)
    image = version.image
    form = MaskForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("processing:mask_touchup", version.pk)
    try:
        data = mask_png_check(
            form.cleaned_data["mask"].read(), width=image.width, height=image.height
        )
        options = version.options
        background_remove_enqueue(
            image=image,
            mode=options.get("mode", "transparent"),
            color=options.get("color") or "#ffffff",
            background_id=options.get("background_id") or "",
            strength=float(options.get("strength", 0.5)),
            mask_png=data,
        )
    except (MaskError, ValueError) as error:
        messages.error(request, str(error))
        return redirect("processing:mask_touchup", version.pk)
    messages.success(request, "The touched-up mask is being applied: a new version appears below.")
    return redirect("gallery:image_detail", image.pk)
