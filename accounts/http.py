from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthedRequest(HttpRequest):
    """The request a login_required view receives (for type checkers)."""

    user: User
    htmx: HtmxDetails
