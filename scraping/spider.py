"""The scrapy spider of one import run: walks pages, fetches images, reports events."""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, StopDownload
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from gallery.imaging.errors import ImageRejected
from gallery.imaging.inspect import Peek, peek_image
from scraping.config import CrawlConfig, CrawlEvent
from scraping.extract import ImageCandidate, css_extract, page_extract
from scraping.failures import failure_reason
from scraping.guard import crawler_allowlist
from scraping.ssrf import Allowlist, UrlRefused, url_check

Emit = Callable[[CrawlEvent], None]
PAGE_PRIORITY, CSS_PRIORITY, IMAGE_PRIORITY = 20, 10, 0
SKIPPED_EXTENSIONS = (".svg", ".svgz", ".ico")  # never imported: skip without downloading
REDIRECTS = (301, 302, 303, 307, 308)
MAX_PAGE_REDIRECTS = 5  # as scrapy's REDIRECT_MAX_TIMES, which pages do not go through
NOT_MODIFIED = 304


class ImageSpider(scrapy.Spider):
    name = "imageworkshop"
    allow: Allowlist  # the SSRF allowlist, from the SSRF_ALLOW setting

    def __init__(self, *, config: CrawlConfig, out_dir: Path, emit: Emit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.out_dir = out_dir
        self.emit = emit
        self.sites = {_site(config.start_url)}  # and where the start URL redirects to
        self.seen: set[str] = set()  # page, stylesheet and image URLs already requested
        self.sha256s: set[str] = set()
        self.pages_scheduled = 0
        self.pages_left_out = 0  # links not followed because of the page limit
        self.validators = _validators_load(config.validators_file)
        self.images_saved = 0
        self.done = False
        self.stopping = ""  # why the run is closing (a limit was reached); no new work then
        self.bytes_total = 0
        self.timing: defaultdict[str, float] = defaultdict(float)
        self.transfers: list[tuple[float, float]] = []  # (start, end) of each download
        self.started = monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ImageSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.allow = crawler_allowlist(crawler=crawler)
        for handler, signal in (
            (spider.on_left, signals.request_left_downloader),
            (spider.on_headers, signals.headers_received),
            (spider.on_bytes, signals.bytes_received),
            (spider.on_closed, signals.spider_closed),
        ):
            crawler.signals.connect(handler, signal=signal)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        url = self.config.start_url
        try:
            url_check(url=url, allow=self.allow)
        except UrlRefused as error:
            self.emit(CrawlEvent(kind="error", url=url, reason="blocked", detail=error.reason))
            return
        for request in self.page_requests(urls=[url], depth=0):
            yield request

    # Callbacks -------------------------------------------------------------------------

    def page_parse(self, response: Response) -> Iterator[Request]:
        depth: int = response.meta["depth_hops"]
        if response.status in REDIRECTS:
            yield from self.page_redirect(response)
            return
        if not isinstance(response, TextResponse) or _is_image_response(response):
            if depth == 0:  # the start URL is itself an image
                yield from self.image_requests(
                    candidates=[ImageCandidate(url=response.url, source="start url")],
                    page_url=response.url,
                    prefetched=response,
                )
            return
        if depth == 0:  # a redirect to another host (www., https, a new domain) moves the site
            self.sites.add(_site(response.url))
        self.seen.add(urldefrag(response.url)[0])
        self.emit(CrawlEvent(kind="page", url=response.url, depth=depth))
        refs = page_extract(html=response.text, page_url=response.url)
        yield from self.image_requests(candidates=refs.images, page_url=response.url)
        yield from self.css_requests(urls=refs.stylesheets, page_url=response.url)
        if self.config.scope == "site" and depth < self.config.max_depth:
            yield from self.page_requests(urls=refs.links, depth=depth + 1)

    def page_redirect(self, response: Response) -> Iterator[Request]:
        """Follow a page's redirect here rather than in scrapy's middleware, so the target
        is fetched once: links to it, and other redirects to it, then find it seen."""
        location = (response.headers.get(b"Location") or b"").decode("latin-1").strip()
        hops = response.meta.get("page_redirects", 0) + 1
        if not location or hops > MAX_PAGE_REDIRECTS:
            detail = (
                "too many redirects" if location else f"HTTP {response.status} without Location"
            )
            self.emit(CrawlEvent(kind="error", url=response.url, reason="redirect", detail=detail))
            return
        target = urldefrag(urljoin(response.url, location))[0]
        depth: int = response.meta["depth_hops"]
        if depth == 0:  # the start page moved: its new host is the site too
            self.sites.add(_site(target))
        if _site(target) not in self.sites or not self._first_time(target):
            return
        yield self._request(
            url=target,
            callback=self.page_parse,
            priority=PAGE_PRIORITY,
            meta={"depth_hops": depth, "kind": "page", "page_redirects": hops},
        )

    def css_parse(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        refs = css_extract(css=response.text, css_url=response.url)
        page_url = response.meta["page_url"]
        yield from self.image_requests(candidates=refs.images, page_url=page_url)
        yield from self.css_requests(urls=refs.imports, page_url=page_url)

    def image_save(self, response: Response) -> None:
        candidate: ImageCandidate = response.meta["candidate"]
        page_url: str = response.meta["page_url"]
        if self.stopping:  # downloaded before the limit was reached, processed after
            self.skip(
                candidate=candidate, page_url=page_url, reason="run stopped", detail=self.stopping
            )
            return
        if response.status == NOT_MODIFIED:
            self.skip(
                candidate=candidate,
                page_url=page_url,
                reason="unchanged",
                detail="not modified since the last run (HTTP 304)",
            )
            return
        started = monotonic()
        data = response.body
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            reason, detail, info = _image_check(data=data, config=self.config)
            if sha256 in self.sha256s:
                reason, detail = "duplicate", "same content as an image saved in this run"
        finally:
            self.timing["check_s"] += monotonic() - started
        if reason or info is None:
            self.skip(candidate=candidate, page_url=page_url, reason=reason, detail=detail)
            return
        self.sha256s.add(sha256)
        started = monotonic()
        path = self.out_dir / f"{sha256}{info.extension}"
        _write_atomic(path=path, data=data)
        self.timing["write_s"] += monotonic() - started
        self.images_saved += 1
        self.emit(
            CrawlEvent(
                kind="image_saved",
                url=candidate.url,
                page_url=page_url,
                source=candidate.source,
                title=candidate.title,
                path=str(path),
                size_bytes=len(data),
                sha256=sha256,
                width=info.width,
                height=info.height,
                image_format=info.format,
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
            )
        )
        if self.images_saved >= self.config.max_images:
            self.stopping = "image limit reached"
            raise CloseSpider(self.stopping)

    def request_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        reason, detail = failure_reason(failure=failure, request=request)
        if candidate := request.meta.get("candidate"):
            self.skip(
                candidate=candidate, page_url=request.meta["page_url"], reason=reason, detail=detail
            )
        else:
            self.emit(CrawlEvent(kind="error", url=request.url, reason=reason, detail=detail))
        if reason == "run byte limit":
            raise CloseSpider(self.stopping)

    # Requests --------------------------------------------------------------------------

    def page_requests(self, *, urls: Any, depth: int) -> Iterator[Request]:
        for url in urls:
            if self.stopping:
                return
            if _site(url) not in self.sites or urldefrag(url)[0] in self.seen:
                continue
            if self.pages_scheduled >= self.config.max_pages:
                self.pages_left_out += 1
                continue
            self._first_time(url)
            self.pages_scheduled += 1
            yield self._request(
                url=url,
                callback=self.page_parse,
                priority=PAGE_PRIORITY,
                meta={"depth_hops": depth, "kind": "page"},
            )

    def css_requests(self, *, urls: Any, page_url: str) -> Iterator[Request]:
        for url in urls:  # only the site's own stylesheets: fonts and CDNs have no photos
            if _site(url) in self.sites and not self.stopping and self._first_time(url):
                yield self._request(
                    url=url,
                    callback=self.css_parse,
                    priority=CSS_PRIORITY,
                    meta={"page_url": page_url, "kind": "css"},
                )

    def image_requests(
        self, *, candidates: Any, page_url: str, prefetched: Response | None = None
    ) -> Iterator[Request]:
        for candidate in candidates:
            if self.stopping:
                return
            if not self._first_time(candidate.url) and prefetched is None:
                continue
            self.emit(
                CrawlEvent(
                    kind="image_found",
                    url=candidate.url,
                    page_url=page_url,
                    source=candidate.source,
                    title=candidate.title,
                )
            )
            if prefetched is not None:
                prefetched.meta.update(candidate=candidate, page_url=page_url)
                self.image_save(prefetched)
                continue
            if urlsplit(candidate.url).path.lower().endswith(SKIPPED_EXTENSIONS):
                self.skip(
                    candidate=candidate,
                    page_url=page_url,
                    reason="unsupported format",
                    detail="SVG and icon files are not imported",
                )
                continue
            try:
                url_check(url=candidate.url, allow=self.allow)
            except UrlRefused as error:
                self.skip(
                    candidate=candidate, page_url=page_url, reason="blocked", detail=error.reason
                )
                continue
            request = self._request(
                url=candidate.url,
                callback=self.image_save,
                priority=IMAGE_PRIORITY,
                meta={
                    "candidate": candidate,
                    "page_url": page_url,
                    "kind": "image",
                    "download_maxsize": self.config.max_image_bytes + 1,
                    "handle_httpstatus_list": [NOT_MODIFIED],
                },
            )
            etag, last_modified = self.validators.get(candidate.url, ("", ""))
            if etag:
                request.headers[b"If-None-Match"] = etag
            if last_modified:
                request.headers[b"If-Modified-Since"] = last_modified
            yield request

    def _request(
        self, *, url: str, callback: Callable[..., Any], priority: int, meta: dict[str, Any]
    ) -> Request:
        if meta["kind"] != "image":  # the start URL may be an image itself
            first = meta.get("depth_hops") == 0
            limit = max(self.config.max_page_bytes, self.config.max_image_bytes + 1)
            meta["download_maxsize"] = limit if first else self.config.max_page_bytes
        if meta["kind"] == "page":  # redirects followed by page_redirect
            meta.update(dont_redirect=True, handle_httpstatus_list=list(REDIRECTS))
        return Request(
            url,
            callback=callback,
            errback=self.request_failed,
            priority=priority,
            meta=meta,
            dont_filter=True,
        )

    def _first_time(self, url: str) -> bool:
        key = urldefrag(url)[0]
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def skip(self, *, candidate: ImageCandidate, page_url: str, reason: str, detail: str) -> None:
        self.emit(
            CrawlEvent(
                kind="image_skipped",
                url=candidate.url,
                page_url=page_url,
                source=candidate.source,
                reason=reason,
                detail=detail,
            )
        )

    # Signals: timing and byte limits ---------------------------------------------------

    def on_left(self, request: Request, spider: scrapy.Spider) -> None:
        """Time the transfer: from sending the request (headers time less latency) to done."""
        if headers_at := request.meta.pop("headers_at", None):
            started = headers_at - request.meta.get("download_latency", 0.0)
            self.transfers.append((started, monotonic()))

    def on_headers(self, headers: Any, body_length: int, request: Request, **_: Any) -> None:
        """Refuse an image by its Content-Length before any of the body is read."""
        request.meta["headers_at"] = monotonic()
        if self.stopping:
            request.meta["stop"] = ("run stopped", self.stopping)
            raise StopDownload(fail=True)
        limit = self.config.max_image_bytes
        if request.meta.get("kind") == "image" and body_length and body_length > limit:
            request.meta["stop"] = ("too large", f"Content-Length {body_length} > {limit} bytes")
            raise StopDownload(fail=True)

    def on_bytes(self, data: bytes, request: Request, **_: Any) -> None:
        self.bytes_total += len(data)
        received = request.meta.get("bytes_received", 0) + len(data)
        request.meta["bytes_received"] = received
        if self.bytes_total > self.config.max_run_bytes:
            self.stopping = "run byte limit reached"
            request.meta["stop"] = ("run byte limit", f"{self.config.max_run_bytes} bytes")
            raise StopDownload(fail=True)
        limit = self.config.max_image_bytes
        if request.meta.get("kind") == "image" and received > limit:
            request.meta["stop"] = ("too large", f"more than {limit} bytes")
            raise StopDownload(fail=True)

    def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if reason == "finished" and self.pages_left_out:
            reason = "page limit"
        self.done_emit(reason=reason)

    def done_emit(self, *, reason: str) -> None:
        """The last event, once: on close, or when the process is cut short (crawler.py)."""
        if self.done:
            return
        self.done = True
        stats = {
            **self.timing,
            "download_s": sum(end - start for start, end in self.transfers),
            "download_wall_s": _union_length(self.transfers),
            "bytes_total": self.bytes_total,
            "crawl_s": monotonic() - self.started,
        }
        self.emit(CrawlEvent(kind="done", reason=reason, stats=stats))


def _site(url: str) -> str:
    """Host without a leading "www.": example.com and www.example.com are one site."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _header(response: Response, name: bytes) -> str:
    return (response.headers.get(name) or b"").decode("latin-1").strip()[:300]


def _validators_load(path: str) -> dict[str, tuple[str, str]]:
    """{url: (etag, last_modified)} from the run's validators file ({} without one)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(url): (str(pair[0]), str(pair[1])) for url, pair in data.items()}


def _is_image_response(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return content_type.startswith("image/")


def _union_length(intervals: list[tuple[float, float]]) -> float:
    """Time covered by at least one interval: wall time with a download in flight."""
    total, covered_until = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > covered_until:
            total += end - max(start, covered_until)
            covered_until = end
    return total


def _write_atomic(*, path: Path, data: bytes) -> None:
    """Write beside the target then rename, so a killed run leaves no half image."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


# the imaging core's refusal codes, in the words of the import run's skip counters
_REASONS = {
    "empty": "not an image",
    "not_image": "not an image",
    "corrupt": "not an image",
    "unsupported": "unsupported format",
    "too_large": "too large",
    "too_many_pixels": "too large",
}


def _image_check(*, data: bytes, config: CrawlConfig) -> tuple[str, str, Peek | None]:
    """(reason, detail, header) of a download: a cheap look at the type and size only; the
    import checks the whole file once (gallery's image_create)."""
    try:
        info = peek_image(data=data, max_pixels=config.max_image_pixels)
    except ImageRejected as rejected:
        return _REASONS[rejected.code], str(rejected), None
    if info.width < config.min_width or info.height < config.min_height:
        size = f"{info.width}x{info.height} < {config.min_width}x{config.min_height}"
        return "too small", size, info
    return "", "", info
