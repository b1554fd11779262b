"""Reads of accounts: addresses, invitations, and a user's access tokens (every read of those is
scoped to its owner, but the one by secret)."""

from allauth.account.models import EmailAddress
from bson import ObjectId
from django.db.models import Q, QuerySet

from accounts.models import AccessToken, Invitation, User
from accounts.tokens import TOKEN_PREFIX, token_hash


def email_owner(*, email: str) -> User | None:
    """The account an address belongs to: verified on it, or the address it signed up with.
    An unverified secondary address is only a claim and belongs to nobody."""
    email = email.strip().lower()
    address = (
        EmailAddress.objects.filter(Q(verified=True) | Q(primary=True), email__iexact=email)
        .select_related("user")
        .first()
    )
    if address is not None:
        user: User = address.user
        return user
    return User.objects.filter(email__iexact=email).first()


def invitation_get_usable(*, token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token=token).first() if token else None
    return invitation if invitation is not None and invitation.is_usable else None


def token_list(*, owner_id: ObjectId) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(owner_id=owner_id).order_by("-created_at")


def token_get(*, owner_id: ObjectId, token_id: ObjectId) -> AccessToken | None:
    return AccessToken.objects.filter(owner_id=owner_id, pk=token_id).first()  # type: ignore[misc]


def token_find(*, secret: str) -> AccessToken | None:
    """The token with this secret (revoked and expired ones too: the caller says why not)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return AccessToken.objects.filter(token_hash=token_hash(secret)).select_related("owner").first()
