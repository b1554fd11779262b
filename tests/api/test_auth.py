"""Tokens and the session: who may read, who may write, and the answers when not."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessToken
from accounts.services import token_create, token_revoke
from accounts.tokens import token_hash
from tests.api.conftest import assert_problem, bearer

pytestmark = pytest.mark.django_db


def test_no_credentials_is_a_401_problem_naming_bearer(client) -> None:
    response = client.get("/api/images")
    body = assert_problem(response, 401)
    assert "Bearer" in response["WWW-Authenticate"]
    assert "token" in body["detail"]


def test_an_unknown_token_is_401_and_does_not_fall_back_to_the_session(client, user) -> None:
    client.force_login(user)
    assert_problem(client.get("/api/me", headers=bearer("iw_not-a-token")), 401)
    assert client.get("/api/me").status_code == 200


def test_a_token_reads_as_its_owner_and_records_its_use(client, user, token) -> None:
    response = client.get("/api/me", headers=token)
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["token"]["scope"] == "read-write"
    assert AccessToken.objects.get(owner=user).last_used_at is not None


def test_a_read_only_token_reads_but_is_refused_for_writes(client, read_token, image) -> None:
    assert client.get(f"/api/images/{image.pk}", headers=read_token).status_code == 200
    body = assert_problem(
        client.patch(
            f"/api/images/{image.pk}",
            {"title": "x"},
            content_type="application/json",
            headers=read_token,
        ),
        403,
    )
    assert "read-only" in body["detail"]
    assert_problem(client.delete(f"/api/images/{image.pk}", headers=read_token), 403)
    assert_problem(client.post("/api/analytics/recompute", headers=read_token), 403)
    image.refresh_from_db()
    assert image.title != "x"


def test_a_revoked_token_is_refused_for_reads_and_writes(client, user, image) -> None:
    made, secret = token_create(owner=user, name="gone", scope=AccessToken.Scope.READ_WRITE)
    token_revoke(token=made)
    assert "revoked" in assert_problem(client.get("/api/me", headers=bearer(secret)), 401)["detail"]
    assert_problem(client.delete(f"/api/images/{image.pk}", headers=bearer(secret)), 401)
    assert image.__class__.objects.filter(pk=image.pk).exists()


def test_an_expired_token_is_refused(client, user) -> None:
    made, secret = token_create(
        owner=user, name="old", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    AccessToken.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in assert_problem(client.get("/api/me", headers=bearer(secret)), 401)["detail"]


def test_only_the_hash_of_the_secret_is_stored(user) -> None:
    made, secret = token_create(owner=user, name="x", scope="read")
    stored = AccessToken.objects.get(pk=made.pk)
    assert stored.token_hash == token_hash(secret) != secret
    assert secret.startswith(stored.prefix)
    assert secret not in str(AccessToken.objects.filter(pk=made.pk).values().first())


def test_each_token_has_a_rate_limit_per_minute(client, settings, token, read_token) -> None:
    settings.API_RATE_PER_MINUTE = 3
    for _ in range(3):
        assert client.get("/api/me", headers=token).status_code == 200
    response = client.get("/api/me", headers=token)
    assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    assert client.get("/api/me", headers=read_token).status_code == 200  # its own counter


def test_the_session_reads_and_writes_with_csrf_only(user, image) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/images").status_code == 200
    patch = {"title": "From the browser"}
    refused = browser.patch(f"/api/images/{image.pk}", patch, content_type="application/json")
    assert_problem(refused, 403)
    browser.get(reverse("accounts:tokens"))  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.patch(
        f"/api/images/{image.pk}",
        patch,
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200
    assert response.json()["title"] == "From the browser"


def test_the_account_page_makes_a_token_shown_once_and_revokes_it(client, user) -> None:
    client.force_login(user)
    page = client.get(reverse("accounts:tokens"))
    assert page.status_code == 200
    assert reverse("api:openapi-view") in page.content.decode()
    response = client.post(
        reverse("accounts:tokens"), {"name": "phone", "scope": "read-write", "expires_on": ""}
    )
    made = AccessToken.objects.get(owner=user)
    body = response.content.decode()
    secret = re.search(r'value="(iw_[^"]+)"', body).group(1)
    assert secret.startswith(made.prefix)
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(reverse("accounts:tokens")).content.decode()
    assert client.get("/api/me", headers=bearer(secret)).status_code == 200
    client.post(reverse("accounts:token_revoke", args=[made.pk]))
    assert_problem(client.get("/api/me", headers=bearer(secret)), 401)


def test_the_account_page_refuses_an_expiry_in_the_past(client, user) -> None:
    client.force_login(user)
    response = client.post(
        reverse("accounts:tokens"), {"name": "x", "scope": "read", "expires_on": "2000-01-01"}
    )
    assert "after today" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_another_users_token_cannot_be_revoked(client, user, other_user) -> None:
    made, _ = token_create(owner=user, name="mine", scope="read")
    client.force_login(other_user)
    assert client.post(reverse("accounts:token_revoke", args=[made.pk])).status_code == 404
    assert AccessToken.objects.get(pk=made.pk).revoked_at is None
