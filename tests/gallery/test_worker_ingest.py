"""Upload through the view; a real worker process ingests; the card stops polling when ready."""

import pytest
from django.urls import reverse

from gallery.models import Image
from jobs.models import Job
from tests.gallery.conftest import upload_of
from tests.waiting import reloaded, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_an_upload_is_ingested_then_recognised_by_the_worker(
    installed_models, celery_worker_process, user_client, user, corpus
) -> None:
    user_client.post(
        reverse("gallery:upload"),
        {"files": [upload_of(corpus / "exif/gps/DSCN0021.jpg")]},
        headers={"HX-Request": "true"},
    )
    image = Image.objects.get(owner=user)
    card_url = reverse("gallery:image_card", args=[image.pk])
    assert "every 2s" in user_client.get(card_url).content.decode()  # pending: the card polls
    wait_until(lambda: reloaded(image).status == Image.Status.READY, timeout=90)
    assert image.status == Image.Status.READY, image.error
    assert image.latitude is not None
    assert image.thumbnail.name
    card = user_client.get(card_url).content.decode()
    assert "every 2s" not in card
    assert "/file/thumb/" in card
    job = Job.objects.get(image=image, kind=Job.Kind.INGEST)
    # the job is finished just after the image is saved ready (the same task, a moment later)
    wait_until(lambda: reloaded(job).status == Job.Status.SUCCEEDED, timeout=30)
    assert job.status == Job.Status.SUCCEEDED
    assert job.started_at >= job.queued_at
    assert job.finished_at >= job.started_at
    # then recognition, on the ml queue
    wait_until(lambda: reloaded(image).recognised_at, timeout=60)
    assert image.recognised_at is not None
    recognise = Job.objects.get(image=image, kind=Job.Kind.RECOGNISE)
    # as with ingest, the job ends a moment after the image is saved
    wait_until(lambda: reloaded(recognise).status == Job.Status.SUCCEEDED, timeout=30)
    assert recognise.status == Job.Status.SUCCEEDED
