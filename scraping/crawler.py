"""The crawler child process: ``python -m scraping.crawler '<json>'``.

The JSON argument is ``{"config": CrawlConfig.to_json(), "out_dir": str, "soft_timeout_s":
float}``. Events go to stdout as JSON lines (see CrawlEvent); scrapy's log goes to stderr.
Run by scraping.crawl.crawl_run, one process per run, so the caller (a Celery worker) never
starts Twisted's reactor itself: a reactor cannot be restarted in one process.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from scrapy.crawler import Crawler, CrawlerProcess

from scraping.config import ROBOTS_AGENT, CrawlConfig, CrawlEvent
from scraping.spider import ImageSpider

HTTP11_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
CLOSE_GRACE_S = 1.0  # after the soft timeout, for the spider to close by itself

# A retry does not help a refused or unresolvable host, and a timed-out request already
# waited long enough.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
]


def crawler_settings(*, config: CrawlConfig, soft_timeout_s: float) -> dict[str, Any]:
    """Scrapy settings for one run; everything that could reach out or listen is off."""
    return {
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": ROBOTS_AGENT,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency_per_domain,
        "DOWNLOAD_DELAY": config.delay_s,
        "DOWNLOAD_TIMEOUT": config.request_timeout_s,
        "DNS_TIMEOUT": config.request_timeout_s,
        "DOWNLOAD_MAXSIZE": max(config.max_image_bytes + 1, config.max_page_bytes),
        "DOWNLOAD_WARNSIZE": 0,
        "CLOSESPIDER_TIMEOUT": soft_timeout_s,
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_TIMES": 1,
        "RETRY_EXCEPTIONS": RETRY_EXCEPTIONS,
        "COOKIES_ENABLED": False,
        # SSRF: every request is checked, and connections go only to checked addresses.
        "SSRF_ALLOW": list(config.allow),
        "TWISTED_DNS_RESOLVER": "scraping.guard.SsrfResolver",
        "DOWNLOADER_MIDDLEWARES": {"scraping.guard.SsrfMiddleware": 50},
        # A proxy (from the environment) would make the checked address the proxy's.
        "HTTPPROXY_ENABLED": False,
        # The checks rely on Twisted's HTTP client and resolver: pin both, whatever defaults
        # later scrapy versions pick (httpx, aiohttp, a reactorless asyncio loop).
        "TWISTED_REACTOR_ENABLED": True,
        "DOWNLOAD_HANDLERS": {
            "http": HTTP11_HANDLER,
            "https": HTTP11_HANDLER,
            **dict.fromkeys(("file", "ftp", "s3", "data")),
        },
        # Both listen on localhost; RemoteControl even runs posted Python code.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }


def crawler_main(*, argv: list[str], events: TextIO) -> int:
    payload = json.loads(argv[0])
    config = CrawlConfig.from_json(payload["config"])
    out_dir = Path(payload["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)

    def emit(event: CrawlEvent) -> None:
        events.write(event.to_line() + "\n")
        events.flush()

    soft_timeout_s = float(payload.get("soft_timeout_s", 0))
    process = CrawlerProcess(
        settings=crawler_settings(config=config, soft_timeout_s=soft_timeout_s)
    )
    crawler = process.create_crawler(ImageSpider)
    process.crawl(crawler, config=config, out_dir=out_dir, emit=emit)
    if soft_timeout_s:
        # Closing waits for downloads in flight, which may hang until their own timeout.
        from twisted.internet import reactor

        later: Any = reactor.callLater  # type: ignore[attr-defined,unused-ignore]
        later(soft_timeout_s + CLOSE_GRACE_S, _exit_now, crawler)
    process.start()
    return 0


def _exit_now(crawler: Crawler) -> None:
    """End the process after reporting: saved images are complete files (atomic renames)."""
    if isinstance(crawler.spider, ImageSpider):
        crawler.spider.done_emit(reason="closespider_timeout")
    os._exit(0)


def _events_stream() -> TextIO:
    """stdout for events only: anything else printing to fd 1 lands on stderr instead."""
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", encoding="utf-8", buffering=1)


if __name__ == "__main__":
    sys.exit(crawler_main(argv=sys.argv[1:], events=_events_stream()))
