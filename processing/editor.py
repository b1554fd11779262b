"""What the editor page needs: the op registry grouped for the buttons, and the live preview."""

import base64

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage

from gallery.imaging import load_rgb
from gallery.models import Image
from processing.ops import ops_by_group
from processing.recipes import Step, recipe_render
from processing.versions import encode_pixels, image_resolver

OP_GROUPS = ops_by_group()
PREVIEW_SIDE = 1600


def editor_preview_render(*, image: Image, steps: list[Step]) -> np.ndarray:
    """Render the steps on the preview rendition, scaled like the full-size save would be,
    so that the preview fails (RecipeError) where the save would."""
    with default_storage.open(image.preview.name or image.original.name, "rb") as file:
        preview = load_rgb(file=file, max_side=PREVIEW_SIDE)
    return recipe_render(
        preview,
        steps,
        scale=preview.shape[1] / image.width,
        resolve_image=image_resolver(owner_id=image.owner_id),
        max_pixels=settings.UPLOAD_MAX_PIXELS,
    )


def editor_preview_uri(*, image: Image, steps: list[Step]) -> str:
    """The preview as a data: URI for an <img>."""
    data, suffix = encode_pixels(editor_preview_render(image=image, steps=steps), quality=85)
    kind = "png" if suffix == ".png" else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"
