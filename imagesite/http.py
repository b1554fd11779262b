"""Small HTTP helpers every app's views share."""

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def found_or_404(value: T | None) -> T:
    """What an owner-scoped selector found, or a 404: another user's object looks absent."""
    if value is None:
        raise Http404("not found")
    return value
