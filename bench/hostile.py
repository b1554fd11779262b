"""Hostile uploads against the application as bin/dev starts it (the launcher: embedded
SecantusDB, web, worker, beat), on its own ports and VAR_DIR in a temporary folder.

The hostile set is generated here: a progressive JPEG with thousands of scans (the smallest AC
scan repeated, as jpegtran -scans makes them), PNGs at the pixel limit (valid, so accepted and
ingested) and past it, a JPEG whose header claims 100 Mpx over 700 bytes, another over a
real 1500 px picture's data (past the byte floor), a truncated photo, and a request over the
size limit. All go through the real upload endpoint at once, beside a
normal photo; the web process's memory is sampled meanwhile.

    .venv/bin/python bench/hostile.py [--quick]

--quick: a smaller scan bomb and over-size request (under 60 s). Last line:
hostile: files=<n> refused=<n> max_request_s=<s> max_worker_s=<s> web_peak_mb=<mb>
normal_photo_ready_s=<s> leftovers=<n> server_errors=<n>
"""

import argparse
import http.client
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pymongo
from _django import BASE_DIR
from faults import App, signed_in
from PIL import Image

from imagesite.embedded_db import free_port

PHOTO = (
    Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus/exif/gps/DSCN0010.jpg"
)
EMAIL, PASSWORD = "faults@example.com", "pw-faults-1234567"  # what faults.signed_in uses
_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")


def scan_bomb(*, side: int, scans: int) -> bytes:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).resize((side, side)).save(buffer, "JPEG", quality=90, progressive=True)
    data = buffer.getvalue()
    starts = [found.end() - 2 for found in _MARKER.finditer(data) if data[found.end() - 1] == 0xDA]
    end = data.rindex(b"\xff\xd9")
    chunk = min((data[a:b] for a, b in zip(starts[1:], [*starts[2:], end], strict=True)), key=len)
    return data[:end] + chunk * (scans - len(starts)) + data[end:]


def forged_jpeg(*, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "JPEG", quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def forged_over_data(*, side: int, claim: int) -> bytes:
    """A forged header over a real, smaller picture's data: more than the byte floor the
    structure check asks for (the file is far from 7 bytes), far less than it claims."""
    rng = np.random.default_rng(2)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(
        buffer, "JPEG", quality=90
    )
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", claim, claim)
    return bytes(data)


def blank_png(*, width: int, height: int, depth: int, colour: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    channels = {0: 1, 2: 3}[colour]
    row = bytes(1 + (width * channels * depth + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def hostile_set(*, quick: bool) -> list[tuple[str, bytes]]:
    side, scans = (4000, 2000) if quick else (10_000, 4000)
    photo = PHOTO.read_bytes()
    return [
        (f"scans-{side}px-{scans}.jpg", scan_bomb(side=side, scans=scans)),
        ("limit-100mpx-1bit.png", blank_png(width=10_000, height=10_000, depth=1, colour=0)),
        ("limit-100mpx-rgb.png", blank_png(width=10_000, height=10_000, depth=8, colour=2)),
        ("bomb-900mpx.png", blank_png(width=30_000, height=30_000, depth=1, colour=0)),
        ("forged-100mpx.jpg", forged_jpeg(width=10_000, height=10_000)),
        ("forged-over-data.jpg", forged_over_data(side=1500, claim=10_000)),
        ("truncated.jpg", photo[: len(photo) // 2]),
    ]


def oversize_post(base: str, session: object, size: int) -> tuple[int, str]:
    """A multipart body of `size` bytes, sent in pieces; the answer read even if the server
    stops reading early."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.jar)  # type: ignore[attr-defined]
    connection.putrequest("POST", "/upload/")
    for name, value in {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(size),
        "HX-Request": "true",
        "X-CSRFToken": session.token,  # type: ignore[attr-defined]
        "Referer": f"{base}/upload/",
        "Cookie": cookies,
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    piece = bytes(1 << 20)
    try:
        connection.send(head)
        left = size - len(head) - len(tail)
        while left > 0:
            connection.send(piece[: min(left, len(piece))])
            left -= len(piece)
        connection.send(tail)
    except OSError:
        pass  # the server closed early: its answer may still be there
    try:
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except OSError:
        return 0, ""
    finally:
        connection.close()


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process, and of its descendants (decode children)."""

    def rss(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def children(p: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    below, todo = 0.0, children(pid)
    while todo:
        child = todo.pop()
        below += rss(child)
        todo += children(child)
    return rss(pid), below


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    started_all = time.monotonic()
    files = hostile_set(quick=quick)
    oversize = (60 if quick else 500) * 2**20
    print(f"generated {len(files)} files in {time.monotonic() - started_all:.1f} s", flush=True)
    root = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    port, db_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MONGODB_NAME")}
    env.update(
        VAR_DIR=str(root),
        MEDIA_ROOT=str(root / "media"),
        MODEL_DIR=str(root / "models"),
        PORT=str(port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL="",
        CACHE_URL="",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    app = App(root=root, env=env, port=port, db_port=db_port)
    statuses: dict[str, int] = {}
    durations: list[float] = []
    try:
        print(f"started in {app.start():.1f} s", flush=True)
        create = (
            "from accounts.models import User; from allauth.account.models import EmailAddress; "
            f"u = User.objects.create_user(username='hostile', email={EMAIL!r}, "
            f"password={PASSWORD!r}); EmailAddress.objects.create(user=u, email={EMAIL!r}, "
            "verified=True, primary=True); print(u.pk)"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create],
            cwd=BASE_DIR,
            env={**env, "MONGODB_URI": f"mongodb://127.0.0.1:{db_port}/?directConnection=true"},
            capture_output=True,
            text=True,
            check=True,
        )
        base = f"http://127.0.0.1:{port}"
        session = signed_in(base)
        web = app.pid("web")
        peaks = {"web": 0.0, "children": 0.0}
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                own, below = tree_rss_mb(web)
                peaks["web"] = max(peaks["web"], own)
                peaks["children"] = max(peaks["children"], below)
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        normal_started = time.monotonic()

        def send(item: tuple[str, bytes | int]) -> tuple[str, int, str, float]:
            name, data = item
            began = time.monotonic()
            if isinstance(data, int):
                status, text = oversize_post(base, session, data)
            else:
                try:
                    status, text = 200, session.upload(data, name)
                except OSError as error:
                    status, text = getattr(error, "code", 0), ""
            return name, status, text, time.monotonic() - began

        jobs: list[tuple[str, bytes | int]] = [("normal.jpg", PHOTO.read_bytes())]
        jobs += files + [("oversize-request", oversize)]
        with ThreadPoolExecutor(len(jobs)) as pool:
            answers = list(pool.map(send, jobs))
        refused = 0
        for name, status, text, seconds in answers:
            durations.append(seconds)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            outcome = "refused" if status == 413 or "outcome-refused" in text else "stored"
            if "outcome-stored" not in text and outcome != "refused":
                outcome = f"status {status}"
            if name != "normal.jpg":
                refused += outcome == "refused"
            reason = re.search(r'result-message">([^<]*)', text)
            print(
                f"  {name:<24} {seconds:5.2f} s  {outcome:<8} {reason[1] if reason else ''}"[:150],
                flush=True,
            )
        client = pymongo.MongoClient(
            f"mongodb://127.0.0.1:{db_port}/?directConnection=true", serverSelectionTimeoutMS=2000
        )
        database = client["imagesite"]
        normal_sha = __import__("hashlib").sha256(PHOTO.read_bytes()).hexdigest()
        normal_ready_s = float("nan")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            documents = list(database.gallery_image.find({}, {"sha256": 1, "status": 1}))
            normal = [d for d in documents if d["sha256"] == normal_sha and d["status"] == "ready"]
            if normal and normal_ready_s != normal_ready_s:
                normal_ready_s = time.monotonic() - normal_started
            if normal and all(d["status"] in ("ready", "failed") for d in documents):
                break
            time.sleep(0.2)
        sampling.set()
        sampler.join()
        worker_s = [
            (job["finished_at"] - job["started_at"]).total_seconds()
            for name in database.list_collection_names()
            if name.endswith("_job")
            for job in database[name].find({"kind": "ingest", "finished_at": {"$ne": None}})
            if job.get("started_at")
        ]
        for document in database.gallery_image.find({}, {"original_name": 1, "status": 1}):
            print(f"  ingested {document['original_name']:<24} {document['status']}")
        referenced = set()
        for document in database.gallery_image.find({}, {"original": 1, "thumbnail": 1}):
            referenced |= {document.get("original"), document.get("thumbnail")}
        media = root / "media"
        stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
        orphans = [
            p
            for p in stored
            if "/originals/" in str(p) and str(p.relative_to(media)) not in referenced
        ]
        temporary = list((root / "tmp").iterdir()) if (root / "tmp").exists() else []
        leftovers = len(orphans) + len(temporary)
        print(
            f"  web process peak {peaks['web']:.0f} MB, its decode children {peaks['children']:.0f} MB"
        )
        print(f"  statuses {statuses}; leftovers: {[str(p) for p in orphans + temporary]}")
        if any(status.startswith("5") for status in statuses):
            for log in sorted((root / "log").glob("web*.log")):
                print(log.read_text()[-3000:])
    finally:
        app.stop()
        shutil.rmtree(root, ignore_errors=True)
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    server_errors += statuses.get("0", 0)  # no answer at all counts as one
    print(f"total {time.monotonic() - started_all:.0f} s")
    print(
        f"hostile: files={len(jobs) - 1} refused={refused} max_request_s={max(durations):.2f} "
        f"max_worker_s={max(worker_s, default=0):.2f} web_peak_mb={peaks['web']:.0f} "
        f"normal_photo_ready_s={normal_ready_s:.2f} leftovers={leftovers} "
        f"server_errors={server_errors}"
    )


if __name__ == "__main__":
    main()
