"""Degraded, not broken: with the database really stopped a page answers 503 within 2 s with a
page that says so; once it is back the same server answers again, with no restart."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import kombu.exceptions
import pymongo.errors
import pytest
from django.db import DatabaseError

from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port
from imagesite.middleware import unavailable_part
from tests.conftest import BASE_DIR


def test_it_names_the_part_that_is_away_from_the_error_chain() -> None:
    cause = pymongo.errors.ServerSelectionTimeoutError("no server")
    wrapped = DatabaseError()  # what django_mongodb_backend raises from the pymongo error
    wrapped.__cause__ = cause
    assert unavailable_part(wrapped) == "database"
    assert unavailable_part(kombu.exceptions.OperationalError("refused")) == "task queue"
    assert unavailable_part(ValueError("a bug")) is None


def _get(url: str, **headers: str) -> tuple[int, str, float]:
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Cookie": "sessionid=" + "a1" * 16, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


@pytest.mark.slow
def test_pages_answer_503_fast_while_the_database_is_stopped_and_resume(tmp_path: Path) -> None:
    db_port, web_port = free_port(), free_port()
    uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
    database = embedded_db_start(port=db_port, storage=tmp_path / "db")
    env = {**os.environ, "MONGODB_URI": uri, "VAR_DIR": str(tmp_path), "CACHE_URL": ""}
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "imagesite.webserver", f"127.0.0.1:{web_port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{web_port}/accounts/login/"  # a session cookie: the page reads it
    try:
        embedded_db_wait(uri=uri, process=database)
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(url)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()[-2000:]
            time.sleep(0.3)
        database.send_signal(signal.SIGKILL)
        database.wait()
        status, body, seconds = _get(url)
        assert (status, seconds < 2) == (503, True), body[-2000:]
        assert "The database is not answering" in body
        assert "Your work is safe" in body
        status, fragment, _ = _get(url, **{"HX-Request": "true"})
        assert status == 503
        assert "<html" not in fragment
        assert "database is not answering" in fragment
        database = embedded_db_start(port=db_port, storage=tmp_path / "db")
        embedded_db_wait(uri=uri, process=database)
        assert _get(url)[0] == 200
    finally:
        web.terminate()
        web.wait(timeout=15)
        database.kill()
        database.wait()
