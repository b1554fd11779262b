"""Versions: results derived from an original, rendered on a worker; the original never changes.

Every kind of version (an edit, a background removal, a stylisation) goes through the same life
cycle: `version_start` records it and queues its task, `version_run` renders it on the worker
with the renderer of its kind and stores the output, or records why it failed.
"""

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import cv2
import numpy as np
from bson import ObjectId
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone

from gallery.imaging import load_rgb, make_renditions
from gallery.models import Image
from gallery.storage import version_name
from gallery.storage import version_rendition_name as version_rendition_name_of
from jobs.models import Job
from jobs.services import job_enqueue
from processing.models import Version
from processing.ops import ImageArray, OpError
from processing.recipes import (
    ImageResolver,
    RecipeError,
    Step,
    recipe_render,
    recipe_to_data,
    recipe_validate,
)


@dataclass(frozen=True)
class Rendering:
    """What a renderer made of a version: the pixels, an optional mask, notes for its options."""

    pixels: ImageArray
    mask: ImageArray | None = None
    notes: dict[str, Any] = field(default_factory=dict)


Renderer = Callable[[Version], Rendering]
MAX_STORE_ATTEMPTS = 4
RETRY_AFTER = timedelta(minutes=1)  # then 2, 4, 8 minutes

# kind -> (task that renders it, routed by CELERY_TASK_ROUTES; the Job kind it is recorded as)
_RENDER_TASKS = {
    Version.Kind.EDIT: ("processing.tasks.version_render_task", Job.Kind.RENDER),
    Version.Kind.BACKGROUND_REMOVED: (
        "processing.tasks.background_remove_task",
        Job.Kind.REMOVE_BACKGROUND,
    ),
    Version.Kind.STYLISED: ("processing.tasks.stylise_task", Job.Kind.STYLISE),
    Version.Kind.FACES_HIDDEN: ("processing.tasks.faces_hide_task", Job.Kind.RENDER),
}


def version_job_kind(kind: str) -> str:
    """The Job kind a version of this kind is rendered under."""
    return _RENDER_TASKS[Version.Kind(kind)][1]


def version_start(
    *,
    image: Image,
    kind: str,
    label: str,
    recipe: list[dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
    mask: bytes | None = None,
) -> Version:
    """Record a pending version of the image, then queue its render on a worker. `mask`: an
    encoded mask the user made, stored with the version before its render starts."""
    version = Version.objects.create(
        image=image,
        owner_id=image.owner_id,
        kind=kind,
        label=label,
        recipe=recipe or [],
        options=options or {},
    )
    if mask is not None:
        name = version_name(owner_id=version.owner_id, version_id=version.pk, suffix="_mask.png")
        version.mask = default_storage.save(name, ContentFile(mask))
        Version.objects.filter(pk=version.pk).update(mask=version.mask.name)
    _render_enqueue(version)
    return version


def _render_enqueue(version: Version) -> None:
    task, job_kind = _RENDER_TASKS[Version.Kind(version.kind)]
    job_enqueue(
        task=task,
        kind=job_kind,
        owner_id=version.owner_id,
        image_id=version.image_id,
        args=(str(version.pk),),
    )


class StorageUnavailable(OSError):
    """The output could not be written (a full or read-only disk): worth trying again later."""


def version_run(*, version_id: str, render: Renderer) -> Version | None:
    """Render a pending version and store the result; a failure is recorded on the version
    (and raised, so its Job fails too). None when the version was deleted meanwhile."""
    version = Version.objects.filter(pk=version_id).select_related("image").first()
    if version is None:
        return None
    started = time.perf_counter()
    try:
        rendering = render(version)
        if rendering.notes:
            version.options = {**version.options, **rendering.notes}
            Version.objects.filter(pk=version.pk).update(options=version.options)
        version_store(
            version=version, pixels=rendering.pixels, started=started, mask=rendering.mask
        )
    except Exception as error:
        retry = isinstance(error, StorageUnavailable) and version.attempts < MAX_STORE_ATTEMPTS
        Version.objects.filter(pk=version.pk).update(
            status=Version.Status.FAILED,
            error=str(error)[:1000],
            retry_after=timezone.now() + RETRY_AFTER * 2**version.attempts if retry else None,
        )
        raise
    return version


def versions_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Render again the versions that failed because their output could not be stored, once the
    backoff has passed; each is claimed with a conditional update, so it is queued once."""
    now = now or timezone.now()
    queued = 0
    due = Version.objects.filter(status=Version.Status.FAILED, retry_after__lte=now)
    for version in due.order_by("retry_after")[:limit]:
        claimed = Version.objects.filter(pk=version.pk, retry_after=version.retry_after).update(
            status=Version.Status.PENDING, retry_after=None, error="", attempts=F("attempts") + 1
        )
        if claimed:
            _render_enqueue(version)
            queued += 1
    return queued


def edit_create(*, image: Image, steps: list[Step], label: str = "") -> Version:
    """A new edit of the image from validated steps (RecipeError when there are none)."""
    if not steps:
        raise RecipeError("Apply at least one step before saving.")
    return version_start(
        image=image,
        kind=Version.Kind.EDIT,
        label=label or _recipe_label(steps),
        recipe=recipe_to_data(steps),
    )


def edit_render(version: Version) -> Rendering:
    """The recipe applied to the full-size original."""
    with default_storage.open(version.image.original.name, "rb") as file:
        original = load_rgb(file=file)
    pixels = recipe_render(
        original,
        recipe_validate(version.recipe),
        resolve_image=image_resolver(owner_id=version.owner_id),
        max_pixels=settings.UPLOAD_MAX_PIXELS,
    )
    return Rendering(pixels=pixels)


def version_store(
    *, version: Version, pixels: np.ndarray, started: float, mask: np.ndarray | None = None
) -> None:
    """Encode (JPEG when opaque, PNG with alpha) and record the output of a version."""
    data, suffix = encode_pixels(pixels)
    name = version_name(owner_id=version.owner_id, version_id=version.pk, suffix=suffix)
    try:
        version.file = default_storage.save(name, ContentFile(data))
        if mask is not None:
            mask_name = version_name(
                owner_id=version.owner_id, version_id=version.pk, suffix="_mask.png"
            )
            version.mask = default_storage.save(mask_name, ContentFile(encode_pixels(mask)[0]))
    except OSError as error:
        raise StorageUnavailable(
            f"the result could not be stored ({error}); it is tried again later"
        ) from error
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
            other = Image.objects.filter(owner_id=owner_id, pk=ObjectId(image_id)).first()  # type: ignore[misc]
        if other is None:  # OpError: the renderer adds the step to the message
            raise OpError("the watermark picture is not one of your images")
        with default_storage.open(other.preview.name or other.original.name, "rb") as file:
            return load_rgb(file=io.BytesIO(file.read()))

    return resolve


def version_restore(*, version: Version | None, image: Image) -> None:
    """Make a version the current one (None: the original again)."""
    image.current_version = version
    image.save(update_fields=["current_version"])


RENDITION_KINDS = ("thumb", "preview")  # what the gallery's tile and the viewer show


def version_rendition_name(*, version: Version, size: str) -> str:
    """Where a version's WebP rendition lives (named by the version: no field to migrate)."""
    return version_rendition_name_of(owner_id=version.owner_id, version_id=version.pk, size=size)


def version_rendition(*, version: Version, size: str) -> str:
    """The name of a ready version's rendition ("thumb" or "preview", as large as the
    original's), made from its file on first use and kept; "" when the version has no file."""
    name = version_rendition_name(version=version, size=size)
    if default_storage.exists(name):
        return name
    if version.status != Version.Status.READY or not version.file.name:
        return ""
    with default_storage.open(version.file.name, "rb") as file:
        rendition = make_renditions(file=file, sizes={size: settings.RENDITION_SIZES[size]})[size]
    saved = default_storage.save(name, ContentFile(rendition.data))
    if saved != name:  # another request made it meanwhile: keep one
        default_storage.delete(saved)
    return name


def version_delete(*, version: Version) -> None:
    Image.objects.filter(current_version=version).update(current_version=None)
    names = [name for name in (version.file.name, version.mask.name) if name]
    names += [version_rendition_name(version=version, size=size) for size in RENDITION_KINDS]
    version.delete()
    for name in names:
        default_storage.delete(name)


def _recipe_label(steps: list[Step]) -> str:
    ops = ", ".join(step.op.replace("_", " ") for step in steps[:4])
    more = f" and {len(steps) - 4} more" if len(steps) > 4 else ""
    return f"{ops}{more} ({timezone.now():%d %b %H:%M})"
