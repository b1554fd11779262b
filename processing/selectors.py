"""Reads of a user's versions and presets; every read is scoped to its owner."""

from bson import ObjectId
from django.db.models import QuerySet

from gallery.models import Image
from processing.models import Preset, Version


def version_get(*, owner_id: ObjectId, version_id: ObjectId) -> Version | None:
    return Version.objects.filter(owner_id=owner_id, pk=version_id).select_related("image").first()  # type: ignore[misc]


def version_list(*, image: Image) -> QuerySet[Version]:
    return Version.objects.filter(image=image).order_by("-created_at")


def version_ready_get(*, image: Image, version_id: ObjectId) -> Version | None:
    return Version.objects.filter(image=image, pk=version_id, status=Version.Status.READY).first()  # type: ignore[misc]


def preset_list(*, owner_id: ObjectId) -> QuerySet[Preset]:
    return Preset.objects.filter(owner_id=owner_id).order_by("name")


def preset_get(*, owner_id: ObjectId, preset_id: ObjectId) -> Preset | None:
    return Preset.objects.filter(owner_id=owner_id, pk=preset_id).first()  # type: ignore[misc]
