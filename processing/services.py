"""Saving edits, presets and batch edits."""

from accounts.models import User
from gallery.models import Image
from processing.editor import editor_preview_render
from processing.models import Preset, Version
from processing.recipes import Step, recipe_to_data, recipe_validate
from processing.versions import edit_create


def edit_save(*, owner: User, image: Image, steps: list[Step], preset_name: str = "") -> Version:
    """Queue the full-size render of validated steps as a new version, and keep them as a preset
    if named.

    The steps are first rendered on the preview, so that what would fail on the worker (a
    result over the pixel limit, a missing watermark picture) is refused now, with nothing saved.
    """
    editor_preview_render(image=image, steps=steps)
    version = edit_create(image=image, steps=steps)
    if preset_name:
        preset_save(owner=owner, name=preset_name, steps=steps)
    return version


def preset_save(*, owner: User, name: str, steps: list[Step]) -> Preset:
    preset, _ = Preset.objects.update_or_create(
        owner=owner, name=name[:100], defaults={"recipe": recipe_to_data(steps)}
    )
    return preset


def batch_apply(*, images: list[Image], preset: Preset) -> list[Version]:
    """One new version per image, each rendered on a worker (the preset validated once)."""
    steps = recipe_validate(preset.recipe)
    return [edit_create(image=image, steps=steps, label=preset.name) for image in images]
