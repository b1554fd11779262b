"""Start the whole application: embedded database (unless MONGODB_URI is set), migrations, web,
Celery worker and beat. Ctrl-C (or SIGTERM) stops every process it started.

Run through bin/dev, which creates the virtual environment first.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Supervisor:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: Sequence[str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child
        process = subprocess.Popen(
            list(command),
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append((name, process))
        print(f"  {name:<9} pid {process.pid}, log {log.name}", flush=True)
        return process

    def adopt(self, name: str, process: subprocess.Popen[bytes]) -> None:
        self.children.append((name, process))

    def stop(self) -> None:
        """Stop in reverse order: web and workers first, the database last."""
        for name, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    print(f"  {name} did not stop in 20 s; killing it", flush=True)
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

    def first_exited(self) -> tuple[str, int] | None:
        for name, process in self.children:
            if (code := process.poll()) is not None:
                return name, code
        return None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
    from django.conf import settings

    from imagesite.embedded_db import embedded_db_start, embedded_db_wait, port_in_use

    log_dir = settings.VAR_DIR / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    supervisor = Supervisor(log_dir)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job ignores it
        signal.signal(stop_signal, _interrupt)
    try:
        print("Starting the image workshop:", flush=True)
        if not os.environ.get("MONGODB_URI"):
            db_port = settings.EMBEDDED_DB_PORT
            if port_in_use(db_port):
                print(
                    f"Port {db_port} is taken: another instance running? Set "
                    "EMBEDDED_DB_PORT or MONGODB_URI.",
                    file=sys.stderr,
                )
                return 1
            storage = settings.VAR_DIR / "db"
            process = embedded_db_start(
                port=db_port, storage=storage, log_path=log_dir / "database.log"
            )
            supervisor.adopt("database", process)
            print(f"  database  SecantusDB on 127.0.0.1:{db_port}, data in {storage}", flush=True)
            embedded_db_wait(uri=settings.MONGODB_URI, process=process)
        _manage("migrate", "--noinput", "-v", "0")
        _manage("collectstatic", "--noinput", "-v", "0")
        celery = [sys.executable, "-m", "celery", "-A", "imagesite"]
        supervisor.start(
            "worker",
            [
                *celery,
                "worker",
                "-Q",
                "default,ml,scrape",
                "--concurrency",
                os.environ.get("WORKER_CONCURRENCY", "2"),
                "--loglevel",
                "INFO",
            ],
        )
        supervisor.start(
            "beat",
            [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        )
        supervisor.start(
            "web", [sys.executable, "manage.py", "runserver", "--noreload", f"{host}:{port}"]
        )
        print(
            f"\nThe image workshop is running at http://{host}:{port}/  (Ctrl-C stops it)",
            flush=True,
        )
        while (exited := supervisor.first_exited()) is None:
            time.sleep(0.5)
        name, code = exited
        print(f"{name} exited with code {code}; see {log_dir / (name + '.log')}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        supervisor.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
