"""docs/examples/api_demo.py against the application as bin/dev starts it (the launcher: its
own embedded database, web server, workers and beat; the real detection and segmentation
weights): it uploads a folder of corpus images, waits for their jobs, finds the dogs by label
and downloads one with its background removed."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from imagesite.embedded_db import free_port
from tests.conftest import BASE_DIR

pytestmark = pytest.mark.slow
# COCO images with a dog (class 16 in their labels), and one without any
DOGS = ["000000000042.jpg", "000000000074.jpg"]
OTHERS = ["000000000009.jpg"]
TOKEN = (
    "from accounts.models import AccessToken, User; from accounts.services import token_create; "
    "u = User.objects.create_user(username='demo', email='demo@example.com'); "
    "print(token_create(owner=u, name='demo', scope=AccessToken.Scope.READ_WRITE)[1])"
)


def _wait_for(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert process.poll() is None, path.read_text()[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} in:\n{path.read_text()[-3000:]}"
        time.sleep(0.3)


def test_the_demo_script_uploads_waits_finds_the_dogs_and_removes_a_background(
    tmp_path: Path, corpus: Path, models_dir: Path
) -> None:
    folder = tmp_path / "walk"
    folder.mkdir()
    for name in DOGS + OTHERS:
        shutil.copy(corpus / "coco128/images/train2017" / name, folder / name)
    web_port, db_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("MONGODB_URI", "MONGODB_NAME", "MEDIA_ROOT", "MODEL_DIR", "STATIC_ROOT")
    }
    var = tmp_path / "var"
    env.update(
        VAR_DIR=str(var),
        PORT=str(web_port),
        EMBEDDED_DB_PORT=str(db_port),
        REDIS_URL="",
        CACHE_URL="",
        WORKER_CONCURRENCY="1",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "models", "install", "--from", str(models_dir)],
        cwd=BASE_DIR, env=env, check=True, capture_output=True,
    )  # fmt: skip
    output = tmp_path / "run.log"
    launcher = subprocess.Popen(
        [sys.executable, "-m", "imagesite.launcher"],
        cwd=BASE_DIR,
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(output, "is running at", launcher, timeout=180)
        token = subprocess.run(
            [*manage, "shell", "-c", TOKEN],
            cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        demo = subprocess.run(
            [sys.executable, "docs/examples/api_demo.py", str(folder)]
            + ["--base", f"http://127.0.0.1:{web_port}", "--out", str(tmp_path / "out")],
            cwd=BASE_DIR,
            env={**env, "IMAGESITE_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
    print(demo.stdout)
    assert demo.returncode == 0, demo.stdout + demo.stderr + output.read_text()[-3000:]
    assert "uploaded 3 files: 3 images" in demo.stdout
    assert "processed: 3 images (ingest, recognise)" in demo.stdout
    dogs_line = next(line for line in demo.stdout.splitlines() if line.startswith("dogs: "))
    assert dogs_line.startswith(("dogs: 1:", "dogs: 2:")), dogs_line
    [cut_out] = (tmp_path / "out").glob("*-no-background.png")
    with PILImage.open(cut_out) as picture:
        assert picture.mode == "RGBA"
        alpha = np.asarray(picture)[..., 3]
    assert (alpha == 0).mean() > 0.1  # a background went
    assert (alpha == 255).mean() > 0.05  # and the dog stayed
