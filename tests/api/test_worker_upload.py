"""An upload through the API, processed by a real Celery worker, followed through the API's job
and shown on the gallery page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_an_api_upload_is_processed_by_a_worker_and_shows_in_the_gallery(
    celery_worker_process, client, user, token, corpus
) -> None:
    path = corpus / "exif/gps/DSCN0021.jpg"
    upload = SimpleUploadedFile("harbour walk.jpg", path.read_bytes(), "image/jpeg")
    response = client.post("/api/images", {"files": [upload]}, headers=token)
    assert response.status_code == 201, response.content
    image = response.json()["results"][0]["image"]
    assert image["status"] == "pending"
    assert image["files"]["thumbnail"] is None
    jobs = client.get("/api/jobs", {"image_id": image["id"]}, headers=token).json()
    [ingest] = [job for job in jobs if job["kind"] == "ingest"]

    def finished() -> dict | None:
        job = client.get(ingest["url"], headers=token).json()
        return job if job["done"] else None

    job = wait_until(finished, timeout=90, interval=0.5)
    assert job, "the ingest job did not finish in 90 s"
    assert job["status"] == "succeeded", job["error"]
    assert job["result"] == image["url"]
    processed = client.get(job["result"], headers=token).json()
    assert processed["status"] == "ready"
    assert processed["latitude"] is not None  # the worker read the EXIF GPS
    thumbnail = client.get(processed["files"]["thumbnail"], headers=token)
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/webp"
    # the same image on the gallery page, ready (a thumbnail, no polling), and found by the API
    client.force_login(user)
    page = client.get(reverse("gallery:gallery")).content.decode()
    card = page.split(f'id="image-{image["id"]}"', 1)[1].split("</article>", 1)[0]
    assert reverse("gallery:image_file", args=[image["id"], "thumb"]) in card
    assert "every 2s" not in card
    found = client.get("/api/images", {"q": "harb"}, headers=token).json()
    assert [item["id"] for item in found["items"]] == [image["id"]]
