"""The benchmarks' library (bench/library_build.py) is what the app itself would store: the documents
it inserts with pymongo equal those the ORM writes for the same images, terms included, and the
gallery reads them like any other."""

import sys

import pytest

from gallery.models import Image, TermCount
from gallery.selectors import GalleryFilter, facets_get, gallery_plan, image_count, image_page
from imagesite.mongo import collection_for
from tests.conftest import BASE_DIR

sys.path.insert(0, str(BASE_DIR / "bench"))
import library_build as library  # noqa: E402

pytestmark = pytest.mark.django_db


def test_built_documents_equal_the_apps_own_writes(user) -> None:
    library.library_check(owner=user, seed=5)  # raises AssertionError on any difference
    assert not Image.objects.exists()  # and takes its sample away again


def test_the_check_sees_a_document_that_differs(user, monkeypatch) -> None:
    real = library.documents

    def tampered(**kwargs):  # noqa: ANN003, ANN202
        for document in real(**kwargs):
            yield {**document, "terms": document["terms"][:-1]}

    monkeypatch.setattr(library, "documents", tampered)
    with pytest.raises(AssertionError, match="differs from the app's"):
        library.library_check(owner=user, seed=5)


def test_a_built_library_is_read_and_counted_by_the_gallery(user, other_user) -> None:
    library.library_build(owners=[(user, 120), (other_user, 30)], seed=3, verbose=False)
    assert collection_for(Image).count_documents({"owner_id": user.pk}) == 120
    shown = Image.objects.filter(owner=user, visibility=Image.Visibility.LIBRARY)
    assert TermCount.objects.get(owner=user, term="*").count == shown.count() > 100
    facets = facets_get(owner_id=user.pk)
    plan = gallery_plan(owner_id=user.pk, filters=GalleryFilter(label="dog"), facets=facets)
    dogs = shown.filter(detections__label="dog")
    assert image_count(plan=plan, facets=facets).number == dogs.count() > 0
    page = image_page(plan=plan, cursor=None, size=200)
    assert {image.pk for image in page.images} == set(dogs.values_list("pk", flat=True))
