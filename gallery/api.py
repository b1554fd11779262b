"""The images of the API: list (every gallery filter, order and cursor), get, upload, update,
delete, and their files. The same selectors and services as the pages."""

import re
from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import BaseModel, field_validator

from accounts.api import api_user
from gallery.models import Image
from gallery.selectors import (
    Cursor,
    GalleryFilter,
    facets_get,
    gallery_plan,
    image_count,
    image_get,
    image_page,
)
from gallery.services import image_delete, image_update, upload_accept
from gallery.whenwhere import images_when_where_set, when_where_from
from imagesite.apitools import (
    ERRORS,
    ApiError,
    FieldError,
    Problem,
    id_path,
    invalid,
    object_id,
    oid,
)
from imagesite.media import private_file_response

router = Router(tags=["images"])
FILE_FIELDS = {"original": "original", "thumbnail": "thumbnail", "preview": "preview"}
BINARY = {
    "200": {
        "description": "The file's bytes",
        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}
# merged into what ninja documents: at least one file
UPLOAD_BODY = {
    "content": {"multipart/form-data": {"schema": {"properties": {"files": {"minItems": 1}}}}}
}


class DetectionOut(Schema):
    label: str
    score: float
    box: list[float]


class PlaceOut(Schema):
    city: str
    region: str
    country: str
    filter: str = Field(description="The `place` filter's value of the city")


class ImageOut(Schema):
    id: str
    title: str
    description: str
    tags: list[str]
    original_name: str
    format: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    status: str
    error: str
    uploaded_at: datetime
    taken_at: datetime | None
    taken_offset: str | None = Field(description="The photo's offset from UTC, +HH:MM")
    camera_make: str
    camera_model: str
    camera: str
    latitude: float | None
    longitude: float | None
    place: PlaceOut | None
    source: str
    source_url: str
    labels: list[str]
    detections: list[DetectionOut]
    current_version_id: str | None
    files: dict[str, str | None]
    url: str


def image_out(image: Image) -> ImageOut:
    files = {
        kind: reverse("api:image_file", kwargs={"image_id": str(image.pk), "kind": kind})
        if getattr(image, field).name
        else None
        for kind, field in FILE_FIELDS.items()
    }
    return ImageOut(
        id=str(image.pk),
        title=image.title,
        description=image.description,
        tags=list(image.tags or []),
        original_name=image.original_name,
        format=image.format,
        width=image.width,
        height=image.height,
        size_bytes=image.size_bytes,
        sha256=image.sha256,
        status=image.status,
        error=image.error,
        uploaded_at=image.uploaded_at,
        taken_at=image.taken_at,
        taken_offset=image.taken_offset_label.removeprefix("UTC") or None,
        camera_make=image.camera_make,
        camera_model=image.camera_model,
        camera=image.camera,
        latitude=image.latitude,
        longitude=image.longitude,
        place=PlaceOut(
            city=image.place_city,
            region=image.place_region,
            country=image.place_country,
            filter=image.place_path,
        )
        if image.place_country
        else None,
        source=image.source,
        source_url=image.source_url,
        labels=image.labels,
        detections=[
            DetectionOut(label=item.label, score=item.score, box=list(item.box))
            for item in image.detections or []
        ],
        current_version_id=oid(image.current_version_id),
        files=files,
        url=reverse("api:image_get", kwargs={"image_id": str(image.pk)}),
    )


def owned_image(request: HttpRequest, image_id: str) -> Image:
    """The caller's image; another user's looks absent (404), as on the pages."""
    image = image_get(owner_id=api_user(request).pk, image_id=object_id(image_id))
    if image is None:
        raise HttpError(404, "No such image.")
    return image


# List -------------------------------------------------------------------------------------------

CURSOR = r"^((\d{1,14}|-\d{1,13})\.[0-9a-fA-F]{24}\.\d{1,16})?$"  # selectors.Cursor.format
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# days beyond these are read as these: the windows of the selectors stay within datetime's range
EARLIEST_DAY, LATEST_DAY = date(1000, 1, 1), date(9000, 12, 31)


class ImageQuery(Schema):
    q: str = Field("", max_length=200, description="Words of the title, tags, labels, camera")
    format: str = Field("", max_length=10, description="JPEG, PNG, WEBP, GIF, TIFF, BMP, HEIF…")
    source: Literal["", "upload", "scrape"] = ""
    label: str = Field("", max_length=100, description="A recognised object, e.g. dog")
    tag: str = Field("", max_length=50)
    place: str = Field(
        "", max_length=400, description="Country, Country/Region or Country/Region/City"
    )
    date_from: date | None = None
    date_to: date | None = None
    sort: Literal["uploaded", "uploaded_asc", "taken", "taken_asc"] = "uploaded"
    after: str = Field("", pattern=CURSOR, description="The `next` cursor of the page before")
    size: int = Field(48, ge=1, le=200)

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_day(cls, value: object) -> object:
        if value is not None and not (isinstance(value, str) and ISO_DAY.match(value)):
            raise ValueError("a day as YYYY-MM-DD")
        return value


class ImagePage(Schema):
    items: list[ImageOut]
    next: str | None = Field(description="Cursor of the next page (None: this is the last)")
    count: int | None = Field(description="Matches, on the first page only")
    count_exact: bool | None = Field(description="False: more than `count`")


def gallery_read(
    *, request: HttpRequest, query: ImageQuery
) -> tuple[list[Image], str | None, int | None, bool | None]:
    """Every call into the gallery's selectors for a list, in one place (as the page makes
    them): the page of images, the next cursor, and the count on the first page."""
    owner_id = api_user(request).pk
    cursor = Cursor.parse(query.after) if query.after else None
    if query.after and cursor is None:
        raise HttpError(422, "The cursor `after` is not one this API gave.")
    filters = GalleryFilter(
        q=query.q,
        format=query.format,
        source=query.source,
        label=query.label,
        tag=query.tag,
        place=query.place,
        date_from=_within(query.date_from),
        date_to=_within(query.date_to),
        sort=query.sort,
    )
    facets = facets_get(owner_id=owner_id)
    plan = gallery_plan(owner_id=owner_id, filters=filters, facets=facets)
    page = image_page(plan=plan, cursor=cursor, size=query.size)
    following = page.following.format() if page.following else None
    if cursor is not None:
        return page.images, following, None, None
    count = image_count(plan=plan, facets=facets)
    return page.images, following, count.number, count.exact


def _within(day: date | None) -> date | None:
    return None if day is None else min(max(day, EARLIEST_DAY), LATEST_DAY)


@router.get("", response={200: ImagePage, ERRORS: Problem}, url_name="image_list")
def image_list(request: HttpRequest, query: Query[ImageQuery]) -> ImagePage:
    """The gallery: filter, order, and page with `after=<next>`."""
    images, following, count, exact = gallery_read(request=request, query=query)
    return ImagePage(
        items=[image_out(image) for image in images], next=following, count=count, count_exact=exact
    )


# Upload -----------------------------------------------------------------------------------------


class UploadOut(Schema):
    name: str
    outcome: Literal["stored", "duplicate", "refused"]
    message: str
    image: ImageOut | None


class UploadsOut(Schema):
    results: list[UploadOut]


@router.post(
    "",
    response={201: UploadsOut, 200: UploadsOut, ERRORS: Problem},
    openapi_extra={"requestBody": UPLOAD_BODY},
    url_name="image_upload",
)
def image_upload(request: HttpRequest, files: File[list[UploadedFile]]) -> Status[UploadsOut]:
    """Upload one or several files (multipart, field `files`), checked by content like the
    upload page. 201 when one is new, 200 when all were already there, 400 when all were
    refused; processing goes on in the background (`status` of each image)."""
    results = upload_accept(owner=api_user(request), files=list(files))
    if all(result.outcome == "refused" for result in results):
        errors = [FieldError(field=f"files.{r.name}", message=r.message) for r in results]
        raise ApiError(400, "No file was accepted.", errors)
    out = UploadsOut(
        results=[
            UploadOut(
                name=result.name,
                outcome=result.outcome,  # type: ignore[arg-type]  # one of the three
                message=result.message,
                image=image_out(result.image) if result.image else None,
            )
            for result in results
        ]
    )
    return Status(201 if any(r.outcome == "stored" for r in results) else 200, out)


# One image --------------------------------------------------------------------------------------


@router.get("/{image_id}", response={200: ImageOut, ERRORS: Problem}, url_name="image_get")
def image_detail(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    return image_out(owned_image(request, image_id))


class ImagePatch(BaseModel):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    tags: list[str] | None = Field(None, max_length=100)
    taken_at: datetime | None = Field(
        None, description="When it was taken; with an offset it is kept as the photo's zone"
    )
    taken_offset: str | None = Field(
        None, max_length=10, description="+HH:MM, for a naive taken_at"
    )
    latitude: float | None = None
    longitude: float | None = None
    place: str | None = Field(
        None, max_length=200, description='A place\'s name ("Arezzo, Italy"): its coordinates'
    )
    clear_location: bool = False

    @field_validator("taken_at", mode="before")
    @classmethod
    def _iso_time(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):  # lax mode took numbers too
            raise ValueError("a time as an ISO 8601 string")
        return value

    @field_validator("clear_location", mode="before")
    @classmethod
    def _boolean(cls, value: object) -> object:
        if not isinstance(value, bool):  # not 0, 1 or "yes"
            raise ValueError("true or false")
        return value


@router.patch("/{image_id}", response={200: ImageOut, ERRORS: Problem}, url_name="image_update")
def image_patch(request: HttpRequest, body: ImagePatch, image_id: str = id_path()) -> ImageOut:
    """Change the title, description, tags, time taken or location (coordinates, or a place
    by name from the offline gazetteer); fields left out keep their value."""
    image = owned_image(request, image_id)
    try:
        change = when_where_from(
            taken_at=body.taken_at,
            taken_offset=body.taken_offset or "",
            latitude=body.latitude,
            longitude=body.longitude,
            place=body.place or "",
            clear_location=body.clear_location,
        )
        image_update(
            image=image,
            title=image.title if body.title is None else body.title,
            description=image.description if body.description is None else body.description,
            tags=list(image.tags or []) if body.tags is None else body.tags,
        )
    except ValidationError as error:
        raise invalid(error) from None
    if change.set_taken or change.set_location:
        images_when_where_set(owner_id=image.owner_id, image_ids=[image.pk], change=change)
        image = owned_image(request, image_id)
    return image_out(image)


@router.delete("/{image_id}", response={204: None, ERRORS: Problem}, url_name="image_delete")
def image_remove(request: HttpRequest, image_id: str = id_path()) -> Status[None]:
    """Delete the image, its versions and its files."""
    image_delete(image=owned_image(request, image_id))
    return Status(204, None)


@router.get(
    "/{image_id}/files/{kind}",
    response={ERRORS: Problem},
    openapi_extra={"responses": BINARY},
    url_name="image_file",
)
def image_file(
    request: HttpRequest,
    kind: Literal["original", "thumbnail", "preview"],
    image_id: str = id_path(),
    download: bool = False,
) -> HttpResponseBase:
    """The original, or a rendition once ingest made it (404 before), streamed."""
    image = owned_image(request, image_id)
    name = getattr(image, FILE_FIELDS[kind]).name
    if not name:
        raise HttpError(404, f"The {kind} is not made yet.")
    return private_file_response(
        name=name,
        download_name=image.original_name if kind == "original" else "",
        as_attachment=download,
    )
