"""The REST API under /api/: every app's router (`<app>/api.py`) gathered, one error shape.

Typed with django-ninja: the OpenAPI document (/api/openapi.json) is generated from the code,
and the interactive docs (/api/docs) are served from ninja's own static files. Every 4xx is an
RFC 9457 problem (`imagesite.apitools.Problem`); bad input is a 4xx, never a 500.
"""

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from accounts.api import SessionAuth, TokenAuth
from accounts.api import router as accounts_router
from analytics.api import router as analytics_router
from gallery.api import album_router
from gallery.api import router as gallery_router
from imagesite.apitools import FieldError, problem
from imagesite.health import health_report
from jobs.api import router as jobs_router
from library.api import router as library_router
from processing.api import deep_router
from processing.api import router as processing_router
from scraping.api import router as scraping_router

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class ImageSiteAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are documented as application/problem+json, the type they are sent with."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return schema


api = ImageSiteAPI(
    title="Image workshop API",
    version="1",
    description=(
        "Upload, find, edit and process your images. Authenticate with a personal access "
        "token (`Authorization: Bearer iw_…`, made on the account page) or the browser session."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _problem_response(
    status: int, detail: str = "", errors: list[FieldError] | None = None
) -> HttpResponse:
    body = problem(status, detail, errors).model_dump_json()
    response = HttpResponse(body, status=status, content_type=PROBLEM_JSON)
    if status == HTTPStatus.UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(ValidationError)
def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        FieldError(
            field=_field_name(error.get("loc", ())), message=str(error.get("msg", "invalid"))
        )
        for error in exc.errors
    ]
    return _problem_response(422, "The request is not valid.", errors)


def _field_name(loc: Any) -> str:
    """pydantic's location without ninja's wrapping: ("body", "body", "color") -> "color"."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "file", "form", "header", "cookie"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("body", "files"):
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if isinstance(exc, AuthenticationError) and detail == "Unauthorized":
        detail = "Send a personal access token (Authorization: Bearer …) or sign in."
    response = _problem_response(exc.status_code, detail, getattr(exc, "errors", None))
    if isinstance(exc, Throttled) and getattr(exc, "wait", None):
        response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem_response(404, "Not found.")


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _problem_response(400, " ".join(exc.messages))


api.add_router("/", accounts_router)
api.add_router("/images", gallery_router)
api.add_router("/albums", album_router)
api.add_router("/", processing_router)
api.add_router("/", deep_router)
api.add_router("/jobs", jobs_router)
api.add_router("/analytics", analytics_router)
api.add_router("/imports", scraping_router)
api.add_router("/library", library_router)


class CheckOut(Schema):
    name: str
    ok: bool
    detail: str | None = None


class HealthOut(Schema):
    ok: bool
    checks: list[CheckOut]


@api.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    tags=["health"],
    url_name="health",
)
def health(request: HttpRequest) -> Status[dict[str, object]]:
    """Database, broker and workers (details for staff); 503 when one fails. No auth."""
    report = health_report()
    detail = bool(getattr(request.user, "is_staff", False))
    return Status(200 if report.ok else 503, report.as_dict(detail=detail))


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/: a problem too, not the HTML 404 page."""
    return _problem_response(404, "No such API endpoint.")
