"""Degraded, not broken: with the database or the broker away, a page answers 503 with a page
that says what is wrong and that stored work is safe, instead of a generic 500.

Two ways in. A view that raises is caught in process_exception. An error raised elsewhere
(the session saved after the view, another middleware) has already been turned into a 500 by
Django when it reaches us, so got_request_exception marks the request and the 500 is replaced
on its way out. Nothing here retries or stores anything: whether an upload was stored before the
error is the service's business, and a service that stored it must not let the error through.
"""

import sys
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import pymongo.errors
import redis.exceptions
from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_S = 15
_MARK = "_imagesite_unavailable"

# What is away, by the exception seen anywhere in the chain (django_mongodb_backend raises
# DatabaseError from the pymongo error; kombu raises OperationalError from the transport's).
_PARTS: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((kombu.exceptions.OperationalError,), "task queue"),
    ((pymongo.errors.ConnectionFailure,), "database"),
    ((redis.exceptions.ConnectionError, redis.exceptions.TimeoutError), "cache"),
]


def unavailable_part(error: BaseException | None) -> str | None:
    """'database', 'task queue' or 'cache' when error (or one it came from) says that part is
    unreachable; None for any other error."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for types, part in _PARTS:
            if isinstance(error, types):
                return part
        error = error.__cause__ or error.__context__
    return None


def unavailable_response(request: HttpRequest, part: str) -> HttpResponse:
    """The 503 page. Rendered without the request's context processors: they would ask the
    database for the user again."""
    name = "unavailable.html#message" if request.headers.get("HX-Request") else "unavailable.html"
    body = render_to_string(name, {"part": part, "retry_after": RETRY_AFTER_S})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class UnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        part = getattr(request, _MARK, None)
        if part and response.status_code == 500:
            return unavailable_response(request, part)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if part := unavailable_part(exception):
            return unavailable_response(request, part)
        return None


@receiver(got_request_exception)
def _mark_unavailable(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and (part := unavailable_part(sys.exc_info()[1])):
        setattr(request, _MARK, part)
