"""The README's first command, from a fresh clone: it starts, serves the home page, stops."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from imagesite.embedded_db import free_port
from tests.conftest import BASE_DIR
from tests.waiting import wait_until

# a fresh clone installs every requirement into its own .venv (from pip's cache): minutes
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _wait_for_home(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.monotonic()

    def answers() -> bool:
        assert process.poll() is None, "the run command exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    assert wait_until(answers, timeout=timeout, interval=0.5), (
        f"{url} did not answer in {timeout} s"
    )
    return time.monotonic() - started


def test_bin_dev_starts_everything_from_a_fresh_clone_and_stops_cleanly(tmp_path: Path) -> None:
    if not (BASE_DIR / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(BASE_DIR), str(clone)], check=True)
    web_port, db_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "VAR_DIR",
            "MEDIA_ROOT",
            "MODEL_DIR",
            "MONGODB_URI",
            "MONGODB_NAME",
            "DJANGO_SETTINGS_MODULE",
        )
    }
    env.update(PORT=str(web_port), EMBEDDED_DB_PORT=str(db_port), REDIS_URL="")
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        ["bin/dev"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_home(f"http://127.0.0.1:{web_port}/", process, timeout=900)
        # the launcher prints the URL once its own check of the site has answered: a moment later
        printed = wait_until(
            lambda: f"http://127.0.0.1:{web_port}/" in (tmp_path / "run.log").read_text(),
            timeout=30,
            interval=0.3,
        )
        assert printed, (tmp_path / "run.log").read_text()[-3000:]
        assert (clone / "var" / "db").is_dir()  # the embedded database keeps its data there
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        leftovers = subprocess.run(["pgrep", "-f", str(clone)], capture_output=True, text=True)
        # the children run in sessions of their own: a failed run must not leave them behind
        subprocess.run(["pkill", "-KILL", "-f", str(clone)], check=False)
    assert leftovers.stdout.strip() == "", "processes of the run command are still running"
    assert "Stopped." in (tmp_path / "run.log").read_text()
