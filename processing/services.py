"""Saving edits, presets and batch edits."""

from accounts.models import User
from gallery.models import Image
from processing.editor import editor_preview_render
from processing.models import Preset, Version
from processing.recipes import recipe_validate
from processing.versions import version_create


def edit_save(*, owner: User, image: Image, raw_recipe: object, preset_name: str = "") -> Version:
    """Queue the full-size render of a recipe as a new version, and keep it as a preset if named.

    The recipe is first rendered on the preview, so that what would fail on the worker (a
    result over the pixel limit, a missing watermark picture) is refused now, with nothing saved.
    """
    steps = recipe_validate(raw_recipe)
    editor_preview_render(image=image, steps=steps)
    version = version_create(image=image, raw_recipe=raw_recipe)
    if preset_name:
        preset_save(owner=owner, name=preset_name, raw_recipe=raw_recipe)
    return version


def preset_save(*, owner: User, name: str, raw_recipe: object) -> Preset:
    steps = recipe_validate(raw_recipe)
    recipe = [{"op": step.op, "params": step.params} for step in steps]
    preset, _ = Preset.objects.update_or_create(
        owner=owner, name=name[:100], defaults={"recipe": recipe}
    )
    return preset


def batch_apply(*, images: list[Image], preset: Preset) -> list[Version]:
    """One new version per image, each rendered on a worker."""
    return [
        version_create(image=image, raw_recipe=preset.recipe, label=preset.name) for image in images
    ]
