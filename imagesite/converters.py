"""URL converter for MongoDB ObjectIds: a malformed id is a 404, never a 500."""

from bson import ObjectId


class ObjectIdConverter:
    regex = "[0-9a-f]{24}"

    def to_python(self, value: str) -> ObjectId:
        return ObjectId(value)

    def to_url(self, value: ObjectId | str) -> str:
        return str(value)


def object_ids(values: list[str]) -> list[ObjectId]:
    """The well-formed ObjectIds among posted values; the rest are ignored."""
    return [ObjectId(value) for value in values if ObjectId.is_valid(value)]
