"""The home and sign-up pages as a person sees them, in headless Chromium."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_welcomes_and_get_started_leads_to_sign_up(page, tmp_path: Path) -> None:
    page.goto("/")
    assert page.get_by_role("heading", name="Welcome to your image workshop").is_visible()
    button = page.get_by_role("link", name="Get Started")
    assert button.is_visible()
    shot = page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(shot) > 10_000
    button.click()
    page.wait_for_url("**/accounts/signup/")
    assert page.locator("input[name=email]").is_visible()
    assert page.locator("input[name=password1]").is_visible()
    shot = page.screenshot(path=str(tmp_path / "signup.png"), full_page=True)
    assert len(shot) > 10_000


def test_get_started_leads_a_signed_in_user_to_upload(signed_in_page) -> None:
    page = signed_in_page
    page.goto("/")
    page.get_by_role("link", name="Get Started").click()
    page.wait_for_url("**/upload/")
    assert page.get_by_text("Drop images or whole folders here").is_visible()
