"""Personal access tokens: made (the secret shown once), used, revoked."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import AccessToken, User

TOKEN_PREFIX = "iw_"  # noqa: S105 - makes a leaked token easy to recognise (secret scanners, logs)
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
