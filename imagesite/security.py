"""Headers and limits every response and request gets: a Content-Security-Policy with a nonce
per request, a Permissions-Policy, and a request size limit that refuses before reading.

Django 5.2 has no CSP of its own (6.0 adds one). The few scripts are files; each carries the
request's nonce (`{{ csp_nonce }}`, and django-htmx's `{% htmx_script %}` reads it too).
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "browsing-topics=(), fullscreen=(self)"
)
# Inline style attributes stay allowed (detection boxes; htmx's indicator style element).
_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_REFUSED = "_imagesite_upload_refused"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", _CSP.format(nonce=nonce))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `{{ csp_nonce }}` for a <script nonce>."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def too_large_message(size: int | None = None) -> str:
    said = f" ({_mb(size)})" if size else ""
    return (
        f"Refused: the upload{said} is over the limit: each file may be up to "
        f"{_mb(settings.UPLOAD_MAX_BYTES)}, and one request may carry "
        f"{_mb(settings.UPLOAD_MAX_REQUEST_BYTES)} (the drop zone sends files one at a time)."
    )


class RequestSizeLimitMiddleware:
    """A request whose Content-Length is over UPLOAD_MAX_REQUEST_BYTES is answered 413 before
    a byte of its body is read (DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out); a body that
    streams past the limits is stopped by UploadLimitHandler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            return too_large_response(request, too_large_message(length))
        return self.get_response(request)


def too_large_response(request: HttpRequest, message: str) -> HttpResponse:
    name = "request_too_large.html#message" if request.headers.get("HX-Request") else None
    body = render_to_string(name or "request_too_large.html", {"message": message})
    response = HttpResponse(body, status=413)
    return response


class UploadLimitHandler(FileUploadHandler):
    """First upload handler: stops the body as soon as one file passes UPLOAD_MAX_BYTES, before
    the next handlers keep more of it (in memory or in a temporary file, then deleted)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.file_bytes += len(raw_data)
        if self.file_bytes > settings.UPLOAD_MAX_BYTES:
            setattr(self.request, _REFUSED, too_large_message())
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_refusal(request: HttpRequest) -> str:
    """The message when UploadLimitHandler stopped this request's upload, else ""."""
    return str(getattr(request, _REFUSED, ""))
