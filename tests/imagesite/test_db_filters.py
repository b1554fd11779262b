"""The engine's flat filters (imagesite.db.filters): the same documents as the ORM's `$and`s, in
a shape SecantusDB plans by an index."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imagesite.db.filters import flat
from jobs.models import Job
from tests.gallery.test_indexes import scans

pytestmark = pytest.mark.django_db

FIELDS = ["a", "b", "tags"]
VALUES = st.one_of(st.none(), st.integers(0, 3))


def test_nested_ands_become_one_document_with_the_id_first() -> None:
    mql = {"$and": [{"$and": [{"state": "ready"}, {"taken": {"$lt": 5}}]}, {"_id": 7}]}
    assert flat(mql) == {"_id": 7, "state": "ready", "taken": {"$lt": 5}}
    assert list(flat(mql)) == ["_id", "state", "taken"]


def test_a_fields_operators_are_merged_and_what_would_clash_stays_in_an_and() -> None:
    mql = {
        "$and": [
            {"taken": {"$lt": 5}},
            {"$and": [{"taken": {"$exists": True}}, {"taken": {"$ne": None}}]},
            {"taken": {"$lt": 9}},
            {"state": "ready"},
            {"state": {"$ne": "trash"}},
        ]
    }
    assert flat(mql) == {
        "taken": {"$lt": 5, "$exists": True, "$ne": None},
        "state": "ready",
        "$and": [{"taken": {"$lt": 9}}, {"state": {"$ne": "trash"}}],
    }


def test_a_null_field_and_an_exclusion_become_conditions_of_their_field() -> None:
    is_null = {"$or": [{"finished_at": {"$exists": False}}, {"finished_at": None}]}
    assert flat({"$and": [{"kind": "ingest"}, is_null]}) == {"kind": "ingest", "finished_at": None}
    assert flat({"$nor": [is_null]}) == {"finished_at": {"$ne": None}}
    assert flat({"$nor": [{"_id": 3}]}) == {"_id": {"$ne": 3}}
    assert flat({"$nor": [{"tags": {"$in": [1]}}]}) == {"$nor": [{"tags": {"$in": [1]}}]}


def test_an_or_and_its_branches_are_left_as_they_are() -> None:
    branches = [{"$and": [{"a": 1}, {"b": 2}]}, {"a": 2}]
    assert flat({"$and": [{"$or": branches}, {"c": 3}]}) == {"$or": branches, "c": 3}


def test_the_orms_filters_reach_the_database_flat() -> None:
    query = Job.objects.filter(pk="6b11048757349c49239ba820", status=Job.Status.QUEUED).query
    assert query.get_compiler("default").build_query().match_mql == {
        "_id": query.where.children[0].rhs,
        "status": "queued",
    }


def test_an_orm_filter_on_two_fields_walks_their_compound_index() -> None:
    from bson import json_util

    Job.objects.bulk_create([Job(kind=Job.Kind.INGEST, status=Job.Status.QUEUED)] * 3)
    explained = json_util.loads(Job.objects.filter(kind="ingest", status="queued").explain())
    if "queryPlanner" not in explained:
        explained = explained["stages"][0]["$cursor"]
    assert {stage["stage"] for stage in scans(explained)} == {"IXSCAN"}


def conditions(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """The shapes the ORM sends: equalities, ranges, null checks, `$in`, and `$and`/`$or`."""
    field = st.sampled_from(FIELDS)
    leaf = st.one_of(
        st.builds(lambda f, v: {f: v}, field, VALUES),
        st.builds(
            lambda f, op, v: {f: {op: v}},
            field,
            st.sampled_from(["$lt", "$gte", "$ne", "$eq"]),
            st.integers(0, 3),
        ),
        st.builds(lambda f, e: {f: {"$exists": e}}, field, st.booleans()),
        st.builds(lambda f, vs: {f: {"$in": vs}}, field, st.lists(VALUES, max_size=3)),
        st.builds(lambda f: {"$or": [{f: {"$exists": False}}, {f: None}]}, field),  # f=None
    )
    if depth == 0:
        return leaf
    inner = st.lists(conditions(depth - 1), min_size=1, max_size=4)
    return st.one_of(
        leaf,
        st.builds(lambda parts: {"$and": parts}, inner),
        st.builds(lambda parts: {"$or": parts}, inner),
        st.builds(lambda part: {"$nor": [part]}, conditions(depth - 1)),  # exclude()
    )


@pytest.fixture
def documents() -> Iterator[Any]:
    collection = connections["default"].database["test_db_filters"]
    absent = object()
    rows = [
        (a, b, t) for a in (0, 2, None, absent) for b in (1, 3, absent) for t in ([1, 2], [], 3)
    ]
    collection.insert_many(
        [
            {
                "_id": n,
                **{
                    name: value
                    for name, value in zip(FIELDS, row, strict=True)
                    if value is not absent
                },
            }
            for n, row in enumerate(rows)
        ]
    )
    collection.create_index("a")  # the planner's index paths, beside its scans
    collection.create_index([("b", 1), ("tags", 1)])
    yield collection
    collection.drop()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mql=st.lists(conditions(2), min_size=1, max_size=4).map(lambda parts: {"$and": parts}))
def test_a_flat_filter_finds_exactly_the_documents_of_the_original(documents, mql) -> None:
    def found(query: dict[str, Any]) -> list[int]:
        return sorted(document["_id"] for document in documents.find(query))

    assert found(flat(mql)) == found(mql)
