"""Query filters in the shape SecantusDB's planner can use an index for.

The ORM joins conditions with `$and` (`{"$and": [{"owner": o}, {"state": s}]}`). SecantusDB
plans only a flat filter, a field's conditions side by side (`{"owner": o, "state": s}`):
under a top-level `$and`, `$or` or `$expr` it scans the collection, 20 to 50 times slower at a
few thousand documents. On a flat filter it walks a compound index that its fields match, or else
looks one condition up by an index (the `_id` first) and checks the rest on each document.
`flat` rewrites the first shape into the second, which means the same in MongoDB.
"""

from typing import Any


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
    """The conditions that must all hold, `$and`s opened down to their leaves."""
    conditions: list[dict[str, Any]] = []
    for key, value in mql.items():
        if key == "$and":
            for part in value:
                conditions.extend(_conjuncts(part))
        else:
            conditions.append({key: value})
    return conditions


def _operators(value: Any) -> bool:
    """An operator document (`{"$gt": 1, "$ne": None}`), not a value compared by equality."""
    return isinstance(value, dict) and bool(value) and all(key.startswith("$") for key in value)
