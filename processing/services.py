"""Presets and batch edits."""

from accounts.models import User
from gallery.models import Image
from processing.models import Preset, Version
from processing.recipes import recipe_validate
from processing.versions import version_create


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
