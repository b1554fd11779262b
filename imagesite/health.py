"""Whether the database and the broker answer and a worker takes work.

/health/ answers within about 200 ms whatever is down: the three checks run in parallel on a
small thread pool, each result is reused for CACHE_S seconds, and a check that has not answered
within the budget is reported as failing (it keeps running, and the next call reuses it rather
than starting another). A worker is healthy when every queue has a recent heartbeat
(imagesite/heartbeat.py): a pool that takes no work fails even if its main process answers ping.
"""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from functools import cache

import pymongo
import redis
from django.conf import settings
from django.db import connections

from imagesite.celery import app
from imagesite.heartbeat import heartbeat_ages

CACHE_S = 2.0
CLIENT_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class HealthReport:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self, *, detail: bool = True) -> dict[str, object]:
        checks = [
            asdict(check) if detail else {"name": check.name, "ok": check.ok}
            for check in self.checks
        ]
        return {"ok": self.ok, "checks": checks}


@cache
def _mongo(uri: str) -> pymongo.MongoClient[dict[str, object]]:
    return pymongo.MongoClient(
        uri,
        serverSelectionTimeoutMS=CLIENT_TIMEOUT_MS,
        connectTimeoutMS=CLIENT_TIMEOUT_MS,
        socketTimeoutMS=CLIENT_TIMEOUT_MS,
    )


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def _database_settings() -> tuple[str, str]:
    database = connections["default"].settings_dict
    return str(database["HOST"]), str(database["NAME"])


def _check_database() -> Check:
    uri, name = _database_settings()
    try:
        info = _mongo(uri).admin.command("ping")
        return Check("database", bool(info.get("ok")), name)
    except Exception as error:  # noqa: BLE001 - any failure means "not answering"
        return Check("database", False, str(error)[:200])


def _check_broker() -> Check:
    url = str(app.conf.broker_url or "")
    try:
        if url.startswith(("redis://", "rediss://")):
            _redis(url).ping()
            return Check("broker", True, "redis")
        if url.startswith("mongodb://"):
            _mongo(url).admin.command("ping")
            return Check("broker", True, "mongodb")
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            return Check("broker", True, str(conn.transport_cls))
    except Exception as error:  # noqa: BLE001
        return Check("broker", False, str(error)[:200])


def _check_workers() -> Check:
    uri, name = _database_settings()
    try:
        ages = heartbeat_ages(database=_mongo(uri)[name], queues=list(settings.WORKER_QUEUES))
    except Exception as error:  # noqa: BLE001
        return Check("worker", False, f"heartbeats unreadable: {str(error)[:180]}")
    stale = settings.HEARTBEAT_STALE_S
    late = [
        f"{queue}: {'no heartbeat' if age is None else f'last heartbeat {age:.0f} s ago'}"
        for queue, age in ages.items()
        if age is None or age > stale
    ]
    if late:
        return Check("worker", False, "no worker takes work on " + "; ".join(late))
    return Check("worker", True, ", ".join(f"{q} {age:.0f} s" for q, age in ages.items()))


_CHECKS = {"database": _check_database, "broker": _check_broker, "worker": _check_workers}
_pool = ThreadPoolExecutor(max_workers=len(_CHECKS), thread_name_prefix="health")
_lock = threading.Lock()
_running: dict[str, Future[Check]] = {}
_answers: dict[str, tuple[float, Check]] = {}


def _start(name: str) -> Future[Check] | Check:
    """A fresh cached answer, or the check's future (the one in flight, else a new one)."""
    with _lock:
        if (answer := _answers.get(name)) and time.monotonic() - answer[0] < CACHE_S:
            return answer[1]
        future = _running.get(name)
        if future is None or future.done():
            future = _pool.submit(_CHECKS[name])
            _running[name] = future
        return future


def health_report(*, budget_s: float = 0.15) -> HealthReport:
    started = {name: _start(name) for name in _CHECKS}
    deadline = time.monotonic() + budget_s
    checks = []
    for name, pending in started.items():
        if isinstance(pending, Check):
            checks.append(pending)
            continue
        try:
            check = pending.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            check = Check(name, False, f"no answer within {budget_s * 1000:.0f} ms")
        else:
            with _lock:
                _answers[name] = (time.monotonic(), check)
        checks.append(check)
    return HealthReport(checks)


def health_cache_clear() -> None:
    """Forget cached answers (tests, or after changing settings)."""
    with _lock:
        _answers.clear()
