"""Fault injection against the application as bin/dev starts it (the launcher: embedded
SecantusDB, web, worker, beat), on its own ports and VAR_DIR in a temporary folder.

Each scenario uploads distinct corpus images over HTTP as a signed-in user while one fault is
injected, then waits until every acknowledged upload (answered "stored") is ready:

    pool      SIGKILL of one pool process of the worker
    worker    SIGKILL of the worker's main process (its pool is orphaned)
    database  SIGKILL of the embedded database
    beat      SIGKILL of beat
    broker    the broker away for 20 s (Redis: the server paused; default broker: the database,
              which carries it, paused with SIGSTOP)
    sigint    SIGINT to the launcher, then a fresh start on the same data

A durability section first measures inserts per second of the embedded database with and
without --sync-on-commit (4 writer threads, 2 s each, three alternated rounds, medians).

    .venv/bin/python bench/faults.py [--quick] [--redis]

--quick: the pool, worker and database scenarios with 10 uploads each. Last line:
faults: scenarios=<n> acknowledged=<n> lost=<n> duplicates=<n> stuck_jobs=<n> max_recovery_s=<s>
server_errors=<n>
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from dataclasses import dataclass, field
from pathlib import Path

import pymongo
from _django import BASE_DIR
from upload import Session

from imagesite.embedded_db import embedded_db_start, embedded_db_wait, free_port

CORPUS = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus"
EMAIL, PASSWORD = "faults@example.com", "pw-faults-1234567"
FINAL_JOB_STATES = ("succeeded", "failed")


def inserts_per_s(*, durable: bool, seconds: float = 3.0, writers: int = 4) -> float:
    root = tempfile.mkdtemp(prefix="bench-durable-")
    port = free_port()
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true&journal=true"
    database = embedded_db_start(port=port, storage=root, durable=durable)
    counts = [0] * writers
    try:
        embedded_db_wait(uri=uri, process=database)
        stop = time.monotonic() + seconds

        def write(n: int) -> None:
            client = pymongo.MongoClient(uri)
            while time.monotonic() < stop:
                client.bench.docs.insert_one({"writer": n, "i": counts[n]})
                counts[n] += 1

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        database.terminate()
        database.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
    return sum(counts) / seconds


@dataclass
class App:
    root: Path
    env: dict[str, str]
    port: int
    db_port: int
    process: subprocess.Popen[bytes] | None = None
    output: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output = self.root / "launcher.log"

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "imagesite.launcher"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.output.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        runs = self.output.read_text().count("is running at")
        while self.output.read_text().count("is running at") <= runs:
            if self.process.poll() is not None:
                raise RuntimeError(self.output.read_text()[-3000:])
            time.sleep(0.3)
        return time.monotonic() - started

    def pid(self, name: str) -> int:
        """The newest pid the launcher printed for a child."""
        text = self.output.read_text()
        found = re.findall(rf"{name}\s+pid (\d+)|{name} restarted \(pid (\d+)", text)
        return int("".join(found[-1]))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Tally:
    acknowledged: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    unavailable: int = 0


def upload_all(session: Session, files: list[Path], tally: Tally, lock: threading.Lock) -> None:
    for path in files:
        data = path.read_bytes()
        status = 0
        try:
            answer = session.upload(data, path.name)
            status = 200
        except urllib.error.HTTPError as error:
            status, answer = error.code, ""
        except OSError:
            answer = ""  # connection refused or reset: the server was away
        with lock:
            tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
            if "outcome-stored" in answer or "outcome-duplicate" in answer:
                tally.acknowledged.add(hashlib.sha256(data).hexdigest())
            if status == 503:
                tally.unavailable += 1
            elif status >= 500:
                tally.server_errors += 1
        time.sleep(0.2)


def signed_in(base: str, deadline_s: float = 60) -> Session:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return Session(base, EMAIL, PASSWORD)
        except (OSError, AttributeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def inject(app: App, name: str, redis_pid: int | None) -> None:
    if name == "pool":
        worker = app.pid("worker")
        children = Path(f"/proc/{worker}/task/{worker}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)
    elif name in ("worker", "database", "beat"):
        os.kill(app.pid(name), signal.SIGKILL)
    elif name == "broker":
        target = redis_pid or app.pid("database")
        os.kill(target, signal.SIGSTOP)
        time.sleep(20)
        os.kill(target, signal.SIGCONT)
    elif name == "sigint":
        app.stop()
        app.start()


def wait_ready(images, owner_id, hashes: set[str], timeout: float) -> int:
    """Seconds until every acknowledged upload is ready; returns how many are not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready = images.count_documents(
                {"owner_id": owner_id, "sha256": {"$in": list(hashes)}, "status": "ready"}
            )
        except pymongo.errors.PyMongoError:
            ready = -1
        if ready == len(hashes) or time.monotonic() > deadline:
            return len(hashes) - max(ready, 0)
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--redis", action="store_true", help="broker and cache on Redis")
    options = parser.parse_args()
    scenarios = ["pool", "worker", "database"]
    if not options.quick:
        scenarios += ["beat", "broker", "sigint"]
    per_scenario = 10 if options.quick else 20
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(3):  # alternated: the machine's other load hits both alike
        for durable in (False, True):
            rates[durable].append(inserts_per_s(durable=durable, seconds=2.0))
    plain, synced = (sorted(rates[d])[1] for d in (False, True))  # medians
    print(
        f"durability: inserts_per_s={plain:.0f} without sync, {synced:.0f} with "
        f"--sync-on-commit ({synced / plain:.2f}x)",
        flush=True,
    )
    root = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    port, db_port = free_port(), free_port()
    redis_server, redis_url = None, ""
    if options.redis:  # a private server: pausing it touches nobody else's
        redis_port = free_port()
        redis_server = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(redis_port)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_NAME")}
    env.update(
        VAR_DIR=str(root),
        MEDIA_ROOT=str(root / "media"),
        MODEL_DIR=str(root / "models"),
        PORT=str(port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL=redis_url,
        CACHE_URL=redis_url,
        CELERY_KEY_PREFIX=f"faults-{os.getpid()}:" if redis_url else "",
        HEARTBEAT_S="5",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    app = App(root=root, env=env, port=port, db_port=db_port)
    files = sorted((CORPUS / "coco128" / "images").rglob("*.jpg"))
    tally, lock = Tally(), threading.Lock()
    recoveries: list[float] = []
    not_ready = 0
    try:
        print(f"started in {app.start():.1f} s", flush=True)
        create = (
            "from accounts.models import User; from allauth.account.models import EmailAddress; "
            f"u = User.objects.create_user(username='faults', email={EMAIL!r}, "
            f"password={PASSWORD!r}); EmailAddress.objects.create(user=u, email={EMAIL!r}, "
            "verified=True, primary=True); print(u.pk)"
        )
        owner = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create],
            cwd=BASE_DIR,
            env={**env, "MONGODB_URI": f"mongodb://127.0.0.1:{db_port}/?directConnection=true"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        from bson import ObjectId

        client = pymongo.MongoClient(
            f"mongodb://127.0.0.1:{db_port}/?directConnection=true", serverSelectionTimeoutMS=2000
        )
        database = client["imagesite"]
        base = f"http://127.0.0.1:{port}"
        for number, name in enumerate(scenarios):
            batch = files[number * per_scenario : (number + 1) * per_scenario]
            session = signed_in(base)
            before = set(tally.acknowledged)
            uploader = threading.Thread(target=upload_all, args=(session, batch, tally, lock))
            uploader.start()
            time.sleep(2.0)
            fault_at = time.monotonic()
            inject(app, name, redis_server.pid if redis_server else None)
            uploader.join()
            hashes = tally.acknowledged - before
            left = wait_ready(database.gallery_image, ObjectId(owner), hashes, timeout=150)
            recovery = time.monotonic() - fault_at
            recoveries.append(recovery)
            not_ready += left
            print(
                f"{name:<9} acknowledged={len(hashes)} not_ready={left} "
                f"recovery_s={recovery:.1f} statuses={tally.statuses}",
                flush=True,
            )
        owner_filter = {"owner_id": ObjectId(owner)}
        stored = {doc["sha256"] for doc in database.gallery_image.find(owner_filter)}
        lost = len(tally.acknowledged - stored)
        counts: dict[str, int] = {}
        for doc in database.gallery_image.find(owner_filter, {"sha256": 1}):
            counts[doc["sha256"]] = counts.get(doc["sha256"], 0) + 1
        duplicates = sum(count - 1 for count in counts.values())
        stuck = sum(
            database[name].count_documents({"status": {"$nin": list(FINAL_JOB_STATES)}})
            for name in database.list_collection_names()
            if name.endswith("_job")
        )
        print(f"images not ready at the end of their scenario: {not_ready}")
        print(f"503 answers (with the page saying why): {tally.unavailable}")
    finally:
        app.stop()
        if redis_server:
            redis_server.terminate()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"faults: scenarios={len(scenarios)} acknowledged={len(tally.acknowledged)} lost={lost} "
        f"duplicates={duplicates} stuck_jobs={stuck} max_recovery_s={max(recoveries):.1f} "
        f"server_errors={tally.server_errors}"
    )


if __name__ == "__main__":
    main()
