"""Processing pace: real corpus images uploaded over HTTP to the application as bin/dev starts it
(the launcher: embedded SecantusDB, web, workers, beat; its own ports and VAR_DIR in a temporary
folder), timed until every one is ready. Twice in the same run: with the default broker (kombu's
MongoDB transport on the embedded database) and with Redis (a private redis-server on a free
port), so that the ratio shows what the broker costs.

    .venv/bin/python bench/pipeline.py [--quick] [--clients N]

100 images (--quick: 30), distinct files of the COCO sample, 4 uploading clients. images_per_s
counts from the first upload to the last image ready; p95_ready_s is the 95th percentile, over
images, of the time from its upload's answer to ready. Last line:
pipeline: images_per_s=<default> redis_images_per_s=<redis> ratio=<default/redis>
p95_ready_s=<default>
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pymongo
from _django import BASE_DIR, percentile
from faults import App
from upload import Session

from imagesite.embedded_db import free_port

CORPUS = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus"
EMAIL, PASSWORD = "pipeline@example.com", "pw-pipeline-1234567"


@dataclass
class Result:
    images: int
    ready: int
    seconds: float
    upload_s: float
    p95_ready_s: float
    start_s: float

    @property
    def per_s(self) -> float:
        return self.ready / self.seconds if self.seconds else 0.0


def user_create(env: dict[str, str]) -> str:
    create = (
        "from accounts.models import User; from allauth.account.models import EmailAddress; "
        f"u = User.objects.create_user(username='pipeline', email={EMAIL!r}, "
        f"password={PASSWORD!r}); EmailAddress.objects.create(user=u, email={EMAIL!r}, "
        "verified=True, primary=True); print(u.pk)"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", create],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]


def redis_start() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(port)]
        + ["--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    return server, f"redis://127.0.0.1:{port}/0"


def run(files: list[Path], *, redis: bool, clients: int, timeout: float = 600) -> Result:
    from bson import ObjectId

    root = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    port, db_port = free_port(), free_port()
    redis_server, redis_url = redis_start() if redis else (None, "")
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_NAME")}
    env.update(
        VAR_DIR=str(root),
        MEDIA_ROOT=str(root / "media"),
        MODEL_DIR=str(root / "models"),
        PORT=str(port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL=redis_url,
        CACHE_URL=redis_url,
        CELERY_KEY_PREFIX="",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    app = App(root=root, env=env, port=port, db_port=db_port)
    uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
    try:
        start_s = app.start()
        owner = ObjectId(user_create({**env, "MONGODB_URI": uri}))
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            uri, serverSelectionTimeoutMS=2000
        )
        images = client["imagesite"]["gallery_image"]
        session = Session(f"http://127.0.0.1:{port}", EMAIL, PASSWORD)
        acknowledged: dict[str, float] = {}  # sha256 -> when its upload answered
        lock = threading.Lock()
        started = time.monotonic()

        def upload(path: Path) -> None:
            data = path.read_bytes()
            answer = session.upload(data, path.name)
            if "outcome-stored" not in answer:
                raise RuntimeError(f"{path.name} was not stored: {answer[:500]}")
            with lock:
                acknowledged[hashlib.sha256(data).hexdigest()] = time.monotonic()

        ready_at: dict[str, float] = {}
        with ThreadPoolExecutor(clients) as pool:
            uploads = [pool.submit(upload, path) for path in files]
            deadline = started + timeout
            while len(ready_at) < len(files) and time.monotonic() < deadline:
                now = time.monotonic()
                ready = {"owner_id": owner, "status": "ready"}
                for doc in images.find(ready, {"sha256": 1}):
                    ready_at.setdefault(str(doc["sha256"]), now)
                if all(future.done() for future in uploads):
                    for future in uploads:
                        future.result()  # an upload that failed fails the bench
                time.sleep(0.2)
            upload_s = max(acknowledged.values(), default=started) - started
        client.close()
    finally:
        app.stop()
        if redis_server:
            redis_server.terminate()
            redis_server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
    if len(ready_at) < len(files):
        print(f"  only {len(ready_at)} of {len(files)} ready after {timeout:.0f} s", flush=True)
    waits = [ready_at[sha] - acknowledged[sha] for sha in ready_at if sha in acknowledged]
    return Result(
        images=len(files),
        ready=len(ready_at),
        seconds=max(ready_at.values(), default=started) - started,
        upload_s=upload_s,
        p95_ready_s=percentile(waits, 0.95) if waits else float("nan"),
        start_s=start_s,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 images instead of 100")
    parser.add_argument("--clients", type=int, default=4, help="uploading clients (4)")
    options = parser.parse_args()
    count = 30 if options.quick else 100
    files = sorted((CORPUS / "coco128" / "images").rglob("*.jpg"))[:count]
    if len(files) < count:
        sys.exit(f"{CORPUS / 'coco128' / 'images'} holds {len(files)} images, not {count}")
    print(f"cores={os.cpu_count()} images={count} clients={options.clients}", flush=True)
    results = {}
    for name, redis in (("default", False), ("redis", True)):
        result = run(files, redis=redis, clients=options.clients)
        results[name] = result
        print(
            f"{name:<8} started_s={result.start_s:.1f} uploaded_s={result.upload_s:.1f} "
            f"ready={result.ready}/{result.images} all_ready_s={result.seconds:.1f} "
            f"images_per_s={result.per_s:.2f} p95_ready_s={result.p95_ready_s:.2f}",
            flush=True,
        )
    default, redis_result = results["default"], results["redis"]
    ratio = default.per_s / redis_result.per_s if redis_result.per_s else float("nan")
    print(
        f"pipeline: images_per_s={default.per_s:.2f} redis_images_per_s={redis_result.per_s:.2f} "
        f"ratio={ratio:.2f} p95_ready_s={default.p95_ready_s:.2f}"
    )


if __name__ == "__main__":
    main()
