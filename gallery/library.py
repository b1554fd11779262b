"""How an owner organises the library: albums, favourites, the archive and the trash.

Each change writes the image's own fields (`album_ids`, `favourite`, `archived`, `trashed_at`)
and then services.image_terms_refresh, which derives the terms and the visibility the gallery
reads through and moves the owner's facet counts: one path for every change.

The trash keeps everything (documents, versions, files); emptying it, or its expiry after
TRASH_DAYS (trash_expire, a beat job and `manage.py trash_expire`), deletes through
services.image_delete, the one path that removes an image with its versions and files.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from gallery.models import Album, Image, TermCount
from gallery.services import image_delete, image_terms_refresh
from imagesite.mongo import collection_for

EXPIRE_BATCH = 500  # images the expiry deletes in one run at most; the next run goes on


def _changed(
    *, owner_id: ObjectId, image_ids: Iterable[ObjectId], unless: dict[str, Any]
) -> list[ObjectId]:
    """The owner's images among `image_ids` whose fields are not already `unless` says."""
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        return []
    query = {"owner_id": owner_id, "_id": {"$in": ids}, "$nor": [unless]}
    return [doc["_id"] for doc in collection_for(Image).find(query, {"_id": 1})]


def _set(*, owner_id: ObjectId, image_ids: Iterable[ObjectId], values: dict[str, Any]) -> int:
    """Set fields of the owner's images (those that differ), then their terms and counts."""
    changed = _changed(owner_id=owner_id, image_ids=image_ids, unless=values)
    if changed:
        collection_for(Image).update_many(
            {"owner_id": owner_id, "_id": {"$in": changed}}, {"$set": values}
        )
    for image_id in changed:
        image_terms_refresh(image_id=image_id)
    return len(changed)


# Favourites, archive, trash ---------------------------------------------------------------------


def images_favourite(*, owner: User, image_ids: Iterable[ObjectId], favourite: bool) -> int:
    return _set(owner_id=owner.pk, image_ids=image_ids, values={"favourite": favourite})


def images_archive(*, owner: User, image_ids: Iterable[ObjectId], archived: bool) -> int:
    """Move images out of the library into the archive (still found there), or back."""
    return _set(owner_id=owner.pk, image_ids=image_ids, values={"archived": archived})


def images_trash(*, owner: User, image_ids: Iterable[ObjectId]) -> int:
    """Move images to the trash: out of every view but the trash, kept with their versions
    and files until restored, deleted for good, or TRASH_DAYS old."""
    ids = _changed(owner_id=owner.pk, image_ids=image_ids, unless={"trashed_at": {"$ne": None}})
    return _set(owner_id=owner.pk, image_ids=ids, values={"trashed_at": timezone.now()})


def images_restore(*, owner: User, image_ids: Iterable[ObjectId]) -> int:
    """Bring images back from the trash to where they were (library or archive), with their
    albums, versions and current version."""
    return _set(owner_id=owner.pk, image_ids=image_ids, values={"trashed_at": None})


def images_delete_forever(*, owner: User, image_ids: Iterable[ObjectId]) -> int:
    """Delete images of the trash for good (images not in the trash are left alone)."""
    images = Image.objects.filter(owner=owner, pk__in=list(image_ids), trashed_at__isnull=False)
    return _delete(images)


def trash_empty(*, owner: User) -> int:
    return _delete(Image.objects.filter(owner=owner, trashed_at__isnull=False))


def trash_expire(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete for good every image trashed more than TRASH_DAYS ago, with its versions and
    files (the beat job and `manage.py trash_expire`). Safe to run twice at once: an image
    already deleted is skipped."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TRASH_DAYS if days is None else days)
    found = (
        collection_for(Image).find({"trashed_at": {"$lt": cutoff}}, {"_id": 1}).limit(EXPIRE_BATCH)
    )
    return _delete(Image.objects.filter(pk__in=[doc["_id"] for doc in found]))


def _delete(images: Iterable[Image]) -> int:
    count = 0
    for image in images:
        image_delete(image=image)
        count += 1
    return count


# Albums -----------------------------------------------------------------------------------------


def album_create(*, owner: User, name: str, description: str = "") -> Album:
    album = Album(owner=owner, name=name.strip(), description=description.strip())
    album.full_clean(exclude=["cover"])
    album.save()
    return album


def album_update(*, album: Album, name: str, description: str) -> Album:
    album.name, album.description = name.strip(), description.strip()
    album.updated_at = timezone.now()
    album.full_clean(exclude=["cover"])
    album.save(update_fields=["name", "description", "updated_at"])
    return album


def album_delete(*, album: Album) -> None:
    """Delete the album; its images stay where they are (in the library, archive or trash)."""
    members = [
        doc["_id"]
        for doc in collection_for(Image).find(
            {"owner_id": album.owner_id, "album_ids": album.pk}, {"_id": 1}
        )
    ]
    collection_for(Image).update_many({"_id": {"$in": members}}, {"$pull": {"album_ids": album.pk}})
    for image_id in members:
        image_terms_refresh(image_id=image_id)
    TermCount.objects.filter(owner_id=album.owner_id, term=album.term).delete()
    album.delete()


def album_add(*, album: Album, image_ids: Iterable[ObjectId]) -> int:
    """Add the owner's images to the album (an image may be in many); the first one added to
    an album without a cover becomes its cover."""
    ids = _changed(owner_id=album.owner_id, image_ids=image_ids, unless={"album_ids": album.pk})
    if ids:
        collection_for(Image).update_many(
            {"_id": {"$in": ids}}, {"$addToSet": {"album_ids": album.pk}}
        )
    for image_id in ids:
        image_terms_refresh(image_id=image_id)
    if ids and album.cover_id is None:
        album.cover_id = ids[0]
    _touch(album)
    return len(ids)


def album_remove(*, album: Album, image_ids: Iterable[ObjectId]) -> int:
    """Take images out of the album (they stay in the library)."""
    ids = list(image_ids)
    found = [
        doc["_id"]
        for doc in collection_for(Image).find(
            {"owner_id": album.owner_id, "_id": {"$in": ids}, "album_ids": album.pk}, {"_id": 1}
        )
    ]
    if found:
        collection_for(Image).update_many(
            {"_id": {"$in": found}}, {"$pull": {"album_ids": album.pk}}
        )
    for image_id in found:
        image_terms_refresh(image_id=image_id)
    if album.cover_id in found:
        album.cover = None
    _touch(album)
    return len(found)


def album_cover_set(*, album: Album, image: Image) -> None:
    if image.owner_id != album.owner_id or album.pk not in (image.album_ids or []):
        raise ValidationError("Only an image of the album can be its cover.", code="cover")
    album.cover = image
    _touch(album)


def _touch(album: Album) -> None:
    album.updated_at = timezone.now()
    album.save(update_fields=["cover", "updated_at"])
