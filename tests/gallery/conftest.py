import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def other_user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def user_client(client, user):  # noqa: ANN001, ANN201
    client.force_login(user)
    return client


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def bytes_upload(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream
