"""A scan whose worker process is killed mid-way is taken up again (the task is acknowledged
late, the job claimed from the dead process) and finishes without importing a file twice."""

import os
import shutil
import signal
import subprocess

import pytest

from gallery.models import Image
from library.models import LibraryFile, LibraryScan
from library.services import folder_attach
from tests.waiting import reloaded, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _pool_children(worker_pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_scan_killed_mid_way_resumes_without_duplicates(
    celery_worker_process, user, staff, root, corpus, settings
) -> None:
    folder_path = root / "big"
    sources = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:30]
    for index, path in enumerate(sources):
        place = folder_path / f"{index % 4}"
        place.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, place / f"{index:02}.jpg")
    folder = folder_attach(owner=user, path=str(folder_path), attached_by=staff)
    scan = LibraryScan.objects.get(folder=folder)
    assert wait_until(lambda: Image.objects.filter(owner=user).count() >= 4, timeout=120)
    assert Image.objects.filter(owner=user).count() < 30
    victims = _pool_children(celery_worker_process.pid)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not reloaded(scan).is_active, timeout=300)
    assert scan.status == LibraryScan.Status.SUCCEEDED, scan.error
    assert (scan.files_seen, scan.imported, scan.skipped, scan.failed) == (30, 30, 0, 0)
    assert Image.objects.filter(owner=user).count() == 30
    assert LibraryFile.objects.filter(folder=folder).count() == 30
    assert LibraryFile.objects.filter(folder=folder, owns_image=True).count() == 30
