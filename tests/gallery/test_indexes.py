"""Every gallery read goes through an index (IXSCAN, never COLLSCAN): explain() on the real
database of the very queries the selectors send, for each kind of query, and the keys it
examines stay within a small multiple of the page size."""

from typing import Any

import pytest
from django.db import connections

from gallery import selectors
from gallery.models import Image, TermCount
from gallery.selectors import GalleryFilter, facets_get, gallery_plan, image_count, image_page
from tests.gallery.test_selectors import ALBUMS, START, library_make

pytestmark = pytest.mark.django_db

KINDS = {
    "default": GalleryFilter(),
    "format": GalleryFilter(format="PNG"),
    "source": GalleryFilter(source="scrape"),
    "label": GalleryFilter(label="dog"),
    "tag": GalleryFilter(tag="sea"),
    "one word": GalleryFilter(q="harbour"),
    "two words": GalleryFilter(q="harbour dusk"),
    "prefix": GalleryFilter(q="harb"),
    "taken": GalleryFilter(sort="taken"),
    "date range": GalleryFilter(date_from=START.date(), date_to=START.date().replace(month=3)),
    "oldest first": GalleryFilter(sort="uploaded_asc"),
    "label, oldest taken": GalleryFilter(label="cat", sort="taken_asc"),
    "album": GalleryFilter(album=str(ALBUMS[0])),
    "favourites": GalleryFilter(favourite=True),
    "album favourites by taken": GalleryFilter(album=str(ALBUMS[1]), favourite=True, sort="taken"),
    "archive": GalleryFilter(visibility="archive"),
    "archive search": GalleryFilter(visibility="archive", q="harbour"),
    "trash": GalleryFilter(visibility="trash"),
}


def scans(explained: dict[str, Any]) -> list[dict[str, Any]]:
    """The IXSCAN and COLLSCAN stages of the winning plan."""
    found, nodes = [], [explained["queryPlanner"]["winningPlan"]]
    while nodes:
        node = nodes.pop()
        node = node.get("queryPlan", node)  # mongod's slot-based engine nests the plan
        if node.get("stage") in ("IXSCAN", "COLLSCAN"):
            found.append(node)
        nodes += [node["inputStage"]] if "inputStage" in node else node.get("inputStages", [])
    return found


class FindSpy:
    """A collection that records the find() calls made through it."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.finds: list[tuple[dict[str, Any], Any]] = []

    def find(self, filter: dict[str, Any], projection: Any = None) -> Any:  # noqa: A002
        self.finds.append((filter, projection))
        return self.collection.find(filter, projection)

    def find_one(self, filter: dict[str, Any], projection: Any = None) -> Any:  # noqa: A002
        self.finds.append((filter, projection))
        return self.collection.find_one(filter, projection)


@pytest.fixture
def finds(monkeypatch) -> dict[str, FindSpy]:  # noqa: ANN001
    spies: dict[str, FindSpy] = {}

    def spy_for(model: Any) -> FindSpy:
        name = model._meta.db_table
        spies.setdefault(name, FindSpy(connections["default"].database[name]))
        return spies[name]

    monkeypatch.setattr(selectors, "collection_for", spy_for)
    return spies


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_gallery_read_uses_an_index(user, finds, kind) -> None:
    library_make(user, 400, seed=3)
    facets = facets_get(owner_id=user.pk)
    plan = gallery_plan(owner_id=user.pk, filters=KINDS[kind], facets=facets)
    page = image_page(plan=plan, cursor=None, size=12)
    page = image_page(plan=plan, cursor=page.following, size=12)  # a second page, by cursor
    image_count(plan=plan, facets=facets, cap=50)
    for model in (Image, TermCount):
        spy = finds[model._meta.db_table]
        assert spy.finds
        for filter_, projection in spy.finds:
            stages = scans(spy.collection.find(filter_, projection).explain())
            assert {stage["stage"] for stage in stages} == {"IXSCAN"}, (filter_, stages)


def test_a_page_fetches_its_images_by_id(user) -> None:
    from bson import json_util

    images = library_make(user, 5, seed=4)
    explained = json_util.loads(Image.objects.filter(pk__in=[i.pk for i in images]).explain())
    if "queryPlanner" not in explained:
        explained = explained["stages"][0]["$cursor"]
    assert {stage["stage"] for stage in scans(explained)} == {"IXSCAN"}


def test_the_duplicate_check_uses_an_index(user, finds) -> None:
    images = library_make(user, 40, seed=5)
    found = selectors.image_by_content(owner_id=user.pk, sha256=images[7].sha256)
    assert found is not None
    assert found.pk == images[7].pk
    assert selectors.image_by_content(owner_id=user.pk, sha256="f" * 64) is None
    several = selectors.images_by_content(
        owner_id=user.pk, hashes=[images[3].sha256, "f" * 64, images[9].sha256]
    )
    assert {sha256: image.pk for sha256, image in several.items()} == {
        images[3].sha256: images[3].pk,
        images[9].sha256: images[9].pk,
    }
    spy = finds[Image._meta.db_table]
    assert len(spy.finds) == 3
    for filter_, projection in spy.finds:
        stages = scans(spy.collection.find(filter_, projection).explain())
        assert {stage["stage"] for stage in stages} == {"IXSCAN"}, (filter_, stages)
