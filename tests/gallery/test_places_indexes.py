"""The place filter and the places view read through indexes (IXSCAN, never COLLSCAN):
explain() of the very queries the selectors send."""

import pytest

from gallery.models import Image, TermCount
from gallery.selectors import GalleryFilter, facets_get, gallery_plan, image_page, places_list
from gallery.whenwhere import images_when_where_set, when_where_from
from tests.gallery.test_indexes import finds, scans  # noqa: F401 - the fixture
from tests.gallery.test_selectors import library_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("place", ["Italy", "Italy/Tuscany/Arezzo"])
def test_place_filter_and_places_view_use_indexes(user, finds, place) -> None:  # noqa: F811
    images = library_make(user, 200, seed=5)
    arezzo = [image.pk for image in images[::4]]
    images_when_where_set(
        owner_id=user.pk, image_ids=arezzo, change=when_where_from(place="Arezzo")
    )
    facets = facets_get(owner_id=user.pk)
    plan = gallery_plan(owner_id=user.pk, filters=GalleryFilter(place=place), facets=facets)
    assert plan.term == f"place:{place.casefold()}"
    page = image_page(plan=plan, cursor=None, size=12)
    visible = Image.objects.filter(pk__in=arezzo, visibility=Image.Visibility.LIBRARY).count()
    assert len(page.images) == min(12, visible)
    assert all(image.place_city == "Arezzo" for image in page.images)
    countries = places_list(owner_id=user.pk)
    assert [(p.name, p.count) for p in countries] == [("Italy", visible)]
    assert countries[0].children[0].children[0].value == "Italy/Tuscany/Arezzo"
    for model in (Image, TermCount):
        spy = finds[model._meta.db_table]
        assert spy.finds
        for filter_, projection in spy.finds:
            stages = scans(spy.collection.find(filter_, projection).explain())
            assert {stage["stage"] for stage in stages} == {"IXSCAN"}, (filter_, stages)
