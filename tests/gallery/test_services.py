"""Images created a batch at a time (image_stage, then images_commit), as a folder scan does:
the same documents, jobs and facet counts as image_create makes one by one."""

import pytest

from gallery.models import Image, TermCount
from gallery.services import (
    image_create,
    image_inspect,
    image_stage,
    images_commit,
    term_counts_rebuild,
)
from gallery.terms import ALL
from imagesite.mongo import collection_for
from jobs.models import Job

pytestmark = pytest.mark.django_db


def _counts(owner_id) -> tuple[dict[str, int], dict, dict]:  # noqa: ANN001
    rows = list(collection_for(TermCount).find({"owner_id": owner_id}))
    every = next(row for row in rows if row["term"] == ALL)
    return {row["term"]: row["count"] for row in rows}, every["oldest"], every["newest"]


def test_a_batch_is_written_with_its_jobs_and_counts_less_what_was_uploaded_meanwhile(
    user, corpus, redis_url
) -> None:
    paths = sorted((corpus / "coco128" / "images").rglob("*.jpg"))[:3]
    staged = []
    for path in paths:
        with path.open("rb") as file:
            info = image_inspect(file=file)
            staged.append(image_stage(owner=user, file=file, info=info, name=path.name))
    assert not Image.objects.exists()
    with paths[1].open("rb") as file:  # the same file, uploaded while the batch was staged
        uploaded, created = image_create(owner=user, file=file, name="meanwhile.jpg")
    assert created

    written = images_commit(owner=user, images=staged)

    assert [image.pk for image in written] == [staged[0].pk, staged[2].pk]
    assert Image.objects.filter(owner=user).count() == 3
    ingest = Job.objects.filter(kind=Job.Kind.INGEST)
    assert set(ingest.values_list("image_id", flat=True)) == {
        staged[0].pk,
        uploaded.pk,
        staged[2].pk,
    }
    assert all(job.sent_at for job in ingest)
    counted = _counts(user.pk)
    assert counted[0][ALL] == 3
    term_counts_rebuild(owner_id=user.pk)
    assert _counts(user.pk) == counted
