from pathlib import Path

import pytest

from accounts.models import AccessToken
from accounts.services import token_create
from tests.factories import UserFactory, ready_image


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def other_user(db):  # noqa: ANN001, ANN201
    return UserFactory()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token(user) -> dict[str, str]:  # noqa: ANN001
    """Headers with a read-write token of `user`."""
    return bearer(token_create(owner=user, name="rw", scope=AccessToken.Scope.READ_WRITE)[1])


@pytest.fixture
def read_token(user) -> dict[str, str]:  # noqa: ANN001
    return bearer(token_create(owner=user, name="ro", scope=AccessToken.Scope.READ)[1])


@pytest.fixture
def other_token(other_user) -> dict[str, str]:  # noqa: ANN001
    return bearer(token_create(owner=other_user, name="rw", scope=AccessToken.Scope.READ_WRITE)[1])


@pytest.fixture
def image(user, corpus: Path):  # noqa: ANN001, ANN201
    return ready_image(user, corpus / "exif/gps/DSCN0010.jpg")


def assert_problem(response, status: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert isinstance(body["errors"], list)
    return body
