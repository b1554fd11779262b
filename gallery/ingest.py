"""Ingest: everything an image needs before the gallery shows it (metadata, hashes, renditions)."""

from datetime import UTC, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.utils import timezone

from gallery.imaging import ImageRejected, analyse_image
from gallery.models import Image
from gallery.places import place_at
from gallery.services import image_terms_refresh, renditions_delete
from gallery.storage import rendition_name

# raise when ingest produces something new: the sweep re-ingests older images
# (2: the time zone offset of the time taken, and the place named from the coordinates)
INGEST_VERSION = 2
MAX_INGEST_ATTEMPTS = 4
AFTER_INGEST_TASK = "processing.tasks.image_ingested_task"


def retry_delay(attempts: int) -> timedelta:
    """Backoff between automatic retries: 1, 4, 16 minutes..."""
    return timedelta(minutes=4 ** max(attempts - 1, 0))


def image_ingest(*, image: Image) -> Image:
    """Idempotent: running it again rewrites the same renditions and fields.

    An image deleted meanwhile (before or during the decode) ends it quietly, and the
    renditions it wrote are removed. A file past a decode limit fails for good: retrying
    would meet the same limit.
    """
    if not Image.objects.filter(pk=image.pk).update(status=Image.Status.PROCESSING):
        return image  # deleted before it started
    try:
        with default_storage.open(image.original.name, "rb") as file:
            analysis = analyse_image(
                file=file, sizes=settings.RENDITION_SIZES, phash=not image.phash
            )
        for size, rendition in analysis.renditions.items():
            name = rendition_name(owner_id=image.owner_id, sha256=image.sha256, size=size)
            default_storage.save(name, ContentFile(rendition.data))
            setattr(image, "thumbnail" if size == "thumb" else size, name)
    except Exception as error:
        final = isinstance(error, ImageRejected) and error.code == "decode_limit"
        attempts = MAX_INGEST_ATTEMPTS if final else image.ingest_attempts + 1
        if not Image.objects.filter(pk=image.pk).update(
            status=Image.Status.FAILED,
            error=f"{error}"[:1000] or type(error).__name__,
            ingest_attempts=attempts,
            retry_after=timezone.now() + retry_delay(attempts),
        ):  # deleted meanwhile (its original too): nothing left to fail
            renditions_delete(owner_id=image.owner_id, sha256=image.sha256)
            return image
        raise
    metadata = analysis.metadata
    image.exif = metadata.exif
    image.camera_make = metadata.camera_make or ""
    image.camera_model = metadata.camera_model or ""
    edited = set(image.edited or [])
    if "taken" not in edited:  # what the owner set by hand stays
        image.taken_at, image.taken_offset = _aware(metadata.taken_at), _offset(metadata.taken_at)
    if "location" not in edited:
        image.latitude, image.longitude = metadata.latitude, metadata.longitude
        place = place_at(metadata.latitude, metadata.longitude)
        image.place_city = place.city if place else ""
        image.place_region = place.region if place else ""
        image.place_country = place.country if place else ""
    image.width, image.height = metadata.width, metadata.height
    image.phash = image.phash or analysis.phash  # an import computed it already
    image.status, image.error = Image.Status.READY, ""
    image.ingest_version, image.retry_after = INGEST_VERSION, None
    try:
        image.save(update_fields=INGESTED_FIELDS)
    except DatabaseError:  # "did not affect any rows": deleted while it was decoded
        if Image.objects.filter(pk=image.pk).exists():
            raise
        renditions_delete(owner_id=image.owner_id, sha256=image.sha256)
        return image
    image_terms_refresh(image_id=image.pk)  # camera, format and taken date for the gallery
    # processing (above gallery) decides whether and how to recognise the new image
    current_app.send_task(AFTER_INGEST_TASK, args=[str(image.pk)])
    return image


INGESTED_FIELDS = [
    "thumbnail",
    "preview",
    "exif",
    "camera_make",
    "camera_model",
    "taken_at",
    "taken_offset",
    "latitude",
    "longitude",
    "place_city",
    "place_region",
    "place_country",
    "width",
    "height",
    "phash",
    "status",
    "error",
    "ingest_version",
    "retry_after",
]


def _aware(moment: datetime | None) -> datetime | None:
    """EXIF times carry no zone unless OffsetTime* says so: naive ones are stored as UTC."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=UTC)


def _offset(moment: datetime | None) -> int | None:
    """Minutes east of UTC of an EXIF time that had OffsetTime*; None for a naive one."""
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)
