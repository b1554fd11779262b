"""Who may sign up: the first account is the administrator, then invitations only (default),
or anyone ("open"), or nobody ("closed"); sign-up takes as long whether or not the address
has an account."""

import re
import statistics
import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


def _sign_up(client, email: str):  # noqa: ANN001, ANN202
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _link_in_last_email() -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_the_first_account_is_the_administrator_and_then_sign_up_needs_an_invitation(
    client, settings
) -> None:
    assert settings.REGISTRATION == "invite"  # the default
    _sign_up(client, "first@example.com")
    first = User.objects.get(email="first@example.com")
    assert first.is_superuser
    assert first.is_staff
    client.logout()
    assert "by invitation" in client.get(reverse("account_signup")).content.decode()
    response = _sign_up(client, "second@example.com")
    assert "by invitation" in response.content.decode()
    assert not User.objects.filter(email="second@example.com").exists()


def test_staff_invite_from_the_admin_and_the_invited_person_signs_up_once(client) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(reverse("admin:accounts_invitation_add"), {"email": "new@example.com"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new@example.com"]
    invitation_url = _link_in_last_email()
    client.logout()

    response = client.get(invitation_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_signup"))
    assert "new%40example.com" in response["Location"]
    _sign_up(client, "new@example.com")
    invited = User.objects.get(email="new@example.com")
    assert not invited.is_staff
    invitation = Invitation.objects.get()
    assert invitation.accepted_by_id == invited.pk
    client.logout()
    assert client.get(invitation_url).status_code == 404  # used
    _sign_up(client, "again@example.com")
    assert not User.objects.filter(email="again@example.com").exists()


def test_open_registration_lets_anyone_sign_up(client, settings) -> None:
    settings.REGISTRATION = "open"
    UserFactory()
    _sign_up(client, "anyone@example.com")
    assert User.objects.filter(email="anyone@example.com", is_superuser=False).exists()


def test_closed_registration_refuses_even_the_first_account(client, settings) -> None:
    settings.REGISTRATION = "closed"
    _sign_up(client, "first@example.com")
    assert not User.objects.exists()


def _median_sign_up_s(client, emails: list[str]) -> float:  # noqa: ANN001
    times = []
    for email in emails:
        client.logout()
        started = time.perf_counter()
        response = _sign_up(client, email)
        times.append(time.perf_counter() - started)
        assert response.status_code == 302, response.content.decode()[:2000]
    return statistics.median(times)


def test_sign_up_takes_as_long_for_a_registered_address_as_for_a_new_one(
    client, settings, capsys
) -> None:
    settings.REGISTRATION = "open"
    registered = [UserFactory().email for _ in range(7)]
    _median_sign_up_s(client, ["warm-up@example.com"])
    new = _median_sign_up_s(client, [f"new{n}@example.com" for n in range(7)])
    existing = _median_sign_up_s(client, registered)
    with capsys.disabled():
        print(f"\nsign-up median: new address {new:.3f} s, registered address {existing:.3f} s")
    # It was 0.1 s against 0.6-0.8 s: a registered address skipped the password hash.
    assert existing > 0.7 * new
    assert existing < 1.5 * new
