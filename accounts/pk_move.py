"""Move the user's primary key between a field `id` (beside a driver-made `_id`) and `_id` itself.

Every foreign key stores the pk's value, which never changes here; only the user documents are
rewritten. `_id` is immutable, so each document is reinserted under its new `_id`. There are no
transactions on a standalone server: each new document is first kept in a staging collection,
so a crash between deleting the old document and inserting the new one loses nothing, and a
rerun finishes what was staged before moving anything else.
"""

from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from pymongo.collection import Collection

Document = dict[str, Any]


def user_documents_pk_to_id(*, users: Collection[Document]) -> int:
    """Give every user document `_id` = its `id` and no `id` field; return how many moved."""
    _staged_finish(users=users)
    moved = 0
    for document in list(users.find({"id": {"$exists": True}})):
        new = {**document, "_id": document["id"]}
        del new["id"]
        _move(users=users, new=new)
        moved += 1
    _id_indexes_drop(users=users)
    users.database.drop_collection(_staging_name(users))
    return moved


def user_documents_pk_to_field(*, users: Collection[Document]) -> int:
    """The reverse: `id` = the old `_id`, under a new `_id`; return how many moved."""
    _staged_finish(users=users)
    moved = 0
    for document in list(users.find({"id": {"$exists": False}})):
        _move(users=users, new={**document, "_id": ObjectId(), "id": document["_id"]})
        moved += 1
    users.database.drop_collection(_staging_name(users))
    return moved


def _move(*, users: Collection[Document], new: Mapping[str, Any]) -> None:
    staging = users.database[_staging_name(users)]
    staging.replace_one({"_id": new["_id"]}, new, upsert=True)
    # The old document goes first: the copy would break the unique index on username.
    users.delete_many(_old_filter(new))
    users.replace_one({"_id": new["_id"]}, new, upsert=True)
    staging.delete_one({"_id": new["_id"]})


def _staged_finish(*, users: Collection[Document]) -> None:
    for new in users.database[_staging_name(users)].find():
        _move(users=users, new=new)


def _old_filter(new: Mapping[str, Any]) -> Document:
    """The document that `new` replaces: in the old shape when moving to `_id`, else the reverse."""
    if "id" in new:
        return {"_id": new["id"]}
    return {"id": new["_id"]}


def _id_indexes_drop(*, users: Collection[Document]) -> None:
    """The unique index on `id` that the old field had: it would only index nothing now."""
    for name, info in users.index_information().items():
        if info["key"] == [("id", 1)]:
            users.drop_index(name)


def _staging_name(users: Collection[Document]) -> str:
    return f"{users.name}_pk_move"
