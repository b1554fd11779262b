"""Versions and deep learning in the API: create an edit from a recipe, list, make current,
delete; remove the background, recognise again, stylise. Each queued render answers with its
job. The same services as the detail page and the editor."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel

from accounts.api import api_user
from gallery.api import owned_image
from gallery.models import Image
from imagesite.apitools import ERRORS, ApiError, FieldError, Problem, id_path, object_id
from imagesite.media import private_file_response
from jobs.api import JobOut, job_out
from jobs.selectors import job_for
from processing.deep import (
    background_remove_enqueue,
    faces_hide_enqueue,
    ml_status,
    recognise_enqueue,
)
from processing.ml.images import box_inside, point_inside
from processing.models import Version
from processing.ops import OPS, OpError, color_hex
from processing.recipes import RecipeError, recipe_validate
from processing.selectors import version_get, version_list
from processing.services import edit_save
from processing.stylise import style_choices, stylise_enqueue
from processing.versions import version_delete, version_job_kind, version_restore

router = Router(tags=["versions"])
deep_router = Router(tags=["deep learning"])
OBJECT_ID_OR_EMPTY = "^([0-9a-fA-F]{24})?$"
BINARY = {
    "200": {
        "description": "The file's bytes",
        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class VersionOut(Schema):
    id: str
    image_id: str
    kind: str
    label: str
    status: str = Field(description="pending, ready or failed")
    error: str
    recipe: list[dict[str, Any]]
    width: int | None
    height: int | None
    size_bytes: int | None
    processing_ms: int | None
    created_at: datetime
    current: bool
    files: dict[str, str | None]
    url: str


class VersionJobOut(Schema):
    version: VersionOut
    job: JobOut | None = Field(description="The render's job: poll it, or the version")


def version_out(version: Version, *, current_id: object = None) -> VersionOut:
    files = {
        kind: reverse("api:version_file", kwargs={"version_id": str(version.pk), "kind": kind})
        if getattr(version, kind).name
        else None
        for kind in ("file", "mask")
    }
    return VersionOut(
        id=str(version.pk),
        image_id=str(version.image_id),
        kind=version.kind,
        label=version.label,
        status=version.status,
        error=version.error,
        recipe=list(version.recipe or []),
        width=version.width,
        height=version.height,
        size_bytes=version.size_bytes,
        processing_ms=version.processing_ms,
        created_at=version.created_at,
        current=current_id is not None and current_id == version.pk,
        files=files,
        url=reverse("api:version_get", kwargs={"version_id": str(version.pk)}),
    )


def _with_job(version: Version, image: Image) -> VersionJobOut:
    job = job_for(
        owner_id=version.owner_id,
        kind=version_job_kind(version.kind),
        subject_id=version.pk,
        image_id=version.image_id,
    )
    return VersionJobOut(
        version=version_out(version, current_id=image.current_version_id),
        job=job_out(job) if job else None,
    )


def _owned_version(request: HttpRequest, version_id: str) -> Version:
    version = version_get(owner_id=api_user(request).pk, version_id=object_id(version_id))
    if version is None:
        raise HttpError(404, "No such version.")
    return version


def _ready(image: Image) -> Image:
    if image.status != Image.Status.READY:
        raise HttpError(
            409, f"The image is {image.get_status_display().lower()}: wait until it is ready."
        )
    return image


# Versions ---------------------------------------------------------------------------------------


class StepIn(BaseModel):
    op: Literal[tuple(OPS)] = Field(description="An editor operation")  # type: ignore[valid-type]
    params: dict[str, Any] = {}


class EditIn(BaseModel):
    recipe: list[StepIn] = Field(min_length=1, max_length=50)
    preset_name: str = Field("", max_length=100, description="Also keep the recipe as a preset")


@router.get(
    "/images/{image_id}/versions",
    response={200: list[VersionOut], ERRORS: Problem},
    url_name="version_list",
)
def versions(request: HttpRequest, image_id: str = id_path()) -> list[VersionOut]:
    image = owned_image(request, image_id)
    return [version_out(v, current_id=image.current_version_id) for v in version_list(image=image)]


@router.post(
    "/images/{image_id}/versions",
    response={202: VersionJobOut, ERRORS: Problem},
    url_name="version_create",
)
def version_create(
    request: HttpRequest, body: EditIn, image_id: str = id_path()
) -> Status[VersionJobOut]:
    """A new version from a recipe (the editor's steps), rendered on a worker."""
    image = _ready(owned_image(request, image_id))
    raw = [step.model_dump() for step in body.recipe]
    try:
        version = edit_save(
            owner=api_user(request),
            image=image,
            steps=recipe_validate(raw),
            preset_name=body.preset_name.strip(),
        )
    except (RecipeError, OpError) as error:
        raise ApiError(400, str(error), [FieldError(field="recipe", message=str(error))]) from None
    return Status(202, _with_job(version, image))


@router.post(
    "/images/{image_id}/original",
    response={200: list[VersionOut], ERRORS: Problem},
    url_name="original_restore",
)
def original_restore(request: HttpRequest, image_id: str = id_path()) -> list[VersionOut]:
    """Make the original the current version again."""
    image = owned_image(request, image_id)
    version_restore(version=None, image=image)
    return [version_out(v) for v in version_list(image=image)]


@router.get(
    "/versions/{version_id}", response={200: VersionJobOut, ERRORS: Problem}, url_name="version_get"
)
def version_detail(request: HttpRequest, version_id: str = id_path()) -> VersionJobOut:
    version = _owned_version(request, version_id)
    return _with_job(version, version.image)


@router.post(
    "/versions/{version_id}/current",
    response={200: VersionOut, ERRORS: Problem},
    url_name="version_make_current",
)
def version_current(request: HttpRequest, version_id: str = id_path()) -> VersionOut:
    """Make a ready version the image's current one."""
    version = _owned_version(request, version_id)
    if version.status != Version.Status.READY:
        raise HttpError(409, "This version is not ready, so it cannot be made current.")
    version_restore(version=version, image=version.image)
    return version_out(version, current_id=version.pk)


@router.delete(
    "/versions/{version_id}", response={204: None, ERRORS: Problem}, url_name="version_delete"
)
def version_remove(request: HttpRequest, version_id: str = id_path()) -> Status[None]:
    version_delete(version=_owned_version(request, version_id))
    return Status(204, None)


@router.get(
    "/versions/{version_id}/files/{kind}",
    response={ERRORS: Problem},
    openapi_extra={"responses": BINARY},
    url_name="version_file",
)
def version_file(
    request: HttpRequest,
    kind: Literal["file", "mask"],
    version_id: str = id_path(),
    download: bool = False,
) -> HttpResponseBase:
    """The rendered version (`file`), or the mask of a background removal, streamed."""
    name = getattr(_owned_version(request, version_id), kind).name
    if not name:
        raise HttpError(404, f"The {kind} is not rendered yet.")
    return private_file_response(name=name, as_attachment=download)


# Deep learning ----------------------------------------------------------------------------------


class BackgroundIn(BaseModel):
    method: Literal["auto", "salient", "deeplab", "grabcut"] = "auto"
    mode: Literal["transparent", "color", "blur", "image", "portrait"] = Field(
        "transparent", description="portrait: the subject sharp, the background blurred"
    )
    color: str = Field(
        "#ffffff", pattern=r"^\s*#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\s*$", description="#rrggbb"
    )
    background_id: str = Field(
        "", pattern=OBJECT_ID_OR_EMPTY, description="For mode image: one of your images"
    )
    box: list[float] | None = Field(
        None, min_length=4, max_length=4, description="The subject: x0, y0, x1, y1 in 0..1"
    )
    point: list[float] | None = Field(
        None, min_length=2, max_length=2, description="…or a point on it: x, y in 0..1"
    )
    strength: float = Field(0.5, ge=0.0, le=1.0, description="For mode portrait: the blur")


class FacesIn(BaseModel):
    how: Literal["blur", "pixelate"] = "blur"
    faces: list[int] = Field(
        default_factory=list, max_length=500, description="Indexes in `faces` (none: every face)"
    )


class StyleIn(BaseModel):
    artwork: str = Field("", max_length=100, description="An installed artwork (GET /styles)")
    style_image_id: str = Field(
        "", pattern=OBJECT_ID_OR_EMPTY, description="…or one of your images"
    )
    strength: float = Field(1.0, ge=0.0, le=1.0)
    full_size: bool = False


class StyleOut(Schema):
    name: str
    title: str


class ModelsOut(Schema):
    recognition: str = Field(description='"" when ready, else what is missing')
    background: str
    style: str
    styles: list[StyleOut]


def _background_checked(body: BackgroundIn) -> dict[str, Any]:
    errors = []
    try:
        color = color_hex(body.color or "#ffffff")
    except ValueError:
        color = ""
        errors.append(FieldError(field="color", message="The colour must look like #ff8800."))
    box = body.box
    if box is not None and not box_inside(box):
        errors.append(FieldError(field="box", message="The box must lie inside the image."))
    point = body.point
    if point is not None and not point_inside(point):
        errors.append(FieldError(field="point", message="The point must lie inside the image."))
    if box is not None and point is not None:
        errors.append(FieldError(field="point", message="Name the subject by a box or a point."))
    if body.mode == "image" and not body.background_id:
        errors.append(FieldError(field="background_id", message="Choose the background image."))
    if errors:
        raise ApiError(422, " ".join(e.message for e in errors), errors)
    return {**body.model_dump(), "color": color}


@deep_router.get("/models", response={200: ModelsOut, ERRORS: Problem}, url_name="models")
def models(request: HttpRequest) -> ModelsOut:
    """Which deep-learning features can run here, and the installed style artworks."""
    status = ml_status(staff=api_user(request).is_staff)
    return ModelsOut(
        **status, styles=[StyleOut(name=name, title=title) for name, title in style_choices()]
    )


@deep_router.post(
    "/images/{image_id}/remove-background",
    response={202: VersionJobOut, ERRORS: Problem},
    url_name="remove_background",
)
def remove_background(
    request: HttpRequest, body: BackgroundIn, image_id: str = id_path()
) -> Status[VersionJobOut]:
    """A new version without the background (segmentation, or GrabCut without the model)."""
    image = _ready(owned_image(request, image_id))
    try:
        version = background_remove_enqueue(image=image, **_background_checked(body))
    except ValueError as error:
        raise ApiError(
            422, str(error), [FieldError(field="background_id", message=str(error))]
        ) from None
    return Status(202, _with_job(version, image))


@deep_router.post(
    "/images/{image_id}/hide-faces",
    response={202: VersionJobOut, ERRORS: Problem},
    url_name="hide_faces",
)
def hide_faces(
    request: HttpRequest, body: FacesIn, image_id: str = id_path()
) -> Status[VersionJobOut]:
    """A new version with every face found (or the chosen ones) blurred or pixelated."""
    image = _ready(owned_image(request, image_id))
    try:
        version = faces_hide_enqueue(image=image, how=body.how, faces=body.faces)
    except ValueError as error:
        raise ApiError(422, str(error), [FieldError(field="faces", message=str(error))]) from None
    return Status(202, _with_job(version, image))


@deep_router.post(
    "/images/{image_id}/stylise",
    response={202: VersionJobOut, ERRORS: Problem},
    url_name="stylise",
)
def stylise(
    request: HttpRequest, body: StyleIn, image_id: str = id_path()
) -> Status[VersionJobOut]:
    """A new version in the style of an installed artwork or of another of your images."""
    image = _ready(owned_image(request, image_id))
    if problem_text := ml_status(staff=api_user(request).is_staff)["style"]:
        raise HttpError(409, problem_text)
    try:
        version = stylise_enqueue(image=image, **body.model_dump())
    except ValueError as error:
        raise ApiError(422, str(error), [FieldError(field="artwork", message=str(error))]) from None
    return Status(202, _with_job(version, image))


@deep_router.post(
    "/images/{image_id}/recognise",
    response={202: JobOut, ERRORS: Problem},
    url_name="recognise",
)
def recognise(request: HttpRequest, image_id: str = id_path()) -> Status[JobOut]:
    """Recognise the objects again; the labels replace the old ones when the job is done."""
    image = _ready(owned_image(request, image_id))
    job = recognise_enqueue(image=image, force=True)
    if job is None:
        raise HttpError(
            409,
            ml_status(staff=api_user(request).is_staff)["recognition"]
            or "Recognition could not be queued.",
        )
    return Status(202, job_out(job))
