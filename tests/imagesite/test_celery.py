"""A task round trip through a real worker process: on Redis, and on the no-Redis fallback
(the kombu MongoDB transport on the database server)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from imagesite.celery import ping
from tests.conftest import BASE_DIR, start_worker, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_a_task_round_trips_through_a_worker_on_redis(celery_worker_process) -> None:
    value = uuid.uuid4().hex
    assert ping.delay(value).get(timeout=60) == value


@pytest.fixture
def heartbeats(celery_worker_process) -> None:
    """What beat does every HEARTBEAT_S: a heartbeat task on each queue, run by the worker."""
    from django.conf import settings
    from django.db import connections

    from imagesite.celery import heartbeat
    from imagesite.health import health_cache_clear
    from imagesite.heartbeat import heartbeat_ages

    for queue in settings.WORKER_QUEUES:
        heartbeat.apply_async(args=[queue], queue=queue)
    connections["default"].ensure_connection()
    database = connections["default"].database
    deadline = time.monotonic() + 60
    while None in heartbeat_ages(database=database, queues=settings.WORKER_QUEUES).values():
        assert time.monotonic() < deadline, "the worker ran no heartbeat task"
        time.sleep(0.2)
    health_cache_clear()


def test_the_health_report_sees_database_broker_and_worker(heartbeats) -> None:
    from imagesite.health import health_report

    report = health_report(budget_s=5)
    assert {check.name: check.ok for check in report.checks} == {
        "database": True,
        "broker": True,
        "worker": True,
    }


def test_a_task_round_trips_on_the_fallback_broker(mongodb_uri: str, tmp_path: Path) -> None:
    env = worker_env(mongodb_uri=mongodb_uri, REDIS_URL="")
    worker = start_worker(env=env, log_path=tmp_path / "worker.log")
    value = uuid.uuid4().hex
    client = (
        "from imagesite.celery import ping; import sys; "
        f"print(ping.delay({value!r}).get(timeout=90))"
    )
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", client],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=150,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    log = (tmp_path / "worker.log").read_text()
    assert result.stdout.strip() == value, result.stderr[-2000:] + log[-2000:]
    assert "mongodb://" in log  # the worker really used the MongoDB transport
    assert time.monotonic() - started < 150


def test_the_broker_is_redis_when_set_and_the_database_otherwise() -> None:
    code = "from django.conf import settings as s; print(s.CELERY_BROKER_URL)"
    base = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    with_redis = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**base, "REDIS_URL": "redis://127.0.0.1:6379/3"},
        capture_output=True,
        text=True,
    )
    without = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**base, "MONGODB_URI": "mongodb://db.internal:27017/?replicaSet=rs0"},
        capture_output=True,
        text=True,
    )
    assert with_redis.stdout.strip().endswith("redis://127.0.0.1:6379/3")
    broker = without.stdout.strip().splitlines()[-1]
    assert broker.startswith("mongodb://db.internal:27017/celery-broker?replicaSet=rs0&")
    # the broker's client gets the short timeouts and journaled writes of the database's
    assert "serverSelectionTimeoutMS=1000" in broker
    assert "journal=true" in broker


def test_the_health_page_shows_details_to_staff_only(heartbeats, client) -> None:
    from tests.factories import UserFactory

    public = client.get("/health/", headers={"Accept": "application/json"}).json()
    assert public["ok"] is True
    assert all(set(check) == {"name", "ok"} for check in public["checks"])
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/health/", headers={"Accept": "application/json"}).json()
    assert {check["name"]: bool(check["detail"]) for check in staff["checks"]} == {
        "database": True,
        "broker": True,
        "worker": True,
    }
