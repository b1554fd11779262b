"""The site's icon: linked from every page, and /favicon.ico (which browsers ask for anyway)."""

import pytest
from django.templatetags.static import static


def test_favicon_ico_is_the_sites_svg_icon(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg")


@pytest.mark.django_db
def test_every_page_links_the_icon(client) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in body
