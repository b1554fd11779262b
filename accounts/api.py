"""Who calls the API: a personal access token (`Authorization: Bearer`) or the browser session
(with CSRF for writes). A read-only token is refused for writes (403); every token has a rate
limit per minute, counted in Django's cache (429)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import AuthenticationError, AuthorizationError, Throttled
from ninja.security import APIKeyCookie, HttpBearer

from accounts.models import AccessToken, User
from accounts.selectors import token_find
from accounts.services import token_touch
from imagesite.apitools import ERRORS, Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RATE_WINDOW_S = 60


@dataclass(frozen=True)
class Principal:
    """The caller: a user, and the token it came with (None: the browser session)."""

    user: User
    token: AccessToken | None = None

    def __str__(self) -> str:  # the throttle's and the logs' key
        return f"token:{self.token.pk}" if self.token else f"session:{self.user.pk}"


class TokenAuth(HttpBearer):
    """`Authorization: Bearer iw_…`: unknown, revoked or expired is a 401; read-only writing is a
    403; over the rate a 429."""

    openapi_description = "A personal access token from the account page (API tokens)."

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        found = token_find(secret=token)
        if found is None or not found.owner.is_active:
            raise AuthenticationError(message="The token is not valid.")
        if found.revoked:
            raise AuthenticationError(message="The token has been revoked.")
        if found.expired:
            raise AuthenticationError(message="The token has expired.")
        _rate_check(found)
        if request.method not in SAFE_METHODS and not found.can_write:
            raise AuthorizationError(message="This token is read-only: it cannot change anything.")
        token_touch(token=found)
        return Principal(user=found.owner, token=found)


class SessionAuth(APIKeyCookie):
    """The signed-in browser: its session cookie, with Django's CSRF check on writes
    (the X-CSRFToken header the pages already send)."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The browser session; writes need the X-CSRFToken header."

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = request.user
        if key and isinstance(user, User) and user.is_active:
            return Principal(user=user)
        return None


def _rate_check(token: AccessToken) -> None:
    """A fixed window per token and minute: `add` then `incr` are atomic in Redis."""
    limit = settings.API_RATE_PER_MINUTE
    window = int(timezone.now().timestamp()) // RATE_WINDOW_S
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_S * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count > limit:
        raise Throttled(wait=RATE_WINDOW_S - int(timezone.now().timestamp()) % RATE_WINDOW_S)


def api_user(request: HttpRequest) -> User:
    """The user an authenticated API request acts for."""
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise AuthenticationError()
    return principal.user


router = Router(tags=["account"])


class TokenOut(Schema):
    name: str
    scope: str
    expires_at: datetime | None


class MeOut(Schema):
    id: str
    email: str
    username: str
    token: TokenOut | None


@router.get("/me", response={200: MeOut, ERRORS: Problem}, url_name="me")
def me(request: HttpRequest) -> MeOut:
    """Who the credentials belong to, and the token's scope."""
    principal = getattr(request, "auth", None)
    user = api_user(request)
    token = principal.token if isinstance(principal, Principal) else None
    return MeOut(
        id=str(user.pk),
        email=user.email,
        username=user.username,
        token=TokenOut(name=token.name, scope=token.scope, expires_at=token.expires_at)
        if token
        else None,
    )
