"""The data that crosses the process boundary: run settings, events and the run summary.

Everything here is JSON-serialisable so the parent (a Celery worker) and the crawler child
(``python -m scraping.crawler``) share nothing but text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

USER_AGENT = "ImageWorkshopBot/1.0 (+self-hosted image workshop)"
ROBOTS_AGENT = "ImageWorkshopBot"  # the token robots.txt groups are matched against
MB = 1024 * 1024

Scope = Literal["page", "site"]
EventKind = Literal["page", "image_found", "image_saved", "image_skipped", "error", "done"]


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """What one import run may do. Sizes in pixels and bytes, times in seconds."""

    start_url: str
    scope: Scope = "page"  # "page": the start page only; "site": follow same-site links
    max_depth: int = 2  # link hops from the start page ("site" scope only)
    max_pages: int = 20  # HTML pages fetched, the start page included
    max_images: int = 300  # images saved; the run stops when reached
    min_width: int = 100
    min_height: int = 100
    max_image_bytes: int = 25 * MB
    max_image_pixels: int = 100_000_000
    max_run_bytes: int = 500 * MB  # everything downloaded: pages, stylesheets, images
    max_page_bytes: int = 5 * MB  # one HTML page or stylesheet
    request_timeout_s: float = 30.0
    concurrency_per_domain: int = 4
    delay_s: float = 0.25  # between requests to one domain (randomised 0.5x-1.5x by scrapy)
    allow: tuple[str, ...] = ()  # SSRF allowlist: host names, IPs, CIDRs (see scraping.ssrf)
    user_agent: str = USER_AGENT
    # A JSON file {image URL: [ETag, Last-Modified]} from earlier runs: those images are asked
    # for with If-None-Match / If-Modified-Since, and a 304 is reported as "unchanged".
    validators_file: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CrawlConfig:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["allow"] = tuple(values.get("allow", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class CrawlEvent:
    """One line of the crawler's output. Which fields are set depends on ``kind``:

    - ``page``: url, depth
    - ``image_found``: url, page_url, source (the pattern, e.g. "img[srcset]"), title (the
      alt text, title attribute or figure caption, when the page gives one)
    - ``image_saved``: url, page_url, source, title, path, size_bytes, sha256, width, height,
      image_format, etag and last_modified (the response's validators, when it sent them)
    - ``image_skipped``: url, page_url, reason (a short category used as the summary key,
      e.g. "too small"; "unchanged" for a 304), detail (for people, e.g. "address 10.0.0.1 is
      private")
    - ``error``: url, reason, detail (a page or stylesheet that failed, a refused start URL)
    - ``done``: reason (why the crawl closed: "finished", "page limit" when links were left
      out for the page limit, "image limit reached", "closespider_timeout", ...), stats
      (download_s, check_s, write_s, ...)
    """

    kind: EventKind
    url: str = ""
    page_url: str = ""
    source: str = ""
    title: str = ""
    depth: int = 0
    path: str = ""
    size_bytes: int = 0
    sha256: str = ""
    width: int = 0
    height: int = 0
    image_format: str = ""
    etag: str = ""
    last_modified: str = ""
    reason: str = ""
    detail: str = ""
    stats: dict[str, float] = field(default_factory=dict)

    def to_line(self) -> str:
        """A compact JSON line: fields left at their default are omitted."""
        data: dict[str, Any] = {"kind": self.kind}
        for item in fields(self)[1:]:
            value = getattr(self, item.name)
            if value:
                data[item.name] = value
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> CrawlEvent:
        data = json.loads(line)
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(slots=True)
class CrawlSummary:
    """Totals of one run, built from its events (and so also after a killed child)."""

    pages_visited: int = 0
    images_found: int = 0
    images_saved: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    bytes_total: int = 0  # downloaded: pages, stylesheets and images
    bytes_saved: int = 0  # written to out_dir
    errors: list[str] = field(default_factory=list)
    download_s: float = 0.0  # summed over transfers: concurrent downloads overlap
    download_wall_s: float = 0.0  # wall time with at least one transfer in flight
    check_s: float = 0.0  # hashing and checking images with Pillow
    write_s: float = 0.0  # writing image files
    elapsed_s: float = 0.0  # wall clock of the whole run, child start-up included
    close_reason: str = ""  # "finished", "image limit reached", "closespider_timeout", ...
    timed_out: bool = False
    cancelled: bool = False  # stopped by the caller's should_stop
    saved: list[CrawlEvent] = field(default_factory=list)  # the image_saved events
