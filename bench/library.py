"""Server folders: a folder of real corpus images, replicated with distinct content, scanned by
the application as bin/dev starts it (the launcher, its own ports and VAR_DIR in a temporary
folder), timed until every image is ready; then rescanned unchanged, and again after changing
10 files, removing 10 and adding 10. The baseline in the same run: bench/pipeline.py's upload
path (the same corpus, uploaded over HTTP by 4 clients, timed until ready).

    .venv/bin/python bench/library.py [--quick]

2,000 files (--quick: 300). Each copy of a COCO sample JPEG gets a comment segment of its own
(a valid JPEG with a distinct SHA-256). files_per_s counts from the scan's start to the last
image ready; rescan_s is the unchanged rescan's own time (queued to finished, from its document).
Last line:
library: files=<n> imported=<n> expected=<n> files_per_s=<n> rescan_s=<s> changed=<n>
removed=<n> added=<n> upload_images_per_s=<n> ratio=<files_per_s/upload_images_per_s>
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymongo
from _django import BASE_DIR
from faults import App
from pipeline import CORPUS
from pipeline import run as pipeline_run
from upload import Session

from imagesite.embedded_db import free_port

EMAIL, PASSWORD = "library@example.com", "pw-library-1234567"


def distinct_jpeg(data: bytes, tag: str) -> bytes:
    """The same picture with a COM segment naming the copy: valid, and another SHA-256."""
    comment = f"copy {tag}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return data[:2] + segment + data[2:]


def folder_build(folder: Path, sources: list[Path], count: int) -> list[Path]:
    blobs = [path.read_bytes() for path in sources]
    paths = []
    for index in range(count):
        place = folder / f"{index // 250:03}" / f"{index % 7}"
        place.mkdir(parents=True, exist_ok=True)
        path = place / f"img{index:05}.jpg"
        path.write_bytes(distinct_jpeg(blobs[index % len(blobs)], str(index)))
        paths.append(path)
    return paths


def manage(env: dict[str, str], code: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def scan_wait(scans: pymongo.collection.Collection, scan_id: object, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = scans.find_one({"_id": scan_id})
        if doc and doc["status"] in ("succeeded", "failed"):
            return doc
        time.sleep(0.1)
    raise RuntimeError(f"scan {scan_id} did not finish in {timeout:.0f} s")


def scan_start(session: Session, folder_id: str, scans: pymongo.collection.Collection) -> object:
    """*Scan now* on the folder's page, as a person would; the new scan's id."""
    import urllib.request

    before = {doc["_id"] for doc in scans.find({}, {"_id": 1})}
    request = urllib.request.Request(
        f"{session.base}/library/{folder_id}/scan/",
        data=b"",
        headers={"X-CSRFToken": session.token, "Referer": f"{session.base}/library/"},
    )
    session.opener.open(request, timeout=60).read()
    return next(doc["_id"] for doc in scans.find({}, {"_id": 1}) if doc["_id"] not in before)


def library_run(files: int, sources: list[Path], *, timeout: float = 900) -> dict[str, float]:
    from bson import ObjectId

    root = Path(tempfile.mkdtemp(prefix="bench-library-"))
    library = root / "library"
    folder = library / "photos"
    paths = folder_build(folder, sources, files)
    port, db_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_NAME")}
    env.update(
        VAR_DIR=str(root / "var"),
        MEDIA_ROOT=str(root / "var" / "media"),
        MODEL_DIR=str(root / "var" / "models"),
        PORT=str(port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL="",
        CACHE_URL="",
        CELERY_KEY_PREFIX="",
        LIBRARY_ROOTS=str(library),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    app = App(root=root, env=env, port=port, db_port=db_port)
    uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
    shell_env = {**env, "MONGODB_URI": uri}
    try:
        app.start()
        owner_folder = manage(
            shell_env,
            "from accounts.models import User; from library.services import folder_attach; "
            f"u = User.objects.create_user(username='library', email={EMAIL!r}, "
            f"password={PASSWORD!r}, is_staff=True); "
            "from allauth.account.models import EmailAddress; "
            f"EmailAddress.objects.create(user=u, email={EMAIL!r}, verified=True, primary=True); "
            f"f = folder_attach(owner=u, path={str(folder)!r}, attached_by=u, scan=False); "
            "print(u.pk, f.pk)",
        ).split()
        owner, folder_id = ObjectId(owner_folder[-2]), owner_folder[-1]
        client: pymongo.MongoClient[dict] = pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000)
        database = client["imagesite"]
        images, scans = database["gallery_image"], database["library_libraryscan"]
        session = Session(f"http://127.0.0.1:{port}", EMAIL, PASSWORD)
        started = time.monotonic()
        first = scan_start(session, folder_id, scans)
        deadline = started + timeout
        ready = 0
        while time.monotonic() < deadline:
            ready = images.count_documents({"owner_id": owner, "status": "ready"})
            if ready >= files:
                break
            time.sleep(1.0)  # a count reads every image: polled often, it slows what it times
        all_ready_s = time.monotonic() - started
        first_doc = scan_wait(scans, first, timeout=60)
        print(
            f"  scan: seen={first_doc['files_seen']} imported={first_doc['imported']} "
            f"skipped={first_doc['skipped']} failed={first_doc['failed']} ready={ready} "
            f"all_ready_s={all_ready_s:.1f}",
            flush=True,
        )
        unchanged = scan_wait(scans, scan_start(session, folder_id, scans), timeout=120)
        rescan_s = (unchanged["finished_at"] - unchanged["queued_at"]).total_seconds()
        for path in paths[:10]:  # changed: other content
            path.write_bytes(distinct_jpeg(path.read_bytes(), "changed"))
        for path in paths[10:20]:
            path.unlink()
        blobs = [source.read_bytes() for source in sources]
        for index in range(10):
            (folder / f"added{index}.jpg").write_bytes(
                distinct_jpeg(blobs[index % len(blobs)], f"added {index}")
            )
        after = scan_wait(scans, scan_start(session, folder_id, scans), timeout=120)
        print(
            f"  rescan unchanged: {rescan_s:.2f} s, unchanged={unchanged['unchanged']}; after "
            f"edits: changed={after['changed']} removed={after['removed']} "
            f"added={after['imported']} unchanged={after['unchanged']}",
            flush=True,
        )
        client.close()
    finally:
        app.stop()
        shutil.rmtree(root, ignore_errors=True)
    return {
        "files": files,
        "imported": first_doc["imported"],
        "expected": files,
        "ready": ready,
        "files_per_s": ready / all_ready_s if all_ready_s else 0.0,
        "rescan_s": rescan_s,
        "changed": after["changed"],
        "removed": after["removed"],
        "added": after["imported"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="300 files instead of 2,000")
    options = parser.parse_args()
    files = 300 if options.quick else 2000
    uploads = 30 if options.quick else 100
    sources = sorted((CORPUS / "coco128" / "images").rglob("*.jpg"))
    if len(sources) < uploads:
        sys.exit(f"{CORPUS / 'coco128' / 'images'} holds {len(sources)} images")
    # the networks are not what is measured: no ml worker in either run
    os.environ.setdefault("ML_WORKER_CONCURRENCY", "0")
    print(f"cores={os.cpu_count()} files={files} uploads={uploads}", flush=True)
    upload = pipeline_run(sources[:uploads], redis=False, clients=4)
    print(
        f"  upload baseline: ready={upload.ready}/{upload.images} images_per_s={upload.per_s:.2f}",
        flush=True,
    )
    result = library_run(files, sources)
    ratio = result["files_per_s"] / upload.per_s if upload.per_s else float("nan")
    print(
        f"library: files={result['files']} imported={result['imported']} "
        f"expected={result['expected']} files_per_s={result['files_per_s']:.2f} "
        f"rescan_s={result['rescan_s']:.2f} changed={result['changed']} "
        f"removed={result['removed']} added={result['added']} "
        f"upload_images_per_s={upload.per_s:.2f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
