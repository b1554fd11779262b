"""The backlog reads that a library scan makes before each batch: by an index, whatever the
number of finished jobs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from imagesite.mongo import collection_for
from jobs.models import Job
from jobs.selectors import jobs_queued_count, jobs_queued_oldest
from tests.factories import UserFactory
from tests.gallery.test_indexes import scans

pytestmark = pytest.mark.django_db


def test_an_owners_oldest_queued_job_is_read_by_the_index() -> None:
    owner, other = UserFactory(), UserFactory()
    done = [Job(kind=Job.Kind.INGEST, status=Job.Status.SUCCEEDED, owner=owner) for _ in range(30)]
    start = timezone.now()
    queued = [
        Job(kind=Job.Kind.INGEST, owner=user, queued_at=start + timedelta(seconds=n))
        for n, user in enumerate((other, owner, owner))
    ]
    Job.objects.bulk_create([*done, *queued])
    assert jobs_queued_count(kind=Job.Kind.INGEST) == 3
    oldest = jobs_queued_oldest(kind=Job.Kind.INGEST, owner_id=owner.pk)
    assert oldest is not None
    assert oldest.pk == queued[1].pk
    filter_ = {"kind": "ingest", "status": "queued", "owner_id": owner.pk}
    explained = collection_for(Job).find(filter_).sort("queued_at", 1).explain()
    assert [stage.get("indexName") for stage in scans(explained)] == ["processing__kind_9d61a2_idx"]
