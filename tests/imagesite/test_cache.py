"""The MongoDB cache that replaces per-process memory when there is no Redis."""

import time

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db
MONGO_CACHE = {"default": {"BACKEND": "imagesite.cache.MongoDBCache", "LOCATION": "django_cache"}}


def test_add_incr_expiry_and_objects(settings) -> None:
    settings.CACHES = MONGO_CACHE
    cache = caches["default"]
    cache.clear()
    assert cache.add("n", 0, timeout=1)
    assert not cache.add("n", 5, timeout=1)  # a live entry wins
    assert cache.incr("n") == 1
    assert cache.decr("n") == 0
    cache.set("thing", {"a": [1, 2]}, timeout=60)
    cache.set("object", {1, 2}, timeout=60)  # pickled and signed
    assert cache.get("thing") == {"a": [1, 2]}
    assert cache.get("object") == {1, 2}
    time.sleep(1.1)
    assert cache.get("n") is None
    with pytest.raises(ValueError, match="not found"):
        cache.incr("n")
    assert cache.add("n", 7, timeout=60)  # an expired entry is replaced
    assert cache.get("n") == 7
