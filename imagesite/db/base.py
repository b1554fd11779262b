"""The database engine: django-mongodb-backend whose filters SecantusDB can plan (see
`imagesite.db.filters`). Settings name it as ENGINE "imagesite.db"."""

from django_mongodb_backend.base import DatabaseWrapper as MongoDatabaseWrapper
from django_mongodb_backend.operations import DatabaseOperations as MongoDatabaseOperations


class DatabaseOperations(MongoDatabaseOperations):
    compiler_module = "imagesite.db.compiler"


class DatabaseWrapper(MongoDatabaseWrapper):
    ops_class = DatabaseOperations
