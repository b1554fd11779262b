"""Direct access to MongoDB through Django's connection, for aggregation pipelines."""

from typing import Any, Protocol, cast

from django.db import connections, models
from pymongo.collection import Collection
from pymongo.database import Database


class _MongoConnection(Protocol):
    """What is used here of django_mongodb_backend's DatabaseWrapper (the backend ships no types)."""

    database: Database[Any]


def mongo_database() -> Database[Any]:
    """The default connection's pymongo database, connected if it was not yet."""
    connection = connections["default"]
    connection.ensure_connection()
    return cast(_MongoConnection, connection).database


def collection_for(model: type[models.Model]) -> Collection[Any]:
    return mongo_database()[model._meta.db_table]
