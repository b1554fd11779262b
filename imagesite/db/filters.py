"""Query filters in the shape SecantusDB's planner can use an index for.

The ORM joins conditions with `$and` (`{"$and": [{"owner": o}, {"state": s}]}`), asks for a null
field as `{"$or": [{"f": {"$exists": False}}, {"f": None}]}` and excludes by `$nor`. SecantusDB
plans only a flat filter, a field's conditions side by side (`{"owner": o, "state": s}`): under
a top-level `$and`, `$or`, `$nor` or `$expr` it scans the collection, 20 to 50 times slower at a
few thousand documents. On a flat filter it walks a compound index that its fields match, or
else looks one condition up by an index (the `_id` first) and checks the rest on each document.
`flat` rewrites the ORM's shapes into flat ones that mean the same in MongoDB.
"""

import re
from typing import Any

from bson.regex import Regex


def flat(mql: dict[str, Any]) -> dict[str, Any]:
    """The same filter with nested `$and`s merged into one document: a field's operator
    conditions (`{"$lt": t}` and `{"$ne": None}`) into one, the `_id` first. What can't be
    merged without changing the meaning (a field twice with the same operator, an equality
    beside another condition) stays in an `$and` beside the rest."""
    merged: dict[str, Any] = {}
    rest: list[dict[str, Any]] = []
    for condition in _conjuncts(mql):
        for key, value in condition.items():
            if key not in merged:
                merged[key] = value
            elif _operators(merged[key]) and _operators(value) and not merged[key].keys() & value:
                merged[key] = {**merged[key], **value}
            else:
                rest.append({key: value})
    if rest:
        merged["$and"] = rest
    if "_id" in merged:
        merged = {"_id": merged.pop("_id"), **merged}
    return merged


def _conjuncts(mql: dict[str, Any]) -> list[dict[str, Any]]:
    """The conditions that must all hold, `$and`s opened down to their leaves, each leaf in its
    simplest form."""
    conditions: list[dict[str, Any]] = []
    for key, value in mql.items():
        if key == "$and":
            for part in value:
                conditions.extend(_conjuncts(part))
        else:
            conditions.append(_simplest({key: value}))
    return conditions


def _simplest(condition: dict[str, Any]) -> dict[str, Any]:
    """`{"$or": [{f: {"$exists": False}}, {f: None}]}` is `{f: None}` (which matches a missing
    field too); `{"$nor": [{f: v}]}` is `{f: {"$ne": v}}` for a plain value v."""
    ((key, value),) = condition.items()
    if key == "$or" and len(value) == 2 and all(len(branch) == 1 for branch in value):
        (field, one), (other_field, other) = (next(iter(branch.items())) for branch in value)
        if field == other_field and None in (one, other) and {"$exists": False} in (one, other):
            return {field: None}
    if key == "$nor" and len(value) == 1 and len(value[0]) == 1:
        ((field, excluded),) = _simplest(value[0]).items()
        if not field.startswith("$") and _plain(excluded):
            return {field: {"$ne": excluded}}
    return condition


def _operators(value: Any) -> bool:
    """An operator document (`{"$gt": 1, "$ne": None}`), not a value compared by equality."""
    return isinstance(value, dict) and bool(value) and all(key.startswith("$") for key in value)


def _plain(value: Any) -> bool:
    """A value `$ne` compares as an equality would: not a document, an array or a pattern."""
    return not isinstance(value, dict | list | tuple | re.Pattern | Regex)
