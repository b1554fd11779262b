"""Invitations, email addresses attached only once their owner proved they read them, and
personal access tokens (made with the secret shown once, used, revoked)."""

import secrets
from datetime import datetime, timedelta

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessToken, Invitation, User
from accounts.selectors import email_owner
from accounts.tokens import TOKEN_PREFIX, token_hash

ATTACH_SALT = "accounts.email-attach"
ATTACH_MAX_AGE_S = 3 * 24 * 3600
TAKEN = "This address belongs to another account."


def invitation_create(*, request: HttpRequest, email: str, invited_by: User) -> Invitation:
    invitation = Invitation(email=email.strip().lower(), invited_by=invited_by)
    invitation.token = secrets.token_urlsafe(32)
    invitation.full_clean()
    invitation.save()
    invitation_send(request=request, invitation=invitation)
    return invitation


def invitation_send(*, request: HttpRequest, invitation: Invitation) -> None:
    url = request.build_absolute_uri(reverse("accounts:invitation", args=[invitation.token]))
    days = settings.INVITATION_VALID_DAYS
    context = {"invitation": invitation, "invitation_url": url, "request": request, "days": days}
    get_adapter(request).send_mail("account/email/invitation", invitation.email, context)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


def invitation_accept(*, invitation: Invitation, user: User) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def email_claims_release(*, email: str) -> int:
    """Drop unverified secondary addresses equal to email (claims never proved, possibly by a
    squatter, from before addresses were verified first): they must not stop the owner's
    sign-up or receive their password reset. Returns how many were dropped."""
    claims = EmailAddress.objects.filter(email__iexact=email.strip(), verified=False, primary=False)
    deleted, _ = claims.delete()
    return deleted


def email_attach_send(*, request: HttpRequest, user: User, email: str) -> None:
    """Mail a link to email; the address joins user's account only when the link is opened."""
    token = signing.dumps({"user": str(user.pk), "email": email.lower()}, salt=ATTACH_SALT)
    url = request.build_absolute_uri(reverse("accounts:email_attach", args=[token]))
    context = {"user": user, "email": email, "attach_url": url, "request": request}
    get_adapter(request).send_mail("account/email/email_attach", email, context)


def email_attach(*, user: User, token: str) -> EmailAddress:
    """Attach the address of a link email_attach_send mailed, verified; ValidationError when
    the link is bad, expired, another user's, or the address now belongs to someone else."""
    try:
        data = signing.loads(token, salt=ATTACH_SALT, max_age=ATTACH_MAX_AGE_S)
    except signing.BadSignature:
        raise ValidationError("This link is invalid or has expired.") from None
    if data.get("user") != str(user.pk):
        raise ValidationError("This link was sent for another account.")
    email = str(data["email"])
    owner = email_owner(email=email)
    if owner is not None and owner.pk != user.pk:
        raise ValidationError(TAKEN)
    email_claims_release(email=email)
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True}
    )
    return address


TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_create(
    *, owner: User, name: str, scope: str, expires_at: datetime | None = None
) -> tuple[AccessToken, str]:
    """A new token and its secret, which is stored only as its sha256 and never shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        owner=owner,
        name=name.strip()[:100] or "API token",
        scope=scope,
        token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, secret


def token_revoke(*, token: AccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_touch(*, token: AccessToken) -> None:
    """Record the use, at most once a minute: not a write on every request."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
