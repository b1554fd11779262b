#!/usr/bin/env python3
"""Upload a folder, wait until every image is processed, find the dogs, cut one out.

Uses only the documented REST API (docs/api.md) and Python's standard library:

    IMAGESITE_TOKEN=iw_... python3 docs/examples/api_demo.py ~/Pictures/walk \\
        --base http://127.0.0.1:8000 --out cut-outs/

1. POST /api/images with the folder's pictures (multipart, a few files a request);
2. for each image, GET /api/jobs?image_id=… until its ingest and (where the server can
   recognise objects: GET /api/models) its recognition job are done;
3. GET /api/images?label=dog, following the `next` cursor;
4. POST /api/images/{id}/remove-background for the first dog, GET its job until done, then
   the version it links to (`result`) and its file, saved as <out>/<id>-no-background.png.

The token needs the read-write scope (make one on the account page, /accounts/tokens/).
Exit status 0 when a background was removed, 1 when no dog was found, 2 on an error.
"""

import argparse
import json
import mimetypes
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

PICTURES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".avif"}
PER_REQUEST = 4


class Api:
    def __init__(self, base: str, token: str) -> None:
        if not base.startswith(("http://", "https://")):
            raise SystemExit(f"--base must be an http(s) address, not {base!r}")
        self.base = base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
        """The JSON answer (None for 204); a problem answer raises SystemExit naming it."""
        request = urllib.request.Request(  # noqa: S310 - http(s) only: checked in __init__
            self.base + path, data=body, method=method, headers={**self.headers, **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                data = response.read()
        except urllib.error.HTTPError as error:
            problem = error.read().decode(errors="replace")[:500]
            raise SystemExit(f"{method} {path}: {error.code} {problem}") from None
        return json.loads(data) if data else None

    def get(self, path: str, **query: str) -> Any:
        return self.call("GET", path + ("?" + urllib.parse.urlencode(query) if query else ""))

    def post_json(self, path: str, payload: dict[str, Any]) -> Any:
        body = json.dumps(payload).encode()
        return self.call("POST", path, body, **{"Content-Type": "application/json"})

    def upload(self, files: list[Path]) -> list[dict[str, Any]]:
        boundary = uuid.uuid4().hex
        parts = []
        for path in files:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{path.name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
                + path.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
        answer = self.call("POST", "/api/images", body, **{"Content-Type": content_type})
        return list(answer["results"])

    def download(self, path: str, target: Path) -> None:
        request = urllib.request.Request(self.base + path, headers=self.headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            target.write_bytes(response.read())


def wait(what: str, check: Any, timeout: float, interval: float = 1.0) -> Any:
    """Call `check` until it returns something true; SystemExit after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(interval)
    return value


def upload_folder(api: Api, folder: Path) -> list[str]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in PICTURES and p.is_file())
    if not files:
        raise SystemExit(f"no pictures in {folder}")
    ids = []
    for start in range(0, len(files), PER_REQUEST):
        for result in api.upload(files[start : start + PER_REQUEST]):
            print(f"  {result['name']}: {result['outcome']} {result['message']}")
            if result["image"]:
                ids.append(result["image"]["id"])
    print(f"uploaded {len(files)} files: {len(ids)} images")
    return ids


def processed(api: Api, image_id: str, kinds: set[str]) -> bool:
    """Whether the image's jobs of these kinds have all finished (a failed one too: its error
    is printed)."""
    jobs = api.get("/api/jobs", image_id=image_id)
    done = {job["kind"] for job in jobs if job["done"]}
    for job in jobs:
        if job["done"] and job["status"] == "failed" and job["kind"] in kinds:
            print(f"  {job['kind']} of {image_id} failed: {job['error']}")
    return kinds <= done


def processing_wait(api: Api, ids: list[str], timeout: float) -> None:
    kinds = {"ingest"}
    recognition = api.get("/api/models")["recognition"]
    if recognition:
        print(f"recognition is not available here ({recognition}): no labels to search")
    else:
        kinds.add("recognise")
    started = time.monotonic()
    pending = list(ids)
    while pending:
        pending = [i for i in pending if not processed(api, i, kinds)]
        if pending and time.monotonic() - started > timeout:
            raise SystemExit(f"{len(pending)} images not processed after {timeout:.0f} s")
        time.sleep(1 if pending else 0)
    print(f"processed: {len(ids)} images ({', '.join(sorted(kinds))}) in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip


def images_labelled(api: Api, label: str) -> list[dict[str, Any]]:
    images: list[dict[str, Any]] = []
    query = {"label": label, "size": "100"}
    while True:
        page = api.get("/api/images", **query)
        images += page["items"]
        if not page["next"]:
            return images
        query["after"] = page["next"]


def background_remove(api: Api, image: dict[str, Any], out: Path, timeout: float) -> Path:
    answer = api.post_json(f"/api/images/{image['id']}/remove-background", {"mode": "transparent"})
    job_url = answer["job"]["url"]
    print(f"removing the background of {image['title'] or image['id']}: job {answer['job']['id']}")
    job = wait("the background removal", lambda: (j := api.get(job_url))["done"] and j, timeout)
    if job["status"] != "succeeded":
        raise SystemExit(f"the background removal failed: {job['error']}")
    version = api.get(job["result"])["version"]
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{image['id']}-no-background.png"
    api.download(version["files"]["file"], target)
    print(f"saved {target} ({version['width']}x{version['height']}, {job['duration_ms']} ms)")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the site's address")
    parser.add_argument("--out", type=Path, default=Path("."), help="where the cut-out goes")
    parser.add_argument("--label", default="dog")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait each step")
    args = parser.parse_args()
    token = os.environ.get("IMAGESITE_TOKEN", "")
    if not token:
        print("set IMAGESITE_TOKEN to a read-write personal access token", file=sys.stderr)
        return 2
    api = Api(args.base, token)
    print(f"signed in as {api.get('/api/me')['username']}")
    ids = upload_folder(api, args.folder)
    processing_wait(api, ids, args.timeout)
    found = images_labelled(api, args.label)
    print(f"{args.label}s: {len(found)}: " + ", ".join(i["title"] or i["id"] for i in found))
    if not found:
        return 1
    background_remove(api, found[0], args.out, args.timeout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit as stop:
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
            sys.exit(2)
        raise
