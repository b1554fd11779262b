"""What the editor page needs: the op registry grouped for the buttons, and the live preview."""

import cv2
from django.core.files.storage import default_storage

from gallery.imaging import load_rgb
from gallery.models import Image
from processing.ops import ops_by_group
from processing.recipes import recipe_render, recipe_validate
from processing.versions import encode_pixels, image_resolver


OP_GROUPS = ops_by_group()


def editor_preview_jpeg(*, image: Image, raw_recipe: object) -> bytes:
    """Render the recipe on the preview rendition, scaled like the full-size save would be."""
    steps = recipe_validate(raw_recipe)
    with default_storage.open(image.preview.name or image.original.name, "rb") as file:
        preview = load_rgb(file=file, max_side=1600)
    result = recipe_render(
        preview,
        steps,
        scale=preview.shape[1] / image.width,
        resolve_image=image_resolver(owner_id=image.owner_id),
    )
    if result.ndim == 3 and result.shape[2] == 4:
        return encode_pixels(result)[0]
    ok, buffer = cv2.imencode(
        ".jpg", cv2.cvtColor(result, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85]
    )
    return buffer.tobytes()
