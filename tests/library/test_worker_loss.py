"""A scan whose worker process is killed mid-way is taken up again (the task is acknowledged
late, the job claimed from the dead process) and finishes without importing a file twice."""

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gallery.models import Image
from library.models import LibraryFile, LibraryScan
from library.services import folder_attach
from tests.conftest import start_worker, worker_env
from tests.waiting import reloaded, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def library_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("library-root")


@pytest.fixture(scope="module")
def library_worker(
    mongodb_uri: str, redis_url: str, django_db_setup: None, library_root: Path, tmp_path_factory
) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process that may read the library root (LIBRARY_ROOTS in its environment)."""
    from imagesite.celery import app

    app.control.purge()
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    # batches of 5: the scan is killed between checkpoints, not after its only one
    env = worker_env(
        mongodb_uri=mongodb_uri, LIBRARY_ROOTS=str(library_root), LIBRARY_SCAN_BATCH="5"
    )
    process = start_worker(env=env, log_path=log_path)
    deadline = time.monotonic() + 90
    while not app.control.ping(timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _pool_children(worker_pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_scan_killed_mid_way_resumes_without_duplicates(
    library_worker, library_root, user, staff, corpus, settings
) -> None:
    settings.LIBRARY_ROOTS = [str(library_root)]
    folder_path = library_root / "big"
    sources = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:30]
    for index, path in enumerate(sources):
        place = folder_path / f"{index % 4}"
        place.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, place / f"{index:02}.jpg")
    folder = folder_attach(owner=user, path=str(folder_path), attached_by=staff)
    scan = LibraryScan.objects.get(folder=folder)
    assert wait_until(lambda: Image.objects.filter(owner=user).count() >= 4, timeout=120)
    assert Image.objects.filter(owner=user).count() < 30
    victims = _pool_children(library_worker.pid)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not reloaded(scan).is_active, timeout=300)
    assert scan.status == LibraryScan.Status.SUCCEEDED, scan.error
    assert (scan.files_seen, scan.imported, scan.skipped, scan.failed) == (30, 30, 0, 0)
    assert Image.objects.filter(owner=user).count() == 30
    assert LibraryFile.objects.filter(folder=folder).count() == 30
    assert LibraryFile.objects.filter(folder=folder, owns_image=True).count() == 30
