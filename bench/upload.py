"""Concurrent uploads against a real server (gunicorn): 50 distinct ~5 MB JPEGs from 8 clients,
then the same number from one client in a row as the baseline. Counts what was stored and lost.

    .venv/bin/python bench/upload.py [--quick]
"""

import argparse
import http.cookiejar
import io
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from _django import BASE_DIR, django_start
from PIL import Image as PILImage

PHOTO = (
    Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared")) / "corpus/exif/gps/DSCN0010.jpg"
)


def photos(*, count: int, megabytes: float) -> list[bytes]:
    """Distinct JPEGs of about the given size: a real photo, enlarged, with noise of its own."""
    rng = np.random.default_rng(7)
    base = np.asarray(PILImage.open(PHOTO).convert("RGB"), dtype=np.int16)
    side = int(1450 * (megabytes**0.5))  # noise at quality 92: about 1 MB per 2 megapixels
    base = np.asarray(
        PILImage.fromarray(base.astype(np.uint8)).resize((side * 4 // 3, side)), dtype=np.int16
    )
    result = []
    for _ in range(count):
        noisy = np.clip(base + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        PILImage.fromarray(noisy).save(buffer, "JPEG", quality=92)
        result.append(buffer.getvalue())
    return result


class Session:
    """One signed-in browser: its cookies and CSRF token."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        form = self.opener.open(f"{base}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode(
            {"login": email, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
        )
        self.opener.open(request).read()
        self.token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def upload(self, data: bytes, name: str) -> str:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + data
            + (f"\r\n--{boundary}--\r\n").encode()
        )
        request = urllib.request.Request(
            f"{self.base}/upload/",
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "HX-Request": "true",
                "X-CSRFToken": self.token,
                "Referer": f"{self.base}/upload/",
            },
        )
        return self.opener.open(request, timeout=120).read().decode()


def user_make(email: str, password: str) -> object:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(username=email.split("@")[0], email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def run(session: Session, files: list[bytes], *, clients: int, tag: str) -> tuple[float, int]:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(
            pool.map(lambda item: session.upload(item[1], f"{tag}-{item[0]}.jpg"), enumerate(files))
        )
    seconds = time.perf_counter() - started
    return seconds, sum("outcome-stored" in answer for answer in answers)


def stored(user: object, media: Path) -> int:
    from gallery.models import Image

    on_disk = len(list((media / str(user.pk) / "originals").rglob("*.jpg")))
    return min(Image.objects.filter(owner=user).count(), on_disk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="12 uploads of ~2 MB, 4 clients")
    quick = parser.parse_args().quick
    count, megabytes, clients = (12, 2.0, 4) if quick else (50, 5.0, 8)
    root = django_start(name="upload")
    files = photos(count=2 * count, megabytes=megabytes)
    print(f"{2 * count} distinct JPEGs, {np.mean([len(f) for f in files]) / 2**20:.1f} MB each")
    port = __import__("imagesite.embedded_db", fromlist=["x"]).free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "imagesite.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        parallel_user, serial_user = (
            user_make("many@example.com", "pw-bench-1234567"),
            user_make("one@example.com", "pw-bench-1234567"),
        )
        seconds, answered = run(
            Session(base, "many@example.com", "pw-bench-1234567"),
            files[:count],
            clients=clients,
            tag="p",
        )
        serial_seconds, _ = run(
            Session(base, "one@example.com", "pw-bench-1234567"), files[count:], clients=1, tag="s"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    media = root / "media"
    kept = stored(parallel_user, media)
    rate, serial_rate = count / seconds, count / serial_seconds
    print(f"{clients} clients: {count} uploads in {seconds:.1f} s, {answered} answered 'stored'")
    print(
        f"1 client:  {count} uploads in {serial_seconds:.1f} s "
        f"({stored(serial_user, media)} stored)"
    )
    print(
        f"upload: stored={kept} lost={count - kept} images_per_s={rate:.2f} "
        f"sequential_images_per_s={serial_rate:.2f} speedup={rate / serial_rate:.2f} "
        f"megabytes={megabytes} clients={clients}"
    )


if __name__ == "__main__":
    main()
