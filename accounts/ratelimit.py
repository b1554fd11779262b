"""One limit on failed logins for every login form (allauth's and the admin's).

Attempts are counted per account (whatever name the attacker types for it: email, another of
its addresses or the username) and per client address, in the shared cache (Redis, or the
MongoDB cache of the database), so every web process sees the same counts. An attempt is counted
before the password is checked and taken back when it succeeds, so concurrent guesses can never
exceed the limit. The address limit is higher: several people behind one proxy must not lock
each other out, while one address still cannot sweep many accounts.
"""

import hashlib
import ipaddress
from contextlib import suppress
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.models import User


@dataclass(frozen=True)
class LoginAttempt:
    keys: tuple[str, ...]

    def succeeded(self) -> None:
        """A successful login does not count against the limits."""
        for key in self.keys:
            with suppress(ValueError):  # expired meanwhile
                cache.decr(key)


def login_attempt_start(*, request: HttpRequest, login: str) -> LoginAttempt | None:
    """Count an attempt to log in as `login`; None (and nothing counted) when the account or
    the client address is over its limit: refuse the attempt, even with the right password."""
    window = settings.LOGIN_FAILURE_WINDOW_S
    limits = (
        (_account_key(login), settings.LOGIN_FAILURES_PER_ACCOUNT),
        (_address_key(request), settings.LOGIN_FAILURES_PER_ADDRESS),
    )
    counted: list[str] = []
    for key, limit in limits:
        count = _hit(key, window)
        counted.append(key)
        if count > limit:
            LoginAttempt(tuple(counted)).succeeded()
            return None
    return LoginAttempt(tuple(counted))


def login_attempts_clear(*, login: str) -> None:
    """Forget the account's failures (after its password was reset through its email)."""
    cache.delete(_account_key(login))


def _hit(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    if count == 1:
        cache.touch(key, window)  # the window starts at the first failure
    return int(count)


def _account_key(login: str) -> str:
    login = login.strip()
    users = (
        filter_users_by_email(login)
        if "@" in login
        else list(User.objects.filter(username=login)[:1])
    )
    if users:
        return f"login-failures:account:{users[0].pk}"
    digest = hashlib.sha256(login.lower().encode()).hexdigest()  # an unknown name: itself
    return f"login-failures:name:{digest}"


def _address_key(request: HttpRequest) -> str:
    address = get_adapter(request).get_client_ip(request)
    with suppress(ValueError):
        ip = ipaddress.ip_address(address)
        if ip.version == 6:  # one host usually holds a whole /64
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return f"login-failures:address:{address}"
