"""The gallery as a timeline: headings per day or month that infinite scroll does not repeat,
the jump to a month read from the stored month counts, the justified tiles' shapes, the
viewer's items in the grid's filter and order, and what an empty search says."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from gallery.models import Image, TermCount
from gallery.services import image_terms_refresh, image_update
from gallery.terms import image_terms, month_term
from gallery.timeline import Heading, timeline
from tests.factories import ready_image

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _dated(user, corpus, moments: list[datetime]) -> list[Image]:  # noqa: ANN001
    """Ready images uploaded at these moments (newest first in the default order)."""
    paths = sorted((corpus / "exif/gps").glob("*.jpg"))[: len(moments)]
    images = []
    for path, moment in zip(paths, moments, strict=True):
        image = ready_image(user, path)
        Image.objects.filter(pk=image.pk).update(uploaded_at=moment, taken_at=None)
        image_terms_refresh(image_id=image.pk)
        image.refresh_from_db()
        images.append(image)
    return images


def _headings(body: str) -> list[str]:
    return re.findall(r'class="group-heading" id="group-([\d-]+)"', body)


def _next_url(body: str) -> str:
    more = body.split('class="more" hx-get="', 1)
    return more[1].split('"', 1)[0].replace("&amp;", "&") if len(more) == 2 else ""


def test_a_heading_starts_each_day_and_a_continued_day_gets_none() -> None:
    noon = datetime(2026, 3, 5, 12, tzinfo=UTC)
    images = [Image(uploaded_at=moment) for moment in (noon, noon - DAY / 4, noon - DAY * 2)]
    items = timeline(images, field="uploaded_at", group="day")
    assert [item.key if isinstance(item, Heading) else "image" for item in items] == [
        "2026-03-05",
        "image",
        "image",
        "2026-03-03",
        "image",
    ]
    assert items[0].first
    assert not items[3].first
    # the previous page ended on 5 March: its images continue without a heading
    continued = timeline(images, field="uploaded_at", group="day", after=noon + DAY / 8)
    assert [item.key for item in continued if isinstance(item, Heading)] == ["2026-03-03"]
    by_month = timeline(images, field="uploaded_at", group="month")
    assert [item.key for item in by_month if isinstance(item, Heading)] == ["2026-03"]
    assert timeline(images, field="uploaded_at", group="none") == images


def test_month_terms_follow_the_taken_order_and_the_upload_date() -> None:
    taken, uploaded = datetime(2019, 7, 31, 23, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    terms = image_terms(title="x", taken=taken, uploaded=uploaded)
    assert {"taken:2019-07", "uploaded:2026-01"} <= set(terms)
    assert month_term("taken", taken.replace(tzinfo=None)) == "taken:2019-07"  # stored naive
    assert image_terms(title="x") == ["*", "x"]


def test_infinite_scroll_repeats_no_heading_of_a_day_that_continues(
    user_client, user, corpus, settings
) -> None:
    now = datetime.now(tz=UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    # three on one day, then one two days before: pages of two split the first day
    _dated(user, corpus, [now, now - timedelta(hours=1), now - timedelta(hours=2), now - 2 * DAY])
    settings.GALLERY_PAGE_SIZE = 2
    first = user_client.get(reverse("gallery:gallery")).content.decode()
    assert _headings(first) == [f"{now:%Y-%m-%d}"]
    second = user_client.get(_next_url(first), headers={"HX-Request": "true"}).content.decode()
    assert second.count('class="card-image"') == 2
    assert _headings(second) == [f"{now - 2 * DAY:%Y-%m-%d}"]  # not today's again
    # without JavaScript the "More images" link is a page of its own, which starts with one
    page = user_client.get(_next_url(first)).content.decode()
    assert _headings(page) == [f"{now:%Y-%m-%d}", f"{now - 2 * DAY:%Y-%m-%d}"]
    by_month = user_client.get(reverse("gallery:gallery"), {"group": "month"}).content.decode()
    assert _headings(by_month) == [f"{now:%Y-%m}"]
    assert (
        _headings(user_client.get(reverse("gallery:gallery"), {"group": "none"}).content.decode())
        == []
    )


def test_the_jump_lists_months_from_the_counts_and_starts_at_the_month(
    user_client, user, corpus
) -> None:
    images = _dated(
        user,
        corpus,
        [
            datetime(2026, 5, 3, tzinfo=UTC),
            datetime(2026, 4, 20, tzinfo=UTC),
            datetime(2026, 4, 2, tzinfo=UTC),
            datetime(2025, 12, 30, tzinfo=UTC),
        ],
    )
    counts = dict(TermCount.objects.filter(owner=user).values_list("term", "count"))
    assert (counts["uploaded:2026-04"], counts["uploaded:2025-12"]) == (2, 1)
    body = user_client.get(reverse("gallery:gallery")).content.decode()
    assert ">April 2026 (2)</option>" in body
    assert '<option value="2025">All of 2025</option>' in body
    jumped = user_client.get(reverse("gallery:gallery"), {"jump": "2026-04"}).content.decode()
    shown = re.findall(r'<article class="card-image" id="image-(\w+)"', jumped)
    assert shown == [str(image.pk) for image in images[1:]]
    year = user_client.get(reverse("gallery:gallery"), {"jump": "2025"}).content.decode()
    assert re.findall(r'<article class="card-image" id="image-(\w+)"', year) == [str(images[3].pk)]
    oldest_first = user_client.get(
        reverse("gallery:gallery"), {"jump": "2026-04", "sort": "uploaded_asc"}
    ).content.decode()
    assert re.findall(r'<article class="card-image" id="image-(\w+)"', oldest_first) == [
        str(images[2].pk),
        str(images[1].pk),
        str(images[0].pk),
    ]
    # a grid swapped for another order brings the months of that order's date along
    grid = user_client.get(
        reverse("gallery:gallery"), {"sort": "taken"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert '<select name="jump" id="id_jump" hx-swap-oob="true">' in grid
    assert ">April 2026 (2)</option>" in grid
    # a malformed month is no jump
    assert user_client.get(reverse("gallery:gallery"), {"jump": "2026-13"}).status_code == 200
    # editing the date moves the month's count
    Image.objects.filter(pk=images[0].pk).update(uploaded_at=datetime(2026, 4, 9, tzinfo=UTC))
    image_terms_refresh(image_id=images[0].pk)
    counts = dict(TermCount.objects.filter(owner=user).values_list("term", "count"))
    assert (counts["uploaded:2026-05"], counts["uploaded:2026-04"]) == (0, 3)


def test_tiles_carry_the_shape_the_server_knows(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    body = user_client.get(reverse("gallery:gallery")).content.decode()
    assert f'style="--w:{image.width};--h:{image.height}"' in body


def test_a_search_without_matches_says_so_and_offers_to_clear_it(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    image_update(image=image, title="Harbour", description="", tags=[])
    body = user_client.get(
        reverse("gallery:gallery"), {"q": "zebra", "sort": "taken"}
    ).content.decode()
    assert "No images match this filter" in body
    assert "Upload some" not in body
    assert f'<a href="{reverse("gallery:gallery")}?sort=taken">Clear the filter</a>' in body
    grid = user_client.get(
        reverse("gallery:gallery"), {"q": "zebra"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "No images match this filter" in grid
    Image.objects.all().delete()
    assert "Upload some" in user_client.get(reverse("gallery:gallery")).content.decode()


def test_the_viewer_item_follows_the_filter_and_order(
    user_client, user, corpus, other_user
) -> None:
    now = datetime.now(tz=UTC)
    images = _dated(user, corpus, [now, now - DAY, now - 2 * DAY])
    image_update(image=images[0], title="Sea one", description="", tags=["sea"])
    image_update(image=images[2], title="Sea two", description="", tags=["sea"])
    url = reverse("gallery:image_viewer", args=[images[0].pk])
    item = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert item.lstrip().startswith('<article class="viewer-item"')
    assert f'data-next="{reverse("gallery:image_viewer", args=[images[1].pk])}"' in item
    assert 'data-prev=""' in item
    assert f'data-src="{reverse("gallery:image_file", args=[images[0].pk, "preview"])}"' in item
    assert f'data-full="{reverse("gallery:image_file", args=[images[0].pk, "original"])}"' in item
    # the info panel: a heart that toggles the favourite, the camera as the detail page names it
    assert f'hx-post="{reverse("gallery:image_favourite", args=[images[0].pk])}"' in item
    assert images[0].camera
    assert f"<dt>Camera</dt><dd>{images[0].camera}</dd>" in item
    filtered = user_client.get(url, {"tag": "sea"}, headers={"HX-Request": "true"}).content.decode()
    following = reverse("gallery:image_viewer", args=[images[2].pk])
    assert f'data-next="{following}?tag=sea"' in filtered
    oldest_first = user_client.get(
        url, {"sort": "uploaded_asc"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-next=""' in oldest_first
    assert reverse("gallery:image_viewer", args=[images[1].pk]) in oldest_first
    page = user_client.get(url).content.decode()  # without JavaScript: a page of its own
    assert "<html" in page
    assert 'id="link-next"' in page
    user_client.force_login(other_user)
    assert user_client.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_tiles_open_the_viewer_and_still_link_to_the_detail_page(user_client, user, corpus) -> None:
    image = ready_image(user, corpus / "exif/gps/DSCN0010.jpg")
    body = user_client.get(reverse("gallery:gallery"), {"sort": "taken"}).content.decode()
    detail = reverse("gallery:image_detail", args=[image.pk])
    viewer = reverse("gallery:image_viewer", args=[image.pk])
    assert f'<a href="{detail}?sort=taken" data-viewer="{viewer}?sort=taken">' in body
    assert '<dialog id="viewer"' in body
    assert "js/viewer.js" in body
