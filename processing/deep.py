"""Deep learning on a user's images: recognition and faces, background removal and portraits,
privacy blur (style transfer: processing/stylise.py).

The networks run on the `ml` queue only (CELERY_TASK_ROUTES). A missing or corrupt model is a
state, not a crash: `model_problem` says what is missing and how to install it.
"""

from datetime import timedelta

import cv2
import numpy as np
from bson import ObjectId
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from gallery.imaging import load_rgb
from gallery.models import Detection, Face, Image
from gallery.selectors import image_get
from gallery.services import image_terms_refresh
from jobs.models import Job
from jobs.services import job_enqueue
from processing.ml.detect import Detection as MlDetection
from processing.ml.detect import detect_objects
from processing.ml.faces import Hide, detect_faces, hide_faces, portrait_blur
from processing.ml.manifest import (
    DETECTOR,
    FACES,
    SALIENT,
    SEGMENTER,
    STYLE_PREDICTOR,
    STYLE_TRANSFORMER,
)
from processing.ml.segment import remove_background
from processing.ml.store import ModelCorrupt, ModelMissing, model_path
from processing.ml.subject import background_mask
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
    images = Image.objects.filter(pk=image.pk)
    # a conditional update for each way it can be unclaimed: an `$or` is not planned by an index
    unclaimed: list[dict[str, object]] = [
        {"recognition_queued_at": None},
        {"recognition_queued_at__lte": now - RECOGNITION_STALE_AFTER},
    ]
    if force:
        claimed = bool(images.update(recognition_queued_at=now))
    else:
        claimed = any(images.filter(**when).update(recognition_queued_at=now) for when in unclaimed)
    if not claimed:
        return None
    return job_enqueue(
        task="processing.tasks.image_recognise_task",
        kind=Job.Kind.RECOGNISE,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=(str(image.pk),),
    )


def image_recognise(*, image: Image) -> list[Detection]:
    """Objects, and faces where YuNet is installed (the face count becomes searchable)."""
    pixels = _pixels(image, max_side=RECOGNITION_SIDE)
    found = detect_objects(
        image=pixels, threshold=settings.DETECTION_THRESHOLD, model_dir=settings.MODEL_DIR
    )
    detections = [
        Detection(
            label=item.label,
            score=round(float(item.score), 4),
            box=[round(float(value), 5) for value in item.box],
        )
        for item in found
    ]
    faces: dict[str, object] = {}
    if not model_problem(FACES):
        boxes = detect_faces(image=pixels, model_dir=settings.MODEL_DIR)
        faces = {
            "faces": [
                Face(score=round(face.score, 4), box=[round(v, 5) for v in face.box])
                for face in boxes
            ],
            "face_count": len(boxes),
        }
    Image.objects.filter(pk=image.pk).update(
        detections=detections, recognised_at=timezone.now(), recognition_model=DETECTOR, **faces
    )
    image_terms_refresh(image_id=image.pk)  # labels, faces: searchable, counted in the choices
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
    point: list[float] | None = None,
    strength: float = 0.5,
    mask_png: bytes | None = None,
) -> Version:
    """Queue a background removal (or a portrait blur) as a new version (ValueError: a
    background image that is not one of the owner's, refused before anything is queued).
    `box` or `point` (relative) name the subject; `mask_png` is a mask the user touched up
    (grey PNG at the image's aspect ratio), used instead of computing one."""
    if mode == "image" and _owned_image(image.owner_id, background_id) is None:
        raise ValueError("the background image is not one of your images")
    label = {
        "transparent": "Background removed",
        "color": f"Background {color}",
        "blur": "Background blurred",
        "image": "Background replaced",
        "portrait": "Portrait blur",
    }.get(mode, "Background")
    if mask_png is not None:
        label += " (mask touched up)"
    options = {
        "method": method,
        "mode": mode,
        "color": color,
        "background_id": background_id,
        "box": box,
        "point": point,
        "strength": max(0.0, min(float(strength), 1.0)),
        "mask_edited": mask_png is not None,
    }
    return version_start(
        image=image,
        kind=Version.Kind.BACKGROUND_REMOVED,
        label=label,
        options=options,
        mask=mask_png,
    )


def _edited_mask(version: Version, *, width: int, height: int) -> np.ndarray:
    """The touched-up mask stored with the version, at the given size, 0..1."""
    with default_storage.open(version.mask.name, "rb") as file:
        grey = load_rgb(file=file)[:, :, 0]
    resized = cv2.resize(grey, (width, height), interpolation=cv2.INTER_LINEAR)
    mask: np.ndarray = resized.astype(np.float32) / 255.0
    return mask


def background_render(version: Version) -> Rendering:
    options = version.options
    pixels = _pixels(version.image, max_side=ML_MAX_SIDE)
    height, width = pixels.shape[:2]
    if options.get("mask_edited") and version.mask.name:
        mask = _edited_mask(version, width=width, height=height)
        return _composite(version, pixels=pixels, mask=mask, notes={"method_used": "touched up"})
    box = tuple(options["box"]) if options.get("box") else None
    point = tuple(options["point"]) if options.get("point") else None
    method = options.get("method", "auto")
    if method == "auto" and model_problem(SALIENT) and model_problem(SEGMENTER):
        method = "grabcut"  # the classical method needs no model
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
        image=pixels,
        model_dir=settings.MODEL_DIR,
        method=method,
        box=box,
        point=point,
        detections=detections,
    )
    notes: dict[str, object] = {
        "method_used": result.method,
        "subject": result.label,
        "box_used": result.box,
    }
    rendering = _composite(version, pixels=pixels, mask=result.mask, notes=notes)
    mask = np.rint(result.mask * 255).astype(np.uint8)
    return Rendering(pixels=rendering.pixels, mask=mask, notes=notes)


def _composite(
    version: Version, *, pixels: np.ndarray, mask: np.ndarray, notes: dict[str, object]
) -> Rendering:
    """The output of a background version from its mask: a mode of remove_background, or the
    portrait blur. The mask is not returned: a touched-up one stays the version's own."""
    options = version.options
    if options.get("mode") == "portrait":
        output = portrait_blur(
            image=pixels, mask=mask, strength=float(options.get("strength", 0.5))
        )
        return Rendering(pixels=output, notes=notes)
    background = None
    if options.get("mode") == "image":
        other = _owned_image(version.owner_id, options.get("background_id", ""))
        if other is None:
            raise ValueError("the background image is not one of your images")
        background = _pixels(other, max_side=ML_MAX_SIDE)
    output = remove_background(
        image=pixels,
        mask=mask,
        mode=options.get("mode"),
        color=color_rgb(options.get("color") or "#ffffff"),
        background=background,
    )
    return Rendering(pixels=output, notes=notes)


# Faces -----------------------------------------------------------------------------------------


def faces_hide_enqueue(
    *, image: Image, how: str = "blur", faces: list[int] | None = None
) -> Version:
    """Queue a version with every face (or the chosen ones, by their index in image.faces)
    blurred or pixelated (ValueError: no faces found, or an unknown choice)."""
    if how not in ("blur", "pixelate"):
        raise ValueError("Choose blur or pixelation.")
    if not image.face_count:
        raise ValueError("No faces were found in this image.")
    chosen = sorted(set(faces)) if faces else list(range(len(image.faces)))
    if any(not 0 <= index < len(image.faces) for index in chosen):
        raise ValueError("Choose faces found in this image.")
    what = "every face" if len(chosen) == len(image.faces) else f"{len(chosen)} of the faces"
    label = f"{'Blurred' if how == 'blur' else 'Pixelated'}: {what}"
    return version_start(
        image=image,
        kind=Version.Kind.FACES_HIDDEN,
        label=label,
        options={"how": how, "faces": chosen},
    )


def faces_hide_render(version: Version) -> Rendering:
    """The full-size original with the chosen faces hidden (their boxes are relative)."""
    with default_storage.open(version.image.original.name, "rb") as file:
        pixels = load_rgb(file=file)
    faces = version.image.faces or []
    boxes = [tuple(faces[i].box) for i in version.options.get("faces", []) if i < len(faces)]
    how: Hide = "pixelate" if version.options.get("how") == "pixelate" else "blur"
    output = hide_faces(image=pixels, boxes=boxes, how=how)
    return Rendering(pixels=output, notes={"faces_hidden": len(boxes)})


def ml_status(*, staff: bool = False) -> dict[str, str]:
    """What the detail page shows next to each feature: "" when ready, else the problem. Only
    staff see what is missing where (a server path); other users are told to ask them."""
    status = {
        "recognition": model_problem(DETECTOR),
        "background": model_problem(SALIENT, SEGMENTER, DETECTOR),
        "faces": model_problem(FACES),
        "style": model_problem(STYLE_PREDICTOR, STYLE_TRANSFORMER),
    }
    return status if staff else {key: NOT_INSTALLED if text else "" for key, text in status.items()}
