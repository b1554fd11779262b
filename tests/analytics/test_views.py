"""The analytics page for staff: every user's figures, recomputed without losing the scope."""

import re

import pytest
from django.urls import reverse

from jobs.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _poll_url(body: str) -> str:
    match = re.search(r'hx-get="([^"]+)"', body)
    assert match, body
    return match.group(1).replace("&amp;", "&")


def test_staff_recompute_of_all_users_keeps_polling_all_users(client) -> None:
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("analytics:dashboard"), {"scope": "all"}).content.decode()
    assert 'name="scope" value="all"' in page
    response = client.post(
        reverse("analytics:recompute"), {"scope": "all"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    job = Job.objects.get()
    assert job.owner_id is None  # every user's figures
    first = _poll_url(response.content.decode())
    assert first.endswith("?scope=all")
    # Each poll answers the same job and keeps asking with the scope (it dropped it: a 404).
    for _ in range(2):
        response = client.get(first, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert _poll_url(response.content.decode()) == first


def test_a_finished_all_users_job_offers_recompute_for_all_users_again(client) -> None:
    client.force_login(UserFactory(is_staff=True))
    client.post(reverse("analytics:recompute"), {"scope": "all"}, headers={"HX-Request": "true"})
    job = Job.objects.get()
    job.status = Job.Status.FAILED
    job.error = "boom"
    job.save()
    url = reverse("analytics:job_progress", args=[job.pk])
    response = client.get(f"{url}?scope=all", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "boom" in response.content.decode()


def test_a_user_cannot_poll_the_all_users_job(client) -> None:
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    client.post(reverse("analytics:recompute"), {"scope": "all"}, headers={"HX-Request": "true"})
    job = Job.objects.get()
    client.force_login(UserFactory())
    url = reverse("analytics:job_progress", args=[job.pk])
    assert client.get(f"{url}?scope=all").status_code == 404
