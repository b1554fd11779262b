"""Versions: results derived from an original, rendered on a worker; the original never changes."""

import io
import time

import cv2
import numpy as np
from bson import ObjectId
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from gallery.imaging import load_rgb
from gallery.models import Image
from gallery.storage import version_name
from processing.jobs import job_enqueue
from processing.models import Job, Version
from processing.ops import OpError
from processing.recipes import ImageResolver, RecipeError, Step, recipe_render, recipe_validate


def version_create(*, image: Image, raw_recipe: object, label: str = "") -> Version:
    """Validate the recipe (RecipeError for the user), record the version, queue its render."""
    from processing.tasks import version_render_task

    steps = recipe_validate(raw_recipe)
    if not steps:
        raise RecipeError("Apply at least one step before saving.")
    version = Version.objects.create(
        image=image,
        owner_id=image.owner_id,
        kind=Version.Kind.EDIT,
        recipe=[{"op": step.op, "params": step.params} for step in steps],
        label=label or _recipe_label(steps),
    )
    job_enqueue(
        task=version_render_task,
        kind=Job.Kind.RENDER,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=(str(version.pk),),
    )
    return version


def version_render(*, version: Version) -> Version:
    """Apply the recipe to the full-size original and store the result (idempotent)."""
    started = time.perf_counter()
    try:
        with default_storage.open(version.image.original.name, "rb") as file:
            original = load_rgb(file=file)
        result = recipe_render(
            original,
            recipe_validate(version.recipe),
            resolve_image=image_resolver(owner_id=version.owner_id),
            max_pixels=settings.UPLOAD_MAX_PIXELS,
        )
        version_store(version=version, pixels=result, started=started)
    except Exception as error:
        Version.objects.filter(pk=version.pk).update(
            status=Version.Status.FAILED, error=str(error)[:1000]
        )
        raise
    return version


def version_store(
    *, version: Version, pixels: np.ndarray, started: float, mask: np.ndarray | None = None
) -> None:
    """Encode (JPEG when opaque, PNG with alpha) and record the output of a version."""
    data, suffix = encode_pixels(pixels)
    name = version_name(owner_id=version.owner_id, version_id=version.pk, suffix=suffix)
    version.file = default_storage.save(name, ContentFile(data))
    if mask is not None:
        mask_name = version_name(
            owner_id=version.owner_id, version_id=version.pk, suffix="_mask.png"
        )
        version.mask = default_storage.save(mask_name, ContentFile(encode_pixels(mask)[0]))
    version.height, version.width = pixels.shape[:2]
    version.size_bytes = len(data)
    version.processing_ms = round((time.perf_counter() - started) * 1000)
    version.status, version.error = Version.Status.READY, ""
    fields = ["file", "mask", "height", "width", "size_bytes", "processing_ms", "status", "error"]
    # update(), not save(): save() would insert again a version deleted while it rendered.
    if not Version.objects.filter(pk=version.pk).update(**{f: getattr(version, f) for f in fields}):
        for name in (version.file.name, version.mask.name):
            if name:
                default_storage.delete(name)


def encode_pixels(pixels: np.ndarray, *, quality: int = 92) -> tuple[bytes, str]:
    """PNG with alpha (or grey), else JPEG; returns the bytes and the file suffix."""
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        _, buffer = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA))
        return buffer.tobytes(), ".png"
    if pixels.ndim == 2:
        _, buffer = cv2.imencode(".png", pixels)
        return buffer.tobytes(), ".png"
    bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    _, buffer = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buffer.tobytes(), ".jpg"


def image_resolver(*, owner_id: object) -> ImageResolver:
    """Another image of the same owner (for image watermarks), never someone else's."""

    def resolve(image_id: str) -> np.ndarray:
        other = None
        if ObjectId.is_valid(image_id):
            other = Image.objects.filter(owner_id=owner_id, pk=ObjectId(image_id)).first()
        if other is None:  # OpError: the renderer adds the step to the message
            raise OpError("the watermark picture is not one of your images")
        with default_storage.open(other.preview.name or other.original.name, "rb") as file:
            return load_rgb(file=io.BytesIO(file.read()))

    return resolve


def version_restore(*, version: Version | None, image: Image) -> None:
    """Make a version the current one (None: the original again)."""
    image.current_version = version
    image.save(update_fields=["current_version"])


def version_delete(*, version: Version) -> None:
    Image.objects.filter(current_version=version).update(current_version=None)
    names = [name for name in (version.file.name, version.mask.name) if name]
    version.delete()
    for name in names:
        default_storage.delete(name)


def _recipe_label(steps: list[Step]) -> str:
    ops = ", ".join(step.op.replace("_", " ") for step in steps[:4])
    more = f" and {len(steps) - 4} more" if len(steps) > 4 else ""
    return f"{ops}{more} ({timezone.now():%d %b %H:%M})"
