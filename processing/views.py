"""The editor, versions and batch edits."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from gallery.models import Image
from gallery.views import owned_image
from imagesite.converters import object_ids
from imagesite.http import AuthedRequest
from imagesite.media import private_file_response
from processing.editor import OP_GROUPS, editor_preview_uri
from processing.models import Preset, Version
from processing.ops import OpError
from processing.recipes import RecipeError, recipe_validate
from processing.services import batch_apply, edit_save
from processing.versions import version_delete, version_restore


def _owned_version(request: AuthedRequest, version_id: object) -> Version:
    return get_object_or_404(
        Version.objects.filter(owner=request.user).select_related("image"), pk=version_id
    )


def _posted_recipe(request: AuthedRequest) -> object:
    try:
        return json.loads(request.POST.get("recipe") or "[]")
    except json.JSONDecodeError:
        raise RecipeError("the recipe is not valid JSON") from None


@login_required
@require_GET
def editor(request: AuthedRequest, image_id: object) -> HttpResponse:
    """Starts from the current version's recipe, or from the one compared (?compare=<id>)."""
    image = owned_image(request, image_id)
    if image.status != Image.Status.READY:
        messages.error(request, "The image can be edited once it is ready.")
        return redirect("gallery:image_detail", image.pk)
    ready = image.versions.filter(status=Version.Status.READY)
    compare = ready.filter(pk__in=object_ids([request.GET.get("compare", "")])).first()
    start = compare or image.current_version
    recipe = start.recipe if start else []
    context = {"image": image, "groups": OP_GROUPS, "recipe": recipe, "compare": compare}
    return render(request, "processing/editor.html", context)


@login_required
@require_POST
def editor_preview(request: AuthedRequest, image_id: object) -> HttpResponse:
    """The recipe rendered on the screen-size preview (errors shown in place, status 200)."""
    image = owned_image(request, image_id)
    try:
        steps = recipe_validate(_posted_recipe(request))
        uri = editor_preview_uri(image=image, steps=steps)
    except (RecipeError, OpError) as error:
        return render(request, "processing/editor.html#preview", {"error": str(error)})
    return render(request, "processing/editor.html#preview", {"uri": uri, "image": image})


@login_required
@require_POST
def editor_save(request: AuthedRequest, image_id: object) -> HttpResponse:
    image = owned_image(request, image_id)
    try:
        version = edit_save(
            owner=request.user,
            image=image,
            raw_recipe=_posted_recipe(request),
            preset_name=request.POST.get("preset_name", "").strip(),
        )
    except (RecipeError, OpError) as error:
        return render(request, "processing/editor.html#save-result", {"error": str(error)})
    return render(request, "processing/editor.html#save-result", {"version": version})


@login_required
@require_GET
def version_status(request: AuthedRequest, version_id: object) -> HttpResponse:
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
def version_file(request: AuthedRequest, version_id: object, kind: str) -> HttpResponse:
    version = _owned_version(request, version_id)
    if kind not in ("file", "mask"):
        raise Http404("unknown file")
    name = getattr(version, kind).name
    download = "download" in request.GET
    return private_file_response(name=name, as_attachment=download)


@login_required
@require_POST
def version_restore_view(request: AuthedRequest, version_id: object) -> HttpResponse:
    version = _owned_version(request, version_id)
    if version.status != Version.Status.READY:
        messages.error(request, "This version is not ready, so it cannot be made current.")
    else:
        version_restore(version=version, image=version.image)
        messages.success(request, f"“{version}” is now the current version.")
    return redirect("gallery:image_detail", version.image_id)


@login_required
@require_POST
def original_restore_view(request: AuthedRequest, image_id: object) -> HttpResponse:
    image = owned_image(request, image_id)
    version_restore(version=None, image=image)
    messages.success(request, "The original is the current version again.")
    return redirect("gallery:image_detail", image.pk)


@login_required
@require_POST
def version_delete_view(request: AuthedRequest, version_id: object) -> HttpResponse:
    version = _owned_version(request, version_id)
    image_id = version.image_id
    version_delete(version=version)
    messages.success(request, "Version deleted.")
    return redirect("gallery:image_detail", image_id)


@login_required
@require_POST
def batch(request: AuthedRequest) -> HttpResponse:
    """Choose a preset for the selected images, then apply it to all of them on workers."""
    ids = object_ids(request.POST.getlist("ids"))
    images = list(Image.objects.filter(owner=request.user, pk__in=ids))
    presets = Preset.objects.filter(owner=request.user).order_by("name")
    preset_id = request.POST.get("preset")
    if preset_id and images:
        preset = presets.filter(pk__in=object_ids([preset_id])).first()
        if preset is None:
            raise Http404("no such preset")
        versions = batch_apply(images=images, preset=preset)
        return render(request, "processing/batch.html", {"versions": versions, "preset": preset})
    if not images:
        messages.error(request, "Select one or more images first.")
        return redirect("gallery:gallery")
    return render(request, "processing/batch.html", {"images": images, "presets": presets})
