"""Loaded by pytest before Django starts (`-p tests.environment` in pyproject.toml).

The test process and the worker processes it starts share these folders and this Redis database,
so nothing a test does touches a developer's var/ or their running instance.
"""

import atexit
import os
import shutil
import tempfile
import uuid

_ROOT = tempfile.mkdtemp(prefix="imagesite-tests-")
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)

os.environ["DJANGO_SETTINGS_MODULE"] = "imagesite.settings"
os.environ["ENV_FILE"] = ""  # a developer's .env must not reach the tests
os.environ["VAR_DIR"] = _ROOT
os.environ["MEDIA_ROOT"] = os.path.join(_ROOT, "media")
os.environ["MODEL_DIR"] = os.path.join(_ROOT, "models")
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# This session's broker keys: concurrent sessions on one Redis never take each other's tasks.
_SESSION = f"test-{uuid.uuid4().hex[:12]}"
os.environ["CELERY_KEY_PREFIX"] = f"{_SESSION}:"
# The cache (rate limits) gets its own database and this session's key prefix: tests empty
# their own keys (tests/conftest.py), never the broker's queues or another session's counters.
os.environ["CACHE_URL"] = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/14")
os.environ["CACHE_KEY_PREFIX"] = _SESSION
os.environ["MONGODB_NAME"] = "imagesite"  # pytest-django uses test_imagesite
os.environ["ACCOUNT_EMAIL_VERIFICATION"] = "mandatory"
for name in (
    "DJANGO_PRODUCTION",
    "DJANGO_DEBUG",
    "MONGODB_URI",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_HOST",
    "SCRAPE_ALLOWED_HOSTS",
):
    os.environ.pop(name, None)
