"""Session-wide fixtures: a real SecantusDB for the test database, Redis, worker processes,
the shared corpus and model folders."""

import functools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connections

from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    """A SecantusDB server with ephemeral storage, on a free port, for this test session."""
    port = free_port()
    process = embedded_db_start(port=port, storage=":memory:")
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        embedded_db_wait(uri=uri, process=process)
        yield uri
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(mongodb_uri: str) -> None:
    settings.DATABASES["default"]["HOST"] = mongodb_uri
    connections["default"].settings_dict["HOST"] = mongodb_uri
    connections["default"].close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis (this session's keys carry their own prefix: CELERY_KEY_PREFIX)."""
    url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} does not answer: {error}")
    return url


def worker_env(*, mongodb_uri: str, **extra: str) -> dict[str, str]:
    """The environment of a process that must see the test database (DB name test_...)."""
    env = {
        **os.environ,
        "MONGODB_URI": mongodb_uri,
        "MONGODB_NAME": settings.DATABASES["default"]["NAME"],
        **extra,
    }
    return env


def start_worker(
    *, env: dict[str, str], queues: str = "default,ml,scrape", log_path: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "imagesite",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"test-{time.time_ns()}@%h",
    ]
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.fixture(scope="module")
def celery_worker_process(
    mongodb_uri: str,
    redis_url: str,
    django_db_setup: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the Redis broker, using the test database.

    One per test module, so that it never processes the documents of tests that call task
    bodies directly; tasks left in the queues by earlier tests are purged first.
    """
    from imagesite.celery import app

    app.control.purge()
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    process = start_worker(env=worker_env(mongodb_uri=mongodb_uri), log_path=log_path)
    deadline = time.monotonic() + 90
    while not app.control.ping(timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(settings.SHARED_DIR)
    if not path.is_dir():
        pytest.skip(f"shared test data not found at {path} (set SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def corpus(shared_dir: Path) -> Path:
    path = shared_dir / "corpus"
    if not path.is_dir():
        pytest.skip(f"image corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def models_dir(shared_dir: Path) -> Path:
    path = shared_dir / "models"
    if not path.is_dir():
        pytest.skip(f"pretrained weights not found at {path}")
    return path


@pytest.fixture(scope="session")
def installed_models(models_dir: Path) -> Path:
    """The real weights, installed (and verified) once per session into MODEL_DIR, which the
    worker processes share."""
    from django.core.management import call_command

    call_command("models", "install", "--from", str(models_dir))
    return Path(settings.MODEL_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The cache is Redis here: rate-limit counters must not leak from one test to the next.
    Only this session's keys are removed (cache.clear() would empty the database that a
    concurrent session's counters live in too)."""
    _cache_keys_delete()
    yield
    _cache_keys_delete()


@functools.cache
def _cache_client() -> redis.Redis:
    """One client for the session: its pooled connection is reused, so a test that replaced
    socket.getaddrinfo can still be cleaned up after."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def _cache_keys_delete() -> None:
    client = _cache_client()
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _empty_media() -> Iterator[None]:
    """One media folder for the session (worker processes write there too), emptied after
    each test so that a test sees only its own files."""
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
