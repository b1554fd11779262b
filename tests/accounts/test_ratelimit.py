"""One login limiter: allauth's form and the admin's, per account and per address, in a cache
that every process shares (Redis here; the MongoDB cache without Redis)."""

import subprocess
import sys

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.conftest import BASE_DIR, worker_env
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase-1"
MONGO_CACHE = {"default": {"BACKEND": "imagesite.cache.MongoDBCache", "LOCATION": "django_cache"}}

# Another Python process: three wrong logins for the account through allauth's form.
THREE_FAILURES = """
import django; django.setup()
from django.test import Client
client = Client()
for _ in range(3):
    response = client.post("/accounts/login/", {"login": "%s", "password": "wrong"})
    assert "not correct" in response.content.decode(), response.status_code
"""


def _login(client: Client, email: str, password: str) -> str:
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return response.content.decode()


def _admin_login(client: Client, username: str, password: str):  # noqa: ANN202
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )


def _other_process_fails_three_times(mongodb_uri: str, email: str, **env: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", THREE_FAILURES % email],
        cwd=BASE_DIR,
        env=worker_env(mongodb_uri=mongodb_uri, DJANGO_ALLOWED_HOSTS="testserver", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("backend", ["redis", "mongodb"])
def test_failures_in_another_process_count_here(backend, client, mongodb_uri, settings) -> None:
    """Three failures there and two here use up the five: the right password is refused."""
    env = {}
    if backend == "mongodb":
        settings.CACHES = MONGO_CACHE
        env = {"CACHE_URL": "", "REDIS_URL": ""}
        caches["default"].clear()
    user = UserFactory()
    _other_process_fails_three_times(mongodb_uri, user.email, **env)
    for _ in range(2):
        assert "not correct" in _login(client, user.email, "wrong")
    assert "Too many failed login attempts" in _login(client, user.email, PASSWORD)
    assert client.get(reverse("gallery:upload")).status_code == 302


def test_the_admin_login_is_limited_and_shares_the_accounts_count(client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(3):
        assert "not correct" in _login(client, admin.email, "wrong")  # allauth's form
    for _ in range(2):
        response = _admin_login(client, admin.username, "wrong")
        assert response.status_code == 200
    response = _admin_login(client, admin.username, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_forty_wrong_admin_passwords_do_not_let_the_right_one_in(client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(40):
        _admin_login(client, admin.username, "wrong")
    response = _admin_login(client, admin.username, PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()


def test_a_successful_login_does_not_count(client) -> None:
    user = UserFactory()
    for _ in range(10):
        client.logout()
        assert (
            client.post(
                reverse("account_login"), {"login": user.email, "password": PASSWORD}
            ).status_code
            == 302
        )


def test_one_address_guessing_many_accounts_is_stopped(client, settings) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    users = [UserFactory() for _ in range(3)]
    for user in users:
        for _ in range(3):
            _login(client, user.email, "wrong")  # 9 failures from this address
    victim = UserFactory()
    assert "Too many failed login attempts" in _login(client, victim.email, PASSWORD)


def test_users_behind_one_address_do_not_lock_each_other_out(client) -> None:
    locked, other = UserFactory(), UserFactory()
    for _ in range(6):
        _login(client, locked.email, "wrong")
    assert "Too many failed login attempts" in _login(client, locked.email, PASSWORD)
    response = client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302
