"""/health/ answers fast whatever is down, and a worker that takes no work fails it."""

import time

import pytest
from django.db import connections

from imagesite.embedded_db import free_port
from imagesite.health import health_cache_clear, health_report


@pytest.fixture
def dead_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The health checks' database is a port nothing listens on."""
    dead = f"mongodb://127.0.0.1:{free_port()}/?directConnection=true"
    monkeypatch.setitem(connections["default"].settings_dict, "HOST", dead)
    health_cache_clear()
    yield
    health_cache_clear()


def test_it_answers_within_200_ms_with_the_database_away(dead_database) -> None:
    for _ in range(3):
        started = time.monotonic()
        report = health_report()
        assert time.monotonic() - started < 0.2
        checks = {check.name: check for check in report.checks}
        assert not checks["database"].ok
        assert not checks["worker"].ok
        assert not report.ok


@pytest.mark.django_db
def test_a_worker_without_a_recent_heartbeat_fails(settings) -> None:
    from datetime import UTC, datetime, timedelta

    from imagesite.heartbeat import COLLECTION

    connections["default"].ensure_connection()
    heartbeats = connections["default"].database[COLLECTION]
    old = datetime.now(UTC) - timedelta(seconds=settings.HEARTBEAT_STALE_S + 5)
    for queue in settings.WORKER_QUEUES:
        heartbeats.replace_one({"_id": queue}, {"at": datetime.now(UTC)}, upsert=True)
    heartbeats.replace_one({"_id": "ml"}, {"at": old}, upsert=True)
    health_cache_clear()
    try:
        worker = next(c for c in health_report(budget_s=5).checks if c.name == "worker")
    finally:
        heartbeats.delete_many({})
        health_cache_clear()
    assert not worker.ok
    assert "ml: last heartbeat" in worker.detail
