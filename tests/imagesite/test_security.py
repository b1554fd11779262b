"""Content-Security-Policy with a nonce per request and Permissions-Policy (issue 12, F10)."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_client(client):  # noqa: ANN001, ANN201
    client.force_login(UserFactory())
    return client


def _nonce(response) -> str:  # noqa: ANN001
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    return re.search(r"script-src 'self' 'nonce-([\w-]+)'", policy)[1]


def test_every_script_of_a_page_carries_the_nonce_of_its_policy(user_client):
    response = user_client.get(reverse("gallery:upload"))
    nonce = _nonce(response)
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert len(scripts) >= 2  # htmx and the drop zone
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag


def test_the_nonce_is_new_for_each_request(user_client):
    first = _nonce(user_client.get(reverse("gallery:upload")))
    assert first != _nonce(user_client.get(reverse("gallery:upload")))


@pytest.mark.parametrize("name", ["home", "account_login", "account_signup"])
def test_public_pages_have_both_policies(client, name):
    response = client.get(reverse(name))
    _nonce(response)
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_json_answer_and_a_404_have_the_policies_too(client):
    for response in (
        client.get("/health/", headers={"Accept": "application/json"}),
        client.get("/no-such-page/"),
    ):
        assert "Permissions-Policy" in response
        assert "Content-Security-Policy" in response


def test_no_template_has_an_inline_event_handler() -> None:
    """The Content-Security-Policy blocks onclick= and its kind: a confirm() there would never
    ask, and the delete would go ahead (static/js/site.js reads data-confirm instead)."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.S)
    found = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if handler.search(path.read_text())
    ]
    assert found == []
