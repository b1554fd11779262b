"""An acknowledged write survives a SIGKILL of the embedded database as the launcher starts it."""

import os
import signal
import threading
import time
from pathlib import Path

import pymongo
import pytest

from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port

pytestmark = pytest.mark.slow


def test_no_acknowledged_insert_is_lost_when_the_database_is_killed(tmp_path: Path) -> None:
    port = free_port()
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true&journal=true"
    database = embedded_db_start(port=port, storage=tmp_path / "db")  # the launcher's way
    embedded_db_wait(uri=uri, process=database)
    acknowledged: list[str] = []

    def write(writer: int) -> None:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            uri, serverSelectionTimeoutMS=500
        )
        for number in range(100_000):
            try:
                client.trial.docs.insert_one({"_id": f"{writer}-{number}"})
            except pymongo.errors.PyMongoError:
                return
            acknowledged.append(f"{writer}-{number}")

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    time.sleep(2)
    os.killpg(database.pid, signal.SIGKILL)
    database.wait()
    for thread in writers:
        thread.join(timeout=10)
    database = embedded_db_start(port=port, storage=tmp_path / "db")
    try:
        embedded_db_wait(uri=uri, process=database)
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(uri)
        stored = {doc["_id"] for doc in client.trial.docs.find({}, {"_id": 1})}
    finally:
        database.terminate()
        database.wait(timeout=30)
    assert len(acknowledged) > 100
    assert set(acknowledged) - stored == set()
