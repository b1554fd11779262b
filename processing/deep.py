"""Deep learning on a user's images: recognition, background removal (style transfer:
processing/stylise.py).

The networks run on the `ml` queue only (CELERY_TASK_ROUTES). A missing or corrupt model is a
state, not a crash: `model_problem` says what is missing and how to install it.
"""

from datetime import timedelta

import numpy as np
from bson import ObjectId
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from gallery.imaging import load_rgb
from gallery.models import Detection, Image
from gallery.selectors import image_get
from gallery.services import image_terms_refresh
from jobs.models import Job
from jobs.services import job_enqueue
from processing.ml.detect import Detection as MlDetection
from processing.ml.detect import detect_objects
from processing.ml.manifest import DETECTOR, SEGMENTER, STYLE_PREDICTOR, STYLE_TRANSFORMER
from processing.ml.segment import background_mask, remove_background
from processing.ml.store import ModelCorrupt, ModelMissing, model_path
from processing.models import Version
from processing.ops import color_rgb
from processing.versions import Rendering, version_start

RECOGNITION_SIDE = 1280  # the detector letterboxes to 640; more pixels than this add nothing
ML_MAX_SIDE = 2048  # background removal and full-size style transfer work at most at this size
PREVIEW_SIDE = 1600
RECOGNITION_STALE_AFTER = timedelta(minutes=30)
NOT_INSTALLED = "not installed yet, ask the administrator"  # what users who are not staff see


def model_problem(*names: str) -> str:
    """Why these models can't run (missing, corrupt), or "" when they are ready."""
    for name in names:
        try:
            model_path(name=name, model_dir=settings.MODEL_DIR)
        except (ModelMissing, ModelCorrupt) as error:
            return str(error)
    return ""


def _owned_image(owner_id: ObjectId, image_id: str) -> Image | None:
    """Another image of the same owner (a style, a background), never someone else's."""
    if not ObjectId.is_valid(image_id):
        return None
    return image_get(owner_id=owner_id, image_id=ObjectId(image_id))


def _pixels(image: Image, *, max_side: int | None) -> np.ndarray:
    with default_storage.open(image.original.name, "rb") as file:
        return load_rgb(file=file, max_side=max_side)


# Recognition -----------------------------------------------------------------------------------


def recognise_enqueue(*, image: Image, force: bool = False) -> Job | None:
    """Queue recognition unless the detector is not installed (the recognition sweep catches up
    once it is) or it is already queued: the document is claimed with a conditional update, so
    two sweeps never queue it twice. `force` (the user asked) queues it anyway."""
    if model_problem(DETECTOR):
        return None
    now = timezone.now()
    stale = now - RECOGNITION_STALE_AFTER
    unclaimed = Q(recognition_queued_at=None) | Q(recognition_queued_at__lte=stale)
    images = Image.objects.filter(pk=image.pk)
    if not (images if force else images.filter(unclaimed)).update(recognition_queued_at=now):
        return None
    return job_enqueue(
        task="processing.tasks.image_recognise_task",
        kind=Job.Kind.RECOGNISE,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=(str(image.pk),),
    )


def image_recognise(*, image: Image) -> list[Detection]:
    found = detect_objects(
        image=_pixels(image, max_side=RECOGNITION_SIDE),
        threshold=settings.DETECTION_THRESHOLD,
        model_dir=settings.MODEL_DIR,
    )
    detections = [
        Detection(
            label=item.label,
            score=round(float(item.score), 4),
            box=[round(float(value), 5) for value in item.box],
        )
        for item in found
    ]
    Image.objects.filter(pk=image.pk).update(
        detections=detections, recognised_at=timezone.now(), recognition_model=DETECTOR
    )
    image_terms_refresh(image_id=image.pk)  # labels: searchable, counted in the choices
    return detections


def recognition_sweep(*, limit: int = 200) -> int:
    """Queue recognition for ready images that have none (e.g. uploaded before the model was
    installed); each image is claimed, so concurrent sweeps queue it once."""
    if model_problem(DETECTOR):
        return 0
    pending = Image.objects.filter(status=Image.Status.READY, recognised_at=None).order_by(
        "uploaded_at"
    )[:limit]
    return sum(recognise_enqueue(image=image) is not None for image in pending)


# Background removal ----------------------------------------------------------------------------


def background_remove_enqueue(
    *,
    image: Image,
    method: str = "auto",
    mode: str = "transparent",
    color: str = "#ffffff",
    background_id: str = "",
    box: list[float] | None = None,
) -> Version:
    """Queue a background removal as a new version (ValueError: a background image that is
    not one of the owner's, refused before anything is queued)."""
    if mode == "image" and _owned_image(image.owner_id, background_id) is None:
        raise ValueError("the background image is not one of your images")
    label = {
        "transparent": "Background removed",
        "color": f"Background {color}",
        "blur": "Background blurred",
        "image": "Background replaced",
    }.get(mode, "Background")
    options = {
        "method": method,
        "mode": mode,
        "color": color,
        "background_id": background_id,
        "box": box,
    }
    return version_start(
        image=image, kind=Version.Kind.BACKGROUND_REMOVED, label=label, options=options
    )


def background_render(version: Version) -> Rendering:
    options = version.options
    pixels = _pixels(version.image, max_side=ML_MAX_SIDE)
    box = tuple(options["box"]) if options.get("box") else None
    method = options.get("method", "auto")
    if model_problem(SEGMENTER):  # the classical method needs no model
        method = "grabcut"
    if method == "grabcut" and box is None and model_problem(DETECTOR):
        box = (0.1, 0.1, 0.9, 0.9)  # no detector to find the subject: assume it is central
    known = version.image.detections if version.image.recognised_at else None
    detections = (
        None
        if known is None
        else [
            MlDetection(label=item.label, score=item.score, box=tuple(item.box)) for item in known
        ]
    )
    result = background_mask(
        image=pixels, model_dir=settings.MODEL_DIR, method=method, box=box, detections=detections
    )
    background = None
    if options.get("mode") == "image":
        other = _owned_image(version.owner_id, options.get("background_id", ""))
        if other is None:
            raise ValueError("the background image is not one of your images")
        background = _pixels(other, max_side=ML_MAX_SIDE)
    output = remove_background(
        image=pixels,
        mask=result.mask,
        mode=options.get("mode"),
        color=color_rgb(options.get("color") or "#ffffff"),
        background=background,
    )
    mask = np.rint(result.mask * 255).astype(np.uint8)
    return Rendering(pixels=output, mask=mask, notes={"method_used": result.method})


def ml_status(*, staff: bool = False) -> dict[str, str]:
    """What the detail page shows next to each feature: "" when ready, else the problem. Only
    staff see what is missing where (a server path); other users are told to ask them."""
    status = {
        "recognition": model_problem(DETECTOR),
        "background": model_problem(SEGMENTER, DETECTOR),
        "style": model_problem(STYLE_PREDICTOR, STYLE_TRANSFORMER),
    }
    return status if staff else {key: NOT_INSTALLED if text else "" for key, text in status.items()}
