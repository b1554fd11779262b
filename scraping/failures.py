"""Turn a failed scrapy request into a short reason and a sentence for people."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    StopDownload,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from scraping.guard import RequestBlocked, SsrfResolver


def failure_reason(*, failure: Failure, request: Request) -> tuple[str, str]:
    """(reason, detail), e.g. ("blocked", "address 10.0.0.1 is private (http://...)")."""
    error = failure.value
    if stop := request.meta.get("stop"):  # set by the spider's byte-limit signal handlers
        return str(stop[0]), str(stop[1])
    if isinstance(error, RequestBlocked):
        return "blocked", error.reason
    if isinstance(error, HttpError):
        return "http error", f"HTTP {error.response.status}"
    if isinstance(error, IgnoreRequest) and "robots.txt" in str(error):
        return "robots.txt", f"forbidden by robots.txt ({request.url})"
    if isinstance(error, (CannotResolveHostError, DNSLookupError)):
        host = (urlsplit(request.url).hostname or "").lower()
        if refusal := SsrfResolver.refusals.get(host):
            return "blocked", f"{refusal} ({request.url})"
        return "dns error", str(error)
    if isinstance(error, (DownloadTimeoutError, TimeoutError, TCPTimedOutError)):
        return "timeout", str(error) or "timed out"
    if isinstance(error, DownloadCancelledError) and "max size" in str(error):
        return "too large", str(error)
    if isinstance(error, DownloadConnectionRefusedError):
        return "connection refused", str(error)
    if isinstance(error, StopDownload):
        return "stopped", "download stopped"
    return "download failed", f"{type(error).__name__}: {error}"
