"""accounts 0002: the user's pk moves from a field `id` beside a driver-made `_id` into `_id`.

The database is put back to accounts 0001 by Django's migration executor and then holds users
written as the code before 0002 wrote them (seen by creating them with that code's ORM):
`_id` a driver-made ObjectId, `id` the pk, a unique index on `id`. Everything that points at a
user is written through the ORM with the pk value as its foreign key, which is all 0002 keeps.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from bson import ObjectId
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from accounts.models import User
from accounts.pk_move import user_documents_pk_to_id
from analytics.models import AnalyticsSnapshot
from gallery.models import Image
from imagesite.mongo import collection_for
from jobs.models import Job
from processing.models import Preset, Version
from scraping.models import ScrapeRun, ScrapeSource

pytestmark = pytest.mark.django_db
BEFORE = ("accounts", "0001_initial")
AFTER = ("accounts", "0002_user_pk_in_underscore_id")
PASSWORD = "a-long-and-unusual-passphrase-42"


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.fixture
def old_schema() -> Iterator[Collection[dict[str, Any]]]:
    _migrate(BEFORE)
    try:
        yield collection_for(User)
    finally:
        _migrate(AFTER)


def _old_user(users: Collection[dict[str, Any]], *, username: str) -> dict[str, Any]:
    """A user document as the code before 0002 wrote it: the pk in `id`, not in `_id`."""
    document = {
        "_id": ObjectId(),
        "password": make_password(PASSWORD),
        "last_login": None,
        "is_superuser": False,
        "username": username,
        "first_name": "",
        "last_name": "",
        "email": f"{username}@example.com",
        "is_staff": False,
        "is_active": True,
        "date_joined": timezone.now() - timedelta(days=3),
        "id": ObjectId(),
    }
    users.insert_one(document)
    stored = users.find_one({"_id": document["_id"]})  # milliseconds, naive UTC
    assert stored is not None
    return stored


def _references(pk: ObjectId) -> dict[str, Any]:
    """One of each thing that points at a user, written with the pk value as the code writes it."""
    image = Image.objects.create(
        owner_id=pk,
        original=f"{pk}/originals/ab/ab.jpg",
        format="jpeg",
        width=4,
        height=3,
        size_bytes=100,
        sha256="ab" * 32,
    )
    source = ScrapeSource.objects.create(owner_id=pk, url="https://example.com/")
    group = Group.objects.create(name=f"editors-{pk}")
    return {
        "image": image,
        "version": Version.objects.create(image=image, owner_id=pk),
        "job": Job.objects.create(kind=Job.Kind.INGEST, owner_id=pk, image=image),
        "preset": Preset.objects.create(owner_id=pk, name="warm"),
        "source": source,
        "run": ScrapeRun.objects.create(source=source, owner_id=pk),
        "snapshot": AnalyticsSnapshot.objects.create(owner_id=pk),
        "email": EmailAddress.objects.create(
            user_id=pk, email=f"{pk}@example.com", verified=True, primary=True
        ),
        "log": LogEntry.objects.create(
            user_id=pk,
            content_type=ContentType.objects.get_for_model(Group),
            object_id=str(group.pk),
            object_repr=group.name,
            action_flag=ADDITION,
        ),
        "group": group,
        "permission": Permission.objects.get(codename="view_image"),
    }


def _through_rows(pk: ObjectId, references: dict[str, Any]) -> None:
    User.groups.through._default_manager.create(user_id=pk, group=references["group"])
    User.user_permissions.through._default_manager.create(
        user_id=pk, permission=references["permission"]
    )


def _session_of(document: dict[str, Any]) -> str:
    """What login() puts in a session, for the user as it was before the move."""
    old = User(pk=document["id"], password=document["password"])
    session = SessionStore()
    session[SESSION_KEY] = str(document["id"])
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = old.get_session_auth_hash()
    session.create()
    assert session.session_key
    return session.session_key


def test_it_moves_each_users_pk_into__id_and_every_reference_resolves(old_schema) -> None:
    documents = [_old_user(old_schema, username=name) for name in ("ada", "grace")]
    references = {doc["id"]: _references(doc["id"]) for doc in documents}
    for pk, refs in references.items():
        _through_rows(pk, refs)
    assert all(doc["_id"] != doc["id"] for doc in documents)
    assert not User.objects.filter(pk=documents[0]["id"]).exists()  # the model reads `_id` now

    _migrate(AFTER)

    for old in documents:
        moved = old_schema.find_one({"_id": old["id"]})
        assert moved == {key: value for key, value in old.items() if key != "id"} | {
            "_id": old["id"]
        }
        assert old_schema.count_documents({"_id": old["_id"]}) == 0
        user = User.objects.get(pk=old["id"])
        assert user.username == old["username"]
        assert user.check_password(PASSWORD)
        refs = references[old["id"]]
        for name in ("image", "version", "job", "preset", "source", "run", "snapshot"):
            assert type(refs[name]).objects.get(pk=refs[name].pk).owner == user, name
        assert EmailAddress.objects.get(pk=refs["email"].pk).user == user
        assert LogEntry.objects.get(pk=refs["log"].pk).user == user
        assert list(user.groups.all()) == [refs["group"]]
        assert list(user.user_permissions.all()) == [refs["permission"]]
        # joins go through the user's `_id` now
        assert list(Image.objects.filter(owner__username=old["username"])) == [refs["image"]]
        assert list(user.images.all()) == [refs["image"]]
    assert old_schema.count_documents({"id": {"$exists": True}}) == 0
    assert "accounts_user_pk_move" not in collection_for(User).database.list_collection_names()


def test_lookups_by_pk_use_the_unique_index_on__id(old_schema) -> None:
    old = _old_user(old_schema, username="ada")
    _migrate(AFTER)

    plan = User.objects.filter(pk=old["id"]).explain()
    assert "IXSCAN" in plan
    assert '"_id_"' in plan
    assert all(info["key"] != [("id", 1)] for info in old_schema.index_information().values())
    with pytest.raises(DuplicateKeyError):
        old_schema.insert_one({"_id": old["id"], "username": "someone-else"})


def test_a_user_logged_in_before_the_move_is_still_logged_in(old_schema, client) -> None:
    old = _old_user(old_schema, username="ada")
    EmailAddress.objects.create(user_id=old["id"], email=old["email"], verified=True, primary=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = _session_of(old)

    _migrate(AFTER)

    response = client.get(reverse("gallery:upload"))
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == old["id"]


def test_running_it_again_changes_nothing(old_schema) -> None:
    for name in ("ada", "grace"):
        _old_user(old_schema, username=name)
    _migrate(AFTER)
    before = list(old_schema.find().sort("_id"))
    indexes = old_schema.index_information()

    assert user_documents_pk_to_id(users=old_schema) == 0

    assert list(old_schema.find().sort("_id")) == before
    assert old_schema.index_information() == indexes


def test_it_finishes_a_move_that_a_crash_cut_short(old_schema) -> None:
    """A crash can leave a staged copy beside its old document, or in place of it."""
    staging = collection_for(User).database["accounts_user_pk_move"]
    beside, lost = (_old_user(old_schema, username=name) for name in ("ada", "grace"))
    for old in (beside, lost):
        staging.insert_one(
            {key: value for key, value in old.items() if key != "id"} | {"_id": old["id"]}
        )
    old_schema.delete_one({"_id": lost["_id"]})

    _migrate(AFTER)

    assert sorted(User.objects.values_list("username", flat=True)) == ["ada", "grace"]
    assert {user.pk for user in User.objects.all()} == {beside["id"], lost["id"]}
    assert old_schema.count_documents({}) == 2
    assert "accounts_user_pk_move" not in collection_for(User).database.list_collection_names()


def test_the_reverse_migration_puts_the_pk_back_in_id(old_schema) -> None:
    old = _old_user(old_schema, username="ada")
    _migrate(AFTER)

    _migrate(BEFORE)

    document = old_schema.find_one({"username": "ada"})
    assert document["id"] == old["id"]
    assert document["_id"] != old["id"]
    unique = [
        info for info in old_schema.index_information().values() if info["key"] == [("id", 1)]
    ]
    assert len(unique) == 1
    assert unique[0]["unique"]

    _migrate(AFTER)
    assert User.objects.get(pk=old["id"]).username == "ada"
