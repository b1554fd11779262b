"""Every filter and order of the gallery, paged by cursor through the indexes, returns exactly
the images a plain ORM query returns, in the same order; counts match; the neighbours of each
image are the images beside it in that list."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gallery.models import Detection, Image
from gallery.selectors import (
    SORTS,
    GalleryFilter,
    facets_get,
    gallery_plan,
    image_count,
    image_first_page,
    image_neighbours,
    image_page,
)
from gallery.services import image_terms_set, term_counts_rebuild
from gallery.terms import words
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLES = ["Harbour at dusk", "Harbor lights", "Garden party", "Street", "Sunset sea", "", "IMG"]
TAGS = ["sea", "summer", "city", "family"]
LABELS = ["dog", "cat", "person", "traffic light"]
FORMATS = ["JPEG", "PNG", "WEBP"]
START = datetime(2024, 1, 1, tzinfo=UTC)
ALBUMS = [ObjectId("64a000000000000000000001"), ObjectId("64a000000000000000000002")]


def library_make(owner: object, count: int, seed: int) -> list[Image]:
    """`count` images as ingest and recognition leave them, with ties, gaps and no dates."""
    rng = random.Random(seed)  # noqa: S311 - test data
    images = []
    for number in range(count):
        # a third share their moment with another image (ties); some are years apart (gaps)
        uploaded = START + timedelta(hours=rng.choice([rng.randrange(2000), number // 3 * 7]))
        if rng.random() < 0.05:
            uploaded -= timedelta(days=3000)
        image = Image(
            owner=owner,
            original=f"o/{seed}/{number}.jpg",
            title=rng.choice(TITLES),
            description=rng.choice(["", "", "Evening by the harbour"]),
            tags=sorted(rng.sample(TAGS, rng.randrange(3))),
            format=rng.choice(FORMATS),
            source=rng.choice(["upload", "upload", "scrape"]),
            width=100,
            height=100,
            size_bytes=1000,
            sha256=f"{seed:02d}{number:062d}",
            status="ready",
            uploaded_at=uploaded,
            taken_at=uploaded - timedelta(days=rng.randrange(40)) if rng.random() < 0.7 else None,
            camera_make=rng.choice(["", "Canon", "NIKON"]),
            hidden=rng.random() < 0.03,
            favourite=rng.random() < 0.2,
            archived=rng.random() < 0.1,
            trashed_at=START if rng.random() < 0.08 else None,
            album_ids=rng.sample(ALBUMS, rng.choice([0, 0, 1, 2])),
            detections=[
                Detection(label=label, score=0.9, box=[0.1, 0.1, 0.5, 0.5])
                for label in rng.sample(LABELS, rng.randrange(3))
            ],
        )
        image_terms_set(image=image)
        images.append(image)
    Image.objects.bulk_create(images)
    term_counts_rebuild(owner_id=owner.pk)
    return images


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    with django_db_blocker.unblock():
        owner, other = UserFactory(), UserFactory()
        library_make(owner, 300, seed=1)
        library_make(other, 60, seed=2)
        yield owner
        Image.objects.all().delete()
        owner.delete()
        other.delete()


def matches_text(image: Image, query: str) -> bool:
    """The search's meaning, written apart from gallery.terms: every word of the query starts
    a word of the image (whole words only for one or two letters)."""
    text = " ".join(
        [image.title, image.description, *image.tags, *image.labels]
        + [image.camera_make, image.camera_model, image.format]
    )
    found = words(text)
    return all(
        any(word.startswith(part) if len(part) >= 3 else word == part for word in found)
        for part in words(query)
    )


def orm_reference(owner: object, filters: GalleryFilter) -> list[Image]:
    sort = SORTS[filters.sort]
    images: QuerySet[Image] = Image.objects.filter(owner=owner, hidden=False)
    if filters.visibility == "trash":
        images = images.filter(trashed_at__isnull=False)
    else:
        images = images.filter(trashed_at__isnull=True, archived=filters.visibility == "archive")
    if filters.favourite:
        images = images.filter(favourite=True)
    for name in ("format", "source"):
        if value := getattr(filters, name):
            images = images.filter(**{name: value})
    if filters.label:
        images = images.filter(detections__label=filters.label)
    if filters.tag:
        images = images.filter(tags__contains=[filters.tag])
    plan = gallery_plan(owner_id=owner.pk, filters=filters, facets=facets_get(owner_id=owner.pk))
    if plan.low:
        images = images.filter(**{f"{sort.field}__gte": plan.low})
    if plan.high:
        images = images.filter(**{f"{sort.field}__lt": plan.high})
    sign = "-" if sort.descending else ""
    ordered = images.order_by(f"{sign}{sort.field}", f"{sign}id")
    album = ObjectId(filters.album) if filters.album else None
    return [
        image
        for image in ordered
        if matches_text(image, filters.q) and (album is None or album in image.album_ids)
    ]


filters_strategy = st.builds(
    GalleryFilter,
    q=st.sampled_from(["", "", "harb", "harbour", "harbour dusk", "sea", "ca", "lights", "zzz"]),
    format=st.sampled_from(["", "", "PNG"]),
    source=st.sampled_from(["", "", "scrape"]),
    label=st.sampled_from(["", "", "dog", "traffic light"]),
    tag=st.sampled_from(["", "", "sea"]),
    date_from=st.sampled_from([None, None, START.date() + timedelta(days=20)]),
    date_to=st.sampled_from([None, None, START.date() + timedelta(days=60)]),
    sort=st.sampled_from(list(SORTS)),
    album=st.sampled_from(["", "", str(ALBUMS[0])]),
    favourite=st.sampled_from([False, False, True]),
    visibility=st.sampled_from(["library", "library", "archive", "trash"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=filters_strategy, size=st.sampled_from([7, 48]))
def test_every_filter_and_order_pages_exactly_like_the_orm(library, filters, size) -> None:
    expected = [image.pk for image in orm_reference(library, filters)]
    facets = facets_get(owner_id=library.pk)
    plan = gallery_plan(owner_id=library.pk, filters=filters, facets=facets)
    seen, cursor = [], None
    for _ in range(len(expected) // size + 2):
        page = image_page(plan=plan, cursor=cursor, size=size)
        seen += [image.pk for image in page.images]
        if (cursor := page.following) is None:
            break
    assert seen == expected
    # the API's first page, read with its count in one pass, then paged on from its cursor
    first, first_count = image_first_page(plan=plan, facets=facets, size=size)
    seen, cursor = [image.pk for image in first.images], first.following
    for _ in range(len(expected) // size + 2):
        if cursor is None:
            break
        page = image_page(plan=plan, cursor=cursor, size=size)
        seen, cursor = seen + [image.pk for image in page.images], page.following
    assert seen == expected
    assert (first_count.number, first_count.exact) == (len(expected), True)  # under COUNT_CAP
    count = image_count(plan=plan, facets=facets, cap=100)
    # exact from the facet counts at any size, else read through the index up to the cap
    assert (
        count.number == len(expected)
        if count.exact
        else (count.number, len(expected) > 100) == (100, True)
    )


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=filters_strategy)
def test_neighbours_are_the_images_beside_it_in_the_list(library, filters) -> None:
    expected = orm_reference(library, filters)
    plan = gallery_plan(
        owner_id=library.pk, filters=filters, facets=facets_get(owner_id=library.pk)
    )
    for index in sorted({0, len(expected) // 2, len(expected) - 1}):
        if not expected:
            break
        previous, following = image_neighbours(image=expected[index], plan=plan)
        assert (previous and previous.pk) == (expected[index - 1].pk if index else None)
        after = expected[index + 1].pk if index + 1 < len(expected) else None
        assert (following and following.pk) == after
