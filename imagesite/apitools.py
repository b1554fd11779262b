"""What every app's API module shares: the error shape, ObjectId path parameters, responses.

Imports no app (like imagesite's other helpers); the authentication lives in accounts/api.py and
the API itself, gathering every app's router, in imagesite/api.py.
"""

from http import HTTPStatus
from typing import Any

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Schema
from ninja.errors import HttpError
from ninja.params.functions import Path

OBJECT_ID = "^[0-9a-fA-F]{24}$"
# The 4xx answers every operation may give, documented once with the Problem shape.
ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})
PROBLEM_TYPE = "about:blank"  # RFC 9457: the title is the status's own phrase


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details, with the fields that were wrong in `errors`."""

    type: str = PROBLEM_TYPE
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


def problem(status: int, detail: str = "", errors: list[FieldError] | None = None) -> Problem:
    return Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, errors=errors or []
    )


def id_path(description: str = "") -> Any:
    """A path parameter holding an ObjectId: anything else is a 422, never a 500."""
    return Path(..., pattern=OBJECT_ID, description=description, example="65f0c0ffee0000000000beef")


def object_id(value: str) -> ObjectId:
    """The ObjectId of a path or body value; a malformed one names nothing here: 404."""
    if not ObjectId.is_valid(value):
        raise Http404("not found")
    return ObjectId(value)


def oid(value: object) -> str | None:
    return None if value is None else str(value)


class ApiError(HttpError):
    """A 4xx with field errors: answered as a Problem with `errors`."""

    def __init__(self, status: int, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(status, detail)
        self.errors = errors or []


def invalid(error: ValidationError) -> ApiError:
    """A service's ValidationError (a message fit for the user) as a 400 naming its fields."""
    if hasattr(error, "error_dict"):
        errors = [
            FieldError(field=name if name != "__all__" else "", message=message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        errors = [FieldError(field="", message=message) for message in error.messages]
    return ApiError(400, " ".join(e.message for e in errors) or "Not accepted.", errors)


def caller_id(request: HttpRequest) -> ObjectId:
    """The pk of the user an authenticated request acts for (accounts.api.Principal), for the
    apps that may not import accounts (jobs, its peer at the bottom)."""
    user = getattr(getattr(request, "auth", None), "user", None)
    if user is None or not isinstance(user.pk, ObjectId):
        raise HttpError(401, "Unauthorized")
    return user.pk
