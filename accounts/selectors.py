"""Reads of a user's access tokens; every read is scoped to its owner, but the one by secret."""

from bson import ObjectId
from django.db.models import QuerySet

from accounts.models import AccessToken
from accounts.services import TOKEN_PREFIX, token_hash


def token_list(*, owner_id: ObjectId) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(owner_id=owner_id).order_by("-created_at")


def token_get(*, owner_id: ObjectId, token_id: ObjectId) -> AccessToken | None:
    return AccessToken.objects.filter(owner_id=owner_id, pk=token_id).first()  # type: ignore[misc]


def token_find(*, secret: str) -> AccessToken | None:
    """The token with this secret (revoked and expired ones too: the caller says why not)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return AccessToken.objects.filter(token_hash=token_hash(secret)).select_related("owner").first()
