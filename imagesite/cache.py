"""A Django cache in a MongoDB collection of the project's database: shared by every process
(web workers, Celery), so the login rate limits hold across them without Redis.

Numbers, strings, lists and dicts of them are stored as BSON; anything else is pickled and
signed with the secret key (a forged document in the database must not run code on load).
An entry expires at `expires`: reads ignore it at once, a TTL index removes it later.
"""

import hashlib
import hmac
import pickle  # noqa: S403 - signed, see _loads
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connections
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, OperationFailure

_PLAIN = (int, float, str, bool, type(None))
_FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


def _plain(value: object) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, list | tuple):
        return isinstance(value, list) and all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    return False


class MongoDBCache(BaseCache):
    """LOCATION is the collection name; OPTIONS may name the DATABASE alias (default)."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._name = location or "django_cache"
        self._alias = str(params.get("OPTIONS", {}).get("DATABASE", "default"))
        self._indexed: str | None = None

    @property
    def _collection(self) -> Collection[dict[str, Any]]:
        connection = connections[self._alias]
        collection: Collection[dict[str, Any]] = connection.get_collection(self._name)  # type: ignore[attr-defined]
        database = f"{connection.settings_dict['HOST']}/{connection.settings_dict['NAME']}"
        if self._indexed != database:  # once per process and database (tests switch it)
            collection.create_index("key", unique=True)
            collection.create_index("expires", expireAfterSeconds=0)
            self._indexed = database
        return collection

    def _expires(self, timeout: float | None | object) -> datetime:
        seconds = self.get_backend_timeout(timeout)  # type: ignore[arg-type]
        if seconds is None:
            return _FOREVER
        return datetime.fromtimestamp(max(0.0, seconds), UTC)  # timeout 0: already expired

    def _dumps(self, value: object) -> dict[str, Any]:
        if _plain(value):
            return {"value": value, "pickled": None}
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        return {"value": data, "pickled": self._sign(data)}

    def _loads(self, document: dict[str, Any]) -> Any:
        signature = document.get("pickled")
        if signature is None:
            return document["value"]
        data = bytes(document["value"])
        if not hmac.compare_digest(signature, self._sign(data)):
            return None  # not written by us: ignore it
        return pickle.loads(data)  # noqa: S301 - signed above

    @staticmethod
    def _sign(data: bytes) -> str:
        key = hashlib.sha256(b"imagesite.cache" + settings.SECRET_KEY.encode()).digest()
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    @staticmethod
    def _live() -> dict[str, Any]:
        return {"expires": {"$gt": datetime.now(UTC)}}

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        document = self._collection.find_one({"key": key, **self._live()})
        return default if document is None else self._loads(document)

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        entry = {"key": key, "expires": self._expires(timeout), **self._dumps(value)}
        self._collection.replace_one({"key": key}, entry, upsert=True)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Atomic: an expired entry is replaced; a live one makes the upsert hit the unique
        index, so exactly one of several concurrent adds wins."""
        key = self.make_and_validate_key(key, version=version)
        entry = {"key": key, "expires": self._expires(timeout), **self._dumps(value)}
        try:
            self._collection.replace_one(
                {"key": key, "expires": {"$lte": datetime.now(UTC)}}, entry, upsert=True
            )
        except DuplicateKeyError:
            return False
        return True

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Atomic ($inc), keeping the expiry."""
        validated = self.make_and_validate_key(key, version=version)
        try:
            document = self._collection.find_one_and_update(
                {"key": validated, **self._live()},
                {"$inc": {"value": delta}},
                return_document=ReturnDocument.AFTER,
            )
        except OperationFailure as error:
            raise TypeError(f"the value of {key!r} is not a number") from error
        if document is None:
            raise ValueError(f"Key {key!r} not found")
        return int(document["value"])

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        result = self._collection.update_one(
            {"key": key, **self._live()}, {"$set": {"expires": self._expires(timeout)}}
        )
        return result.matched_count > 0

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._collection.delete_one({"key": key}).deleted_count > 0

    def has_key(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._collection.count_documents({"key": key, **self._live()}, limit=1) > 0

    def clear(self) -> None:
        self._collection.delete_many({})
