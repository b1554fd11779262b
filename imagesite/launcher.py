"""Start the whole application and keep it running: embedded database (unless MONGODB_URI is
set), migrations, the model weights that are missing (installed in the background), web, two
Celery workers (default and scrape queues with a process per core; ml with one) and beat. Run through bin/dev, which creates the virtual environment first.
LAUNCHER_ROLE=worker starts the two workers alone, for a worker host that reaches the database,
the broker and the media of the main host (see the README's multi-host deployment).

A supervisor watches the children. One that exits is restarted, after 1 s, then 2, 4... up to
30 s while it keeps dying young (the count starts again once it has run for a minute), and each
exit and restart is printed. A worker whose pool takes no work (no heartbeat on any of its queues
for HEARTBEAT_STALE_S, imagesite/heartbeat.py, and no task running) is restarted too.

Ctrl-C or SIGTERM stops everything in order within about 10 s: the web server stops accepting
and drains its requests while the workers shut down warm (unfinished tasks go back to the
broker) and beat stops; the database goes last.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

BASE_DIR = Path(__file__).resolve().parent.parent
BACKOFF_S, BACKOFF_MAX_S, STABLE_S = 1.0, 30.0, 60.0
WATCH_EVERY_S = 5.0
STOP_WARM_S, STOP_KILL_S, STOP_DATABASE_S = 6.5, 8.0, 10.0

Start = Callable[[], "subprocess.Popen[bytes]"]


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def _exit_text(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


@dataclass
class Child:
    name: str
    start: Start
    process: "subprocess.Popen[bytes] | None" = None
    started_at: float = 0.0
    young_exits: int = 0  # exits in a row within STABLE_S of starting: the backoff's exponent
    restart_at: float | None = None
    restarts: int = 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def uptime(self, now: float) -> float:
        return now - self.started_at if self.alive() else 0.0


@dataclass
class Supervisor:
    log_dir: Path
    children: dict[str, Child] = field(default_factory=dict)
    stopping: bool = False

    def command(self, name: str, command: Sequence[str]) -> Start:
        def start() -> "subprocess.Popen[bytes]":
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child's now
            try:
                return subprocess.Popen(
                    list(command),
                    cwd=BASE_DIR,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            finally:
                log.close()

        return start

    def add(self, name: str, start: Start) -> Child:
        child = Child(name, start)
        self.children[name] = child
        self._launch(child)
        say(f"  {name:<9} pid {child.process.pid if child.process else '?'}, log {self._log(name)}")
        return child

    def _log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def _launch(self, child: Child) -> None:
        child.process = child.start()
        child.started_at = time.monotonic()
        child.restart_at = None

    def poll(self) -> None:
        """Notice children that exited; restart those whose backoff has passed."""
        now = time.monotonic()
        for child in self.children.values():
            if self.stopping or child.process is None:
                continue
            code = child.process.poll()
            if code is not None and child.restart_at is None:
                with contextlib.suppress(ProcessLookupError):  # its orphans (pool processes)
                    os.killpg(child.process.pid, signal.SIGKILL)
                ran = now - child.started_at
                child.young_exits = child.young_exits + 1 if ran < STABLE_S else 1
                delay = min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (child.young_exits - 1))
                child.restart_at = now + delay
                say(
                    f"{child.name} {_exit_text(code)} after {ran:.0f} s; restarting in "
                    f"{delay:.0f} s (see {self._log(child.name)})"
                )
            elif code is not None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._launch(child)
                pid = child.process.pid if child.process else "?"
                say(f"{child.name} restarted (pid {pid}, restart {child.restarts})")

    def restart(self, name: str, reason: str) -> None:
        """Stop a child that is alive but useless; poll() then restarts it at once."""
        child = self.children[name]
        if not child.alive() or child.process is None:
            return
        say(f"{name} {reason}; restarting it")
        _terminate(child.process, warm_s=STOP_WARM_S)
        child.young_exits = 0  # not its fault: no backoff

    def stop(self) -> None:
        """Web, workers and beat at once (the web server drains while the workers shut down
        warm), then the database; the whole stop takes at most STOP_DATABASE_S seconds."""
        self.stopping = True
        started = time.monotonic()
        others = [c for n, c in self.children.items() if n != "database" and c.alive()]
        for child in others:
            _signal(child, signal.SIGTERM)  # the main process only: it stops its own children
        _wait(others, until=started + STOP_WARM_S)
        for child in others:
            if child.alive():
                say(f"  {child.name} still running after {STOP_WARM_S:.0f} s: cold shutdown")
                _signal(child, signal.SIGQUIT)
        _wait(others, until=started + STOP_KILL_S)
        for child in others:
            _kill_group(child)
        if (database := self.children.get("database")) and database.alive():
            _signal(database, signal.SIGTERM)
            _wait([database], until=started + STOP_DATABASE_S)
            _kill_group(database)


def _signal(child: Child, signum: signal.Signals) -> None:
    if child.process is not None and child.process.poll() is None:
        child.process.send_signal(signum)


def _wait(children: list[Child], *, until: float) -> None:
    while any(child.alive() for child in children) and time.monotonic() < until:
        time.sleep(0.05)


def _kill_group(child: Child) -> None:
    """SIGKILL whatever is left of the child's session (its pool processes too)."""
    if child.process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signal.SIGKILL)
    child.process.wait()


def _terminate(process: "subprocess.Popen[bytes]", *, warm_s: float) -> None:
    process.terminate()
    try:
        process.wait(timeout=warm_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGQUIT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # pool processes left behind


class WorkerWatch:
    """Decides whether a worker is wedged: alive, yet no pool process takes work from its
    queues. `node` is its Celery node name (-n), asked whether a task is running."""

    def __init__(
        self, *, uri: str, database: str, queues: list[str], stale_s: float, node: str
    ) -> None:
        import pymongo

        self.client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            uri, serverSelectionTimeoutMS=1000, socketTimeoutMS=2000
        )
        self.database = database
        self.queues = queues
        self.stale_s = stale_s
        self.node = node

    def wedged(self, *, worker_up_s: float, beat_up_s: float) -> str | None:
        """Why the worker counts as wedged, or None. Never while the worker or beat (which
        queues the heartbeats) has just started, nor while the database is away."""
        from pymongo.errors import PyMongoError

        from imagesite.heartbeat import heartbeat_ages

        if worker_up_s < self.stale_s + 30 or beat_up_s < self.stale_s:
            return None
        try:
            ages = heartbeat_ages(database=self.client[self.database], queues=self.queues)
        except PyMongoError:
            return None  # the database is away: not the worker's fault
        known = [age for age in ages.values() if age is not None]
        if known and min(known) <= self.stale_s:
            return None
        if self._busy():
            return None
        newest = f"{min(known):.0f} s" if known else f"{worker_up_s:.0f} s (never)"
        return f"took no work for {newest}: no heartbeat on {', '.join(self.queues)}"

    def _busy(self) -> bool:
        """Whether a pool process is running a real task (a long one delays heartbeats)."""
        from imagesite.celery import app

        try:
            active = app.control.inspect([self.node], timeout=1.0).active() or {}
        except Exception:  # noqa: BLE001 - no answer: not busy
            return False
        return any(task for tasks in active.values() for task in tasks)

    def close(self) -> None:
        self.client.close()


def site_wait(url: str, supervisor: Supervisor, *, timeout: float = 180.0) -> bool:
    """Wait until the site answers (any HTTP status), supervising meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own URL
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if not with 200
        except OSError:
            supervisor.poll()
            time.sleep(0.3)
    return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def _models_ensure() -> "subprocess.Popen[bytes]":
    """Install missing model weights in the background (`manage.py models ensure`: from
    MODEL_SOURCE_DIR, else downloaded), its progress in this console; the site starts at once and
    each feature says "not installed yet" until its files are in."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "models", "ensure"], cwd=BASE_DIR, start_new_session=True
    )


def _start_database(supervisor: Supervisor) -> int:
    """Start the embedded database; 0, or 1 when its port is taken."""
    from django.conf import settings

    from imagesite.embedded_db import (
        embedded_db_record,
        embedded_db_start,
        embedded_db_wait,
        port_in_use,
    )

    db_host, db_port = settings.EMBEDDED_DB_HOST, settings.EMBEDDED_DB_PORT
    if port_in_use(db_port, db_host):
        print(
            f"Port {db_port} is taken: another instance running? Set EMBEDDED_DB_PORT or "
            "MONGODB_URI.",
            file=sys.stderr,
        )
        return 1
    storage = settings.VAR_DIR / "db"
    log_path = supervisor.log_dir / "database.log"
    child = supervisor.add(
        "database",
        lambda: embedded_db_start(port=db_port, storage=storage, log_path=log_path, host=db_host),
    )
    say(f"  database  SecantusDB on {db_host}:{db_port}, data in {storage} (sync on commit)")
    embedded_db_wait(uri=settings.MONGODB_URI, process=child.process)
    embedded_db_record(path=settings.EMBEDDED_DB_RECORD, port=db_port)  # for manage.py
    return 0


def _node(name: str) -> str:
    """The Celery node name of a worker child: unique per host (two workers run on each)."""
    return f"{'default' if name == 'worker' else name}@{socket.gethostname()}"


def _start_celery(supervisor: Supervisor, *, beat: bool) -> list[str]:
    """Start the workers (settings.WORKER_POOLS; the ml one unless ML_WORKER_CONCURRENCY is 0)
    and beat; the names of the worker children."""
    from django.conf import settings

    celery = [sys.executable, "-m", "celery", "-A", "imagesite"]
    concurrency = {"worker": settings.WORKER_CONCURRENCY, "ml": settings.ML_WORKER_CONCURRENCY}
    workers = []
    for name, queues in settings.WORKER_POOLS.items():
        processes = concurrency.get(name, 1)
        if processes < 1:
            continue
        worker = [*celery, "worker", "-Q", ",".join(queues), "-n", _node(name)]
        worker += ["--concurrency", str(processes), "--loglevel", "INFO"]
        if name == "ml":  # long tasks: one at a time per process, the rest left to other hosts
            worker += ["--prefetch-multiplier", "1"]
        supervisor.add(name, supervisor.command(name, worker))
        workers.append(name)
    if beat:
        schedule = str(settings.VAR_DIR / "celerybeat-schedule")
        command = [*celery, "beat", "--loglevel", "INFO", "--schedule", schedule]
        supervisor.add("beat", supervisor.command("beat", command))
    return workers


def _watch(supervisor: Supervisor, watches: dict[str, WorkerWatch]) -> None:
    next_watch = time.monotonic() + WATCH_EVERY_S
    while True:
        supervisor.poll()
        now = time.monotonic()
        if now >= next_watch:
            next_watch = now + WATCH_EVERY_S
            beat = supervisor.children.get("beat")  # None on a worker host: beat runs elsewhere
            for name, watch in watches.items():
                worker_up_s = supervisor.children[name].uptime(now)
                beat_up_s = beat.uptime(now) if beat else worker_up_s
                reason = watch.wedged(worker_up_s=worker_up_s, beat_up_s=beat_up_s)
                if reason:
                    supervisor.restart(name, reason)
        time.sleep(0.5)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
    from django.conf import settings

    from imagesite.embedded_db import embedded_db_forget

    log_dir = settings.VAR_DIR / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    role = os.environ.get("LAUNCHER_ROLE", "all")
    if role not in ("all", "worker"):
        print(f"LAUNCHER_ROLE must be all or worker, not {role!r}", file=sys.stderr)
        return 1
    supervisor = Supervisor(log_dir)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job ignores it
        signal.signal(stop_signal, _interrupt)
    watches: dict[str, WorkerWatch] = {}
    installer: subprocess.Popen[bytes] | None = None
    try:
        if role == "worker":
            say("Starting the image workshop's workers (LAUNCHER_ROLE=worker):")
            workers = _start_celery(supervisor, beat=False)
            say(f"The workers are running on {socket.gethostname()}  (Ctrl-C stops them)")
        else:
            say("Starting the image workshop:")
            if not os.environ.get("MONGODB_URI") and _start_database(supervisor):
                return 1
            _manage("migrate", "--noinput", "-v", "0")
            _manage("collectstatic", "--noinput", "-v", "0")
            installer = _models_ensure()
            workers = _start_celery(supervisor, beat=True)
            web = [sys.executable, "-m", "imagesite.webserver", f"{host}:{port}"]
            supervisor.add("web", supervisor.command("web", web))
            url = f"http://{host}:{port}/"
            if not site_wait(url, supervisor):
                say(f"{url} did not answer within 3 minutes; see {log_dir / 'web.log'}")
                return 1
            say(f"The image workshop is running at {url}  (Ctrl-C stops it)")
        database = settings.DATABASES["default"]
        for name in workers:
            watches[name] = WorkerWatch(
                uri=str(database["HOST"]),
                database=str(database["NAME"]),
                queues=list(settings.WORKER_POOLS[name]),
                stale_s=settings.HEARTBEAT_STALE_S,
                node=_node(name),
            )
        _watch(supervisor, watches)
        return 0  # never reached: only a signal ends the watch
    except KeyboardInterrupt:
        say("Stopping…")
        return 0
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop
        started = time.monotonic()
        if installer is not None and installer.poll() is None:
            installer.terminate()  # a partial download is kept and resumed on the next start
            with contextlib.suppress(subprocess.TimeoutExpired):
                installer.wait(timeout=2)
        supervisor.stop()
        embedded_db_forget(path=settings.EMBEDDED_DB_RECORD)
        for watch in watches.values():
            watch.close()
        say(f"Stopped. ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
