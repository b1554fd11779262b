"""Direct access to a model's MongoDB collection, for aggregation pipelines."""

from django.db import connections, models
from pymongo.collection import Collection


def collection_for(model: type[models.Model]) -> Collection:
    connection = connections["default"]
    connection.ensure_connection()
    return connection.database[model._meta.db_table]
