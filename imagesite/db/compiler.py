"""The backend's compilers, each query's filter made flat (`imagesite.db.filters.flat`). Django
looks every compiler up by name in this module, the insert's too, which has no filter."""

from typing import Any

from django_mongodb_backend import compiler as mongo

from imagesite.db.filters import flat


class _FlatFilter:
    def build_query(self, columns: Any = None) -> Any:
        query = super().build_query(columns)  # type: ignore[misc]
        query.match_mql = flat(query.match_mql)
        return query


class SQLCompiler(_FlatFilter, mongo.SQLCompiler):
    pass


class SQLInsertCompiler(mongo.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(_FlatFilter, mongo.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(_FlatFilter, mongo.SQLUpdateCompiler):  # type: ignore[misc]
    pass


class SQLAggregateCompiler(_FlatFilter, mongo.SQLAggregateCompiler):
    pass
