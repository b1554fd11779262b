"""Sign up, confirm the email, log in and out, reset the password: allauth on MongoDB."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


def _link_in_last_email() -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _sign_up(client, email: str = "ada@example.com"):  # noqa: ANN001, ANN202
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_it_signs_up_confirms_email_and_lands_on_upload(client) -> None:
    response = _sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="ada@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert "Confirm" in mail.outbox[-1].subject

    confirm_url = _link_in_last_email()
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert client.get(reverse("gallery:upload")).status_code == 200


def test_it_refuses_login_before_the_email_is_confirmed(client) -> None:
    _sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("gallery:upload")).status_code == 302


def test_it_logs_in_and_out(client) -> None:
    user = User.objects.create_user(username="grace", email="grace@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        reverse("account_login"), {"login": "grace@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("gallery:upload")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("gallery:upload")).status_code == 302


def test_wrong_password_is_refused_and_rate_limited(client) -> None:
    user = User.objects.create_user(username="alan", email="alan@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    url = reverse("account_login")
    first = client.post(url, {"login": "alan@example.com", "password": "wrong"})
    assert first.status_code == 200
    assert "not correct" in first.content.decode()
    for _ in range(5):
        client.post(url, {"login": "alan@example.com", "password": "wrong"})
    # Even the right password is refused while the limit holds.
    limited = client.post(url, {"login": "alan@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in limited.content.decode()
    assert client.get(reverse("gallery:upload")).status_code == 302


def test_it_resets_a_forgotten_password(client) -> None:
    user = User.objects.create_user(
        username="lin", email="lin@example.com", password="old-one-123!"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(reverse("account_reset_password"), {"email": "lin@example.com"})
    assert response.status_code == 302
    reset_url = _link_in_last_email()
    response = client.get(reset_url)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_pages_use_the_project_layout(client) -> None:
    body = client.get(reverse("account_signup")).content.decode()
    assert "Image workshop" in body
    assert 'class="site-header"' in body
