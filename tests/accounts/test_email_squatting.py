"""An address joins an account only from the link mailed to it, never one that belongs to another
account; a claim never proved blocks neither the owner's sign-up nor their password reset (F5)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-42"


def _links(message) -> list[str]:  # noqa: ANN001
    return re.findall(r"https?://[^/\s]+(/\S+)", message.body)


def _add_email(client: Client, email: str):  # noqa: ANN202
    return client.post(reverse("account_email"), {"email": email, "action_add": ""})


def _sign_up(client: Client, email: str):  # noqa: ANN202
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _reset_links_for(email: str) -> list[str]:
    mail.outbox.clear()
    Client().post(reverse("account_reset_password"), {"email": email})
    assert all(message.to == [email] for message in mail.outbox)
    return [link for message in mail.outbox for link in _links(message) if "/key/" in link]


def _reset_user(link: str) -> User:
    """Whose password the reset link changes."""
    client = Client()
    form_url = client.get(link)["Location"]
    client.post(form_url, {"password1": "new-" + PASSWORD, "password2": "new-" + PASSWORD})
    return next(u for u in User.objects.all() if u.check_password("new-" + PASSWORD))


def test_an_added_address_is_attached_only_from_the_mailed_link(client, settings) -> None:
    alice = UserFactory()
    client.force_login(alice)
    _add_email(client, "alice.work@example.com")
    assert not EmailAddress.objects.filter(email="alice.work@example.com").exists()
    assert mail.outbox[-1].to == ["alice.work@example.com"]
    (link,) = _links(mail.outbox[-1])
    assert client.get(link).status_code == 200  # asks; a mail scanner's GET attaches nothing
    assert not EmailAddress.objects.filter(email="alice.work@example.com").exists()
    client.post(link)
    address = EmailAddress.objects.get(email="alice.work@example.com")
    assert address.user_id == alice.pk
    assert address.verified


def test_squatting_another_persons_address_gets_nothing(settings) -> None:
    settings.REGISTRATION = "open"
    alice = UserFactory()
    squatter = Client()
    squatter.force_login(alice)
    _add_email(squatter, "bob@example.com")
    (attach_link,) = _links(mail.outbox[-1])  # in Bob's inbox, not Alice's
    assert mail.outbox[-1].to == ["bob@example.com"]
    assert not EmailAddress.objects.filter(email="bob@example.com").exists()

    # Bob signs up: he gets an account of his own.
    bob_client = Client()
    _sign_up(bob_client, "bob@example.com")
    bob = User.objects.get(email="bob@example.com")
    assert bob.pk != alice.pk
    confirm = next(link for link in _links(mail.outbox[-1]) if "confirm-email" in link)
    bob_client.post(confirm)
    assert EmailAddress.objects.get(email="bob@example.com").verified

    # Alice cannot add it now, nor use the old link should she get hold of it.
    response = _add_email(squatter, "bob@example.com")
    assert "belongs to another account" in response.content.decode()
    response = squatter.post(attach_link, follow=True)
    assert "belongs to another account" in response.content.decode()
    assert EmailAddress.objects.get(email="bob@example.com").user_id == bob.pk

    # A password reset for the address resets Bob's password, never Alice's.
    (reset,) = _reset_links_for("bob@example.com")
    assert _reset_user(reset).pk == bob.pk


def test_a_claim_from_before_the_fix_blocks_neither_sign_up_nor_reset(settings) -> None:
    settings.REGISTRATION = "open"
    alice = UserFactory()
    # What the old add-email form stored: Bob's address on Alice's account, unverified.
    EmailAddress.objects.create(user=alice, email="bob@example.com", verified=False, primary=False)
    assert _reset_links_for("bob@example.com") == []  # nothing for Alice's account
    _sign_up(Client(), "bob@example.com")
    bob = User.objects.get(email="bob@example.com")
    assert bob.pk != alice.pk
    assert list(
        EmailAddress.objects.filter(email="bob@example.com").values_list("user", flat=True)
    ) == [bob.pk]
    (reset,) = _reset_links_for("bob@example.com")
    assert _reset_user(reset).pk == bob.pk


def test_a_link_for_another_account_is_refused(client) -> None:
    alice, mallory = UserFactory(), UserFactory()
    client.force_login(alice)
    _add_email(client, "alice.home@example.com")
    (link,) = _links(mail.outbox[-1])
    client.force_login(mallory)
    response = client.post(link, follow=True)
    assert "another account" in response.content.decode()
    assert not EmailAddress.objects.filter(email="alice.home@example.com").exists()
