"""The images of the API: list (every gallery filter, order and cursor), get, upload, update,
favourite, archive, trash, restore, delete (for good), and their files; albums and their
images. The same selectors and services as the pages."""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import BaseModel, field_validator

from accounts.api import api_user
from gallery.library import (
    album_add,
    album_cover_set,
    album_create,
    album_delete,
    album_remove,
    album_update,
    images_archive,
    images_favourite,
    images_restore,
    images_trash,
)
from gallery.models import Album, Image
from gallery.selectors import (
    Cursor,
    GalleryFilter,
    album_get,
    album_list,
    facets_get,
    gallery_plan,
    image_first_page,
    image_get,
    image_page,
    images_owned,
)
from gallery.services import image_delete, image_update, upload_accept
from gallery.whenwhere import images_when_where_set, when_where_from
from imagesite.apitools import (
    ERRORS,
    OBJECT_ID,
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
album_router = Router(tags=["albums"])
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


class FaceOut(Schema):
    score: float
    box: list[float] = Field(description="x0, y0, x1, y1 relative to the image")


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
    face_count: int | None = Field(description="Faces found (null: not looked for yet)")
    faces: list[FaceOut]
    current_version_id: str | None
    album_ids: list[str]
    favourite: bool
    archived: bool
    trashed_at: datetime | None
    hidden_by_moderator: bool
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
        face_count=image.face_count,
        faces=[FaceOut(score=face.score, box=list(face.box)) for face in image.faces or []],
        current_version_id=oid(image.current_version_id),
        album_ids=[str(album_id) for album_id in image.album_ids or []],
        favourite=image.favourite,
        archived=image.archived,
        trashed_at=image.trashed_at,
        hidden_by_moderator=image.hidden,
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
    album: str = Field("", pattern=r"^([0-9a-fA-F]{24})?$", description="An album's id")
    favourite: bool = Field(False, description="Favourites only")
    archived: bool = Field(False, description="The archive instead of the library")
    trashed: bool = Field(False, description="The trash instead of the library (over archived)")
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
    if query.album and album_get(owner_id=owner_id, album_id=object_id(query.album)) is None:
        raise HttpError(404, "No such album.")
    visibility = "trash" if query.trashed else "archive" if query.archived else "library"
    filters = GalleryFilter(
        album=query.album.lower(),
        favourite=query.favourite,
        visibility=visibility,
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
    if cursor is not None:
        page = image_page(plan=plan, cursor=cursor, size=query.size)
        return page.images, page.following.format() if page.following else None, None, None
    page, count = image_first_page(plan=plan, facets=facets, size=query.size)
    following = page.following.format() if page.following else None
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


def _organise(
    request: HttpRequest, image_id: str, change: Callable[..., int], **values: bool
) -> ImageOut:
    image = owned_image(request, image_id)
    change(owner=api_user(request), image_ids=[image.pk], **values)
    return image_out(owned_image(request, image_id))


@router.post(
    "/{image_id}/favourite", response={200: ImageOut, ERRORS: Problem}, url_name="image_favourite"
)
def image_favourite(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    """Mark the image as a favourite (`favourite=true` lists them)."""
    return _organise(request, image_id, images_favourite, favourite=True)


@router.post(
    "/{image_id}/unfavourite",
    response={200: ImageOut, ERRORS: Problem},
    url_name="image_unfavourite",
)
def image_unfavourite(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    return _organise(request, image_id, images_favourite, favourite=False)


@router.post(
    "/{image_id}/archive", response={200: ImageOut, ERRORS: Problem}, url_name="image_archive"
)
def image_archive(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    """Move the image out of the library into the archive (`archived=true` lists it)."""
    return _organise(request, image_id, images_archive, archived=True)


@router.post(
    "/{image_id}/unarchive", response={200: ImageOut, ERRORS: Problem}, url_name="image_unarchive"
)
def image_unarchive(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    return _organise(request, image_id, images_archive, archived=False)


@router.post("/{image_id}/trash", response={200: ImageOut, ERRORS: Problem}, url_name="image_trash")
def image_trash(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    """Move the image to the trash (`trashed=true` lists it), as the pages' delete does: it is
    deleted for good after TRASH_DAYS, or with DELETE."""
    return _organise(request, image_id, images_trash)


@router.post(
    "/{image_id}/restore", response={200: ImageOut, ERRORS: Problem}, url_name="image_restore"
)
def image_restore(request: HttpRequest, image_id: str = id_path()) -> ImageOut:
    """Bring the image back from the trash, with its versions and albums."""
    return _organise(request, image_id, images_restore)


@router.delete("/{image_id}", response={204: None, ERRORS: Problem}, url_name="image_delete")
def image_remove(request: HttpRequest, image_id: str = id_path()) -> Status[None]:
    """Delete the image for good, with its versions and its files, in the trash or not (the
    pages' delete moves to the trash: POST .../trash)."""
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


# Albums -----------------------------------------------------------------------------------------


class AlbumOut(Schema):
    id: str
    name: str
    description: str
    cover_id: str | None
    count: int = Field(description="Images of the album in the library")
    created_at: datetime
    updated_at: datetime
    url: str
    images: str = Field(description="The album's images: the image list filtered by album")


class AlbumIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)


class AlbumPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    cover_id: str | None = Field(None, pattern=r"^[0-9a-fA-F]{24}$")


class ImageIds(BaseModel):
    ids: list[Annotated[str, Field(pattern=OBJECT_ID)]] = Field(min_length=1, max_length=1000)


class Changed(Schema):
    changed: int = Field(description="Images whose membership changed")


def album_out(album: Album, count: int | None = None) -> AlbumOut:
    if count is None:
        count = max(facets_get(owner_id=album.owner_id).counts.get(album.term, 0), 0)
    return AlbumOut(
        id=str(album.pk),
        name=album.name,
        description=album.description,
        cover_id=oid(album.cover_id),
        count=count,
        created_at=album.created_at,
        updated_at=album.updated_at,
        url=reverse("api:album_get", kwargs={"album_id": str(album.pk)}),
        images=f"{reverse('api:image_list')}?album={album.pk}",
    )


def owned_album(request: HttpRequest, album_id: str) -> Album:
    album = album_get(owner_id=api_user(request).pk, album_id=object_id(album_id))
    if album is None:
        raise HttpError(404, "No such album.")
    return album


def owned_images(request: HttpRequest, ids: list[str]) -> list[Image]:
    """The caller's images of a body's ids: 404 when one is not the caller's."""
    wanted = list(dict.fromkeys(object_id(value.lower()) for value in ids))
    images = images_owned(owner_id=api_user(request).pk, image_ids=wanted)
    if len(images) != len(wanted):
        raise HttpError(404, "No such image.")
    return images


@album_router.get("", response={200: list[AlbumOut], ERRORS: Problem}, url_name="album_list")
def albums_list(request: HttpRequest) -> list[AlbumOut]:
    """The caller's albums, the last changed first."""
    return [
        album_out(album, album.count)  # type: ignore[attr-defined]  # set by album_list
        for album in album_list(owner_id=api_user(request).pk)
    ]


@album_router.post("", response={201: AlbumOut, ERRORS: Problem}, url_name="album_create")
def albums_create(request: HttpRequest, body: AlbumIn) -> Status[AlbumOut]:
    try:
        album = album_create(owner=api_user(request), name=body.name, description=body.description)
    except ValidationError as error:
        raise invalid(error) from None
    return Status(201, album_out(album, 0))


@album_router.get("/{album_id}", response={200: AlbumOut, ERRORS: Problem}, url_name="album_get")
def albums_get(request: HttpRequest, album_id: str = id_path()) -> AlbumOut:
    return album_out(owned_album(request, album_id))


@album_router.patch(
    "/{album_id}", response={200: AlbumOut, ERRORS: Problem}, url_name="album_update"
)
def albums_patch(request: HttpRequest, body: AlbumPatch, album_id: str = id_path()) -> AlbumOut:
    """Rename, describe, or choose the cover (one of the album's images)."""
    album = owned_album(request, album_id)
    try:
        album_update(
            album=album,
            name=album.name if body.name is None else body.name,
            description=album.description if body.description is None else body.description,
        )
        if body.cover_id is not None:
            album_cover_set(album=album, image=owned_images(request, [body.cover_id])[0])
    except ValidationError as error:
        raise invalid(error) from None
    return album_out(album)


@album_router.delete("/{album_id}", response={204: None, ERRORS: Problem}, url_name="album_delete")
def albums_delete(request: HttpRequest, album_id: str = id_path()) -> Status[None]:
    """Delete the album; its images stay."""
    album_delete(album=owned_album(request, album_id))
    return Status(204, None)


@album_router.post(
    "/{album_id}/images", response={200: Changed, ERRORS: Problem}, url_name="album_images_add"
)
def albums_images_add(request: HttpRequest, body: ImageIds, album_id: str = id_path()) -> Changed:
    """Add the caller's images to the album (an image may be in many albums)."""
    album = owned_album(request, album_id)
    images = owned_images(request, body.ids)
    return Changed(changed=album_add(album=album, image_ids=[image.pk for image in images]))


@album_router.post(
    "/{album_id}/images/remove",
    response={200: Changed, ERRORS: Problem},
    url_name="album_images_remove",
)
def albums_images_remove(
    request: HttpRequest, body: ImageIds, album_id: str = id_path()
) -> Changed:
    """Take images out of the album (they stay in the library)."""
    album = owned_album(request, album_id)
    images = owned_images(request, body.ids)
    return Changed(changed=album_remove(album=album, image_ids=[image.pk for image in images]))
