"""A version whose output can't be stored (a disk that refuses writes) fails with a message and
is rendered again by the sweep once the disk takes writes again; the upload page refuses a file
it can't store, keeping nothing."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gallery.models import Image
from gallery.services import STORAGE_FAILED, image_create
from jobs.models import Job
from processing.models import Version
from processing.recipes import recipe_validate
from processing.versions import (
    RETRY_AFTER,
    StorageUnavailable,
    edit_create,
    edit_render,
    version_run,
    versions_sweep,
)
from tests.factories import UserFactory, ready_image

pytestmark = pytest.mark.django_db


def _block(folder: Path) -> None:
    """A file where the folder should be: writes fail for root too (chmod would not stop it)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")


def test_a_version_that_cannot_be_stored_is_rendered_again_by_the_sweep(
    corpus, settings, redis_url
) -> None:
    user = UserFactory()
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    version = edit_create(image=image, steps=recipe_validate([{"op": "sepia"}]))
    versions = Path(settings.MEDIA_ROOT) / str(user.pk) / "versions"
    _block(versions)
    with pytest.raises(StorageUnavailable):
        version_run(version_id=str(version.pk), render=edit_render)
    version.refresh_from_db()
    assert version.status == Version.Status.FAILED
    assert "tried again later" in version.error
    assert versions_sweep() == 0  # not before the backoff
    versions.unlink()
    assert versions_sweep(now=timezone.now() + RETRY_AFTER * 2) == 1
    version.refresh_from_db()
    assert (version.status, version.attempts) == (Version.Status.PENDING, 1)
    assert Job.objects.filter(image=image, kind=Job.Kind.RENDER).count() == 2
    version_run(version_id=str(version.pk), render=edit_render)
    version.refresh_from_db()
    assert version.status == Version.Status.READY
    assert (Path(settings.MEDIA_ROOT) / version.file.name).is_file()


def test_a_render_that_fails_for_another_reason_is_not_tried_again(corpus, redis_url) -> None:
    image = ready_image(UserFactory(), corpus / "exif/gps/DSCN0010.jpg")
    version = edit_create(image=image, steps=recipe_validate([{"op": "sepia"}]))

    def broken(version: Version) -> None:
        raise ValueError("a bad recipe")

    with pytest.raises(ValueError, match="a bad recipe"):
        version_run(version_id=str(version.pk), render=broken)  # type: ignore[arg-type]
    assert Version.objects.get(pk=version.pk).retry_after is None
    assert versions_sweep(now=timezone.now() + RETRY_AFTER * 100) == 0


def test_an_upload_the_disk_refuses_gets_a_message_and_leaves_nothing(
    corpus, settings, redis_url
) -> None:
    user = UserFactory()
    _block(Path(settings.MEDIA_ROOT) / str(user.pk))
    data = (corpus / "exif/gps/DSCN0010.jpg").read_bytes()
    with pytest.raises(ValidationError) as caught:
        image_create(owner=user, file=SimpleUploadedFile("a.jpg", data), name="a.jpg")
    assert caught.value.messages == [STORAGE_FAILED]
    assert not Image.objects.exists()
    assert not Job.objects.exists()
