"""Whether the database, the broker and a worker answer."""

from dataclasses import asdict, dataclass

from django.db import connection

from imagesite.celery import app


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


def _check_database() -> Check:
    try:
        connection.ensure_connection()
        info = connection.connection.admin.command("ping")  # type: ignore[union-attr]
        return Check("database", bool(info.get("ok")), connection.settings_dict["NAME"])
    except Exception as error:  # noqa: BLE001 - any failure means "not answering"
        return Check("database", False, str(error)[:200])


def _check_broker() -> Check:
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            return Check("broker", True, conn.transport_cls)
    except Exception as error:  # noqa: BLE001
        return Check("broker", False, str(error)[:200])


def _check_workers(timeout: float) -> Check:
    try:
        replies = app.control.ping(timeout=timeout) or []
    except Exception as error:  # noqa: BLE001
        return Check("worker", False, str(error)[:200])
    names = sorted(name for reply in replies for name in reply)
    return Check("worker", bool(names), ", ".join(names) or "no worker answered")


def health_report(*, worker_timeout: float = 2.0) -> HealthReport:
    return HealthReport([_check_database(), _check_broker(), _check_workers(worker_timeout)])
