"""Where each file of a user lives in the media storage: MEDIA_ROOT/<user>/<kind>/..."""

from bson import ObjectId


def original_name(*, owner_id: ObjectId, sha256: str, extension: str) -> str:
    """Content-addressed: the same bytes always get the same name."""
    return f"{owner_id}/originals/{sha256[:2]}/{sha256}{extension}"


def rendition_name(*, owner_id: ObjectId, sha256: str, size: str) -> str:
    return f"{owner_id}/renditions/{sha256[:2]}/{sha256}_{size}.webp"


def version_name(*, owner_id: ObjectId, version_id: ObjectId, suffix: str) -> str:
    return f"{owner_id}/versions/{version_id}{suffix}"


def version_rendition_name(*, owner_id: ObjectId, version_id: ObjectId, size: str) -> str:
    """A version's WebP rendition ("thumb", "preview"), named by the version alone."""
    return version_name(owner_id=owner_id, version_id=version_id, suffix=f"_{size}.webp")
