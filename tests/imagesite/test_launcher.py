"""The launcher keeps the application running: a killed worker or database is restarted, the
site keeps answering, and Ctrl-C stops everything in order within 10 s."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pymongo
import pytest

from imagesite.embedded_db import free_port
from tests.conftest import BASE_DIR

pytestmark = pytest.mark.slow


def _wait_for(path: Path, text: str, *, count: int = 1, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while path.read_text().count(text) < count:
        assert time.monotonic() < deadline, f"no {text!r} in:\n{path.read_text()[-3000:]}"
        time.sleep(0.2)


def _pid(output: Path, name: str) -> int:
    """The pid the launcher printed for a child ("  worker    pid 1234, log ...")."""
    return int(re.search(rf"{name}\s+pid (\d+)", output.read_text()).group(1))


def test_killed_children_are_restarted_and_the_stop_is_orderly(tmp_path: Path) -> None:
    web_port, db_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MONGODB_URI", "MONGODB_NAME", "MEDIA_ROOT", "MODEL_DIR")
    }
    env.update(
        VAR_DIR=str(tmp_path),
        PORT=str(web_port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL="",
        CACHE_URL="",
        WORKER_CONCURRENCY="1",
    )
    output = tmp_path / "run.log"
    launcher = subprocess.Popen(
        [sys.executable, "-m", "imagesite.launcher"],
        cwd=BASE_DIR,
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(output, "is running at")
        record = json.loads((tmp_path / "embedded-db.json").read_text())
        assert record == {"port": db_port, "pid": launcher.pid}  # what manage.py reads
        database_pid, worker_pid = _pid(output, "database"), _pid(output, "worker")
        os.kill(worker_pid, signal.SIGKILL)
        _wait_for(output, "worker restarted")
        os.kill(database_pid, signal.SIGKILL)
        _wait_for(output, "database restarted")
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            f"mongodb://127.0.0.1:{db_port}/?directConnection=true", serverSelectionTimeoutMS=20000
        )
        assert client.admin.command("ping")["ok"]
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=10) as response:
            assert response.status == 200
        assert launcher.poll() is None
        started = time.monotonic()
        os.kill(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    assert "Stopped." in output.read_text()
    assert not (tmp_path / "embedded-db.json").exists()
    leftovers = subprocess.run(["pgrep", "-f", f"--port {db_port}"], capture_output=True)
    assert leftovers.stdout.strip() == b""
