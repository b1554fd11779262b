"""A .env file fills in unset variables; manage.py finds the database a running launcher started."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from imagesite.env import env_file_load
from tests.conftest import BASE_DIR

SHOW = "from django.conf import settings as s; print(s.MONGODB_URI, s.MONGODB_NAME, s.TIME_ZONE)"


def _manage_shell(command: str = SHOW, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MONGODB_URI", "EMBEDDED_DB_PORT", "ENV_FILE", "TIME_ZONE", "MONGODB_NAME")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", command],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_file_sets_what_is_unset_and_skips_comments(tmp_path: Path, monkeypatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n\nIMAGESITE_T1=one\nexport IMAGESITE_T2='two words'\nIMAGESITE_T3=set\n"
    )
    monkeypatch.delenv("IMAGESITE_T1", raising=False)
    monkeypatch.delenv("IMAGESITE_T2", raising=False)
    monkeypatch.setenv("IMAGESITE_T3", "from the shell")
    env_file_load(env_file)
    assert os.environ["IMAGESITE_T1"] == "one"
    assert os.environ["IMAGESITE_T2"] == "two words"
    assert os.environ["IMAGESITE_T3"] == "from the shell"  # never overridden
    monkeypatch.delenv("IMAGESITE_T1")
    monkeypatch.delenv("IMAGESITE_T2")


def test_a_bad_env_line_names_the_file_and_line(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("GOOD=1\nnot a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2"):
        env_file_load(env_file)


def test_manage_py_reads_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TIME_ZONE=Europe/Paris\nMONGODB_NAME=from_dotenv\n")
    result = _manage_shell(ENV_FILE=str(env_file), VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["from_dotenv", "Europe/Paris"]


def test_manage_py_finds_the_database_a_running_launcher_recorded(
    tmp_path: Path, mongodb_uri: str
) -> None:
    # The record names this (live) process as the launcher and the test server's port.
    port = int(mongodb_uri.split(":")[2].split("/")[0])
    (tmp_path / "embedded-db.json").write_text(json.dumps({"port": port, "pid": os.getpid()}))
    ping = "from django.db import connection as c; print(c.database.command('ping')['ok'])"
    result = _manage_shell(ping, VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.0"]


def test_a_record_left_by_a_dead_launcher_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    (tmp_path / "embedded-db.json").write_text(json.dumps({"port": 28555, "pid": int(dead.stdout)}))
    result = _manage_shell(VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("mongodb://127.0.0.1:27117/")  # the default
