"""A worker process killed mid-task loses nothing: the task is acknowledged late and rejected
on worker loss, so the broker hands it to a fresh process, which completes it."""

import os
import signal
import subprocess

import pytest
from django.urls import reverse

from jobs.models import Job
from processing.models import Version
from tests.factories import UserFactory, ready_image
from tests.waiting import reloaded, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _pool_children(worker_pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_style_transfer_survives_its_process_being_killed(
    installed_models, celery_worker_process, client, corpus
) -> None:
    user = UserFactory()
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    client.force_login(user)
    client.post(
        reverse("processing:stylise", args=[image.pk]),
        {"artwork": "starry_night", "strength": "1", "full_size": "on"},
    )
    job = Job.objects.get(image=image, kind=Job.Kind.STYLISE)
    wait_until(lambda: reloaded(job).status == Job.Status.STARTED, timeout=60, interval=0.05)
    assert job.status == Job.Status.STARTED
    victims = _pool_children(celery_worker_process.pid)
    assert victims
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    version = Version.objects.get(image=image)
    wait_until(lambda: not reloaded(version).is_pending, timeout=180)
    # the job is finished a moment after the version is stored (the same task)
    wait_until(lambda: not reloaded(job).is_active, timeout=30)
    assert version.status == Version.Status.READY, version.error
    assert job.status == Job.Status.SUCCEEDED
