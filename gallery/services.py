"""Changes to a user's images: create from an upload or an import, update, delete."""

import logging
from dataclasses import dataclass
from typing import IO

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError

from accounts.models import User
from gallery.imaging import ImageRejected, inspect_image
from gallery.ingest import renditions_delete
from gallery.models import Image
from gallery.storage import original_name
from jobs.models import Job
from jobs.services import job_record, job_send, jobs_supersede

INGEST_TASK = "gallery.tasks.image_ingest_task"  # by name: the task module imports this one
STORAGE_FAILED = (
    "The server could not store the file (its storage is not writable), so nothing was kept. "
    "Please try again later."
)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadResult:
    name: str
    outcome: str  # "stored", "duplicate" or "refused"
    message: str
    image: Image | None = None


def image_create(
    *,
    owner: User,
    file: IO[bytes],
    name: str,
    source: str = Image.Source.UPLOAD,
    source_url: str = "",
    source_page: str = "",
    scrape_run_id: ObjectId | None = None,
    phash: str = "",
) -> tuple[Image, bool]:
    """Check the bytes, write the original, record the ingest job, write the document, then
    send the job: a crash leaves an orphan file (the orphans sweep removes it) or a job the jobs
    sweep sends, never a document without its file or its job.

    Returns the image and whether it is new; an exact duplicate of one of the owner's images
    returns that image. Raises ValidationError with a message for the user; a refused file
    leaves nothing behind.
    """
    try:
        info = inspect_image(
            file=file, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS
        )
    except ImageRejected as error:
        raise ValidationError(str(error), code="rejected") from None
    if existing := Image.objects.filter(owner=owner, sha256=info.sha256).first():
        return existing, False
    image = Image(
        owner=owner,
        source=source,
        source_url=source_url,
        source_page=source_page,
        scrape_run_id=scrape_run_id,  # type: ignore[misc]  # an ObjectId, which the stubs ignore
        phash=phash,
        sha256=info.sha256,
        format=info.format,
        width=info.width,
        height=info.height,
        size_bytes=info.size_bytes,
        original_name=name[:255],
        title=_title_from(name),
    )
    file.seek(0)
    try:
        image.original.save(
            original_name(owner_id=owner.pk, sha256=info.sha256, extension=info.extension),
            File(file),
            save=False,
        )
    except OSError as error:
        logger.error("could not store an original: %s", error)
        raise ValidationError(STORAGE_FAILED, code="storage") from None
    image.pk = ObjectId()
    job = _ingest_job(image)
    try:
        image.save(force_insert=True)
    except IntegrityError:  # the same file uploaded twice at once: the other request won
        job.delete()
        return Image.objects.get(owner=owner, sha256=info.sha256), False
    job_send(job=job)
    return image, True


def image_ingest_enqueue(*, image: Image) -> Job:
    """Queue the ingest again (the sweep): the unfinished jobs it replaces end."""
    jobs_supersede(image_id=image.pk, kind=Job.Kind.INGEST)
    job = _ingest_job(image)
    job_send(job=job)
    return job


def _ingest_job(image: Image) -> Job:
    return job_record(
        task=INGEST_TASK,
        kind=Job.Kind.INGEST,
        owner_id=image.owner_id,
        image_id=image.pk,
        args=(str(image.pk),),
    )


def upload_accept(*, owner: User, files: list[UploadedFile]) -> list[UploadResult]:
    results = []
    for upload in files:
        name = upload.name or "unnamed"
        try:
            image, created = image_create(owner=owner, file=upload, name=name)
        except ValidationError as error:
            results.append(UploadResult(name, "refused", " ".join(error.messages)))
            continue
        if created:
            results.append(UploadResult(name, "stored", "Added to your gallery.", image))
        else:
            results.append(
                UploadResult(name, "duplicate", "Already in your gallery: not stored twice.", image)
            )
    return results


def image_update(*, image: Image, title: str, description: str, tags: list[str]) -> Image:
    image.title = title
    image.description = description
    image.tags = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    image.full_clean(exclude=["original", "thumbnail", "preview", "detections"])
    image.save(update_fields=["title", "description", "tags"])
    return image


def image_files(*, image: Image) -> list[str]:
    """Every stored file that belongs to the image: original, renditions, versions, masks."""
    names = [image.original.name, image.thumbnail.name, image.preview.name]
    for file_name, mask_name in image.versions.values_list("file", "mask"):
        names += [file_name, mask_name]
    return [name for name in names if name]


def image_delete(*, image: Image) -> None:
    """Delete the documents first, then the files (a crash in between leaves orphan files for
    the orphan sweep, never a document pointing at missing files)."""
    names = image_files(image=image)
    Image.objects.filter(pk=image.pk).update(current_version=None)
    image.versions.all().delete()
    Job.objects.filter(image=image).delete()
    image.delete()
    for name in names:
        default_storage.delete(name)
    # an ingest running now may have written renditions the document does not name yet
    renditions_delete(owner_id=image.owner_id, sha256=image.sha256)


def images_delete(*, owner: User, image_ids: list[ObjectId]) -> int:
    images = list(Image.objects.filter(owner=owner, pk__in=image_ids))
    for image in images:
        image_delete(image=image)
    return len(images)


def _title_from(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem.replace("_", " ").replace("-", " ").strip()[:200]
