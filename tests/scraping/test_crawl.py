"""crawl_run end to end: a real scrapy child process against local HTTP servers.

127.0.0.1 is allowlisted in these tests only; by default the crawler refuses it. Each crawl
starts a child process (about a second), so crawls are module-scoped and shared by asserts.
"""

import contextlib
import functools
import hashlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from scraping.config import USER_AGENT, CrawlConfig, CrawlEvent, CrawlSummary
from scraping.crawl import crawl_run

MB = 1024 * 1024
LOCAL = ("127.0.0.1",)
FAST = {"delay_s": 0.0, "concurrency_per_domain": 8, "allow": LOCAL}

Route = Callable[[SimpleHTTPRequestHandler], None]


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files from a folder, plus special routes; remembers the User-Agents seen."""

    routes: dict[str, Route] = {}
    user_agents: set[str] = set()

    def do_GET(self) -> None:
        self.user_agents.add(self.headers.get("User-Agent", ""))
        route = self.routes.get(urlsplit(self.path).path)
        with contextlib.suppress(OSError):  # the crawler hangs up on purpose (size limits)
            route(self) if route else super().do_GET()

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(
    root: Path, routes: dict[str, Route] | None = None, user_agents: set[str] | None = None
) -> Iterator[str]:
    attributes = {
        "routes": routes or {},
        "user_agents": set() if user_agents is None else user_agents,
    }
    handler = type("Handler", (SiteHandler,), attributes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(start_url: str, out_dir: Path, timeout_s: float = 40, **options):
    events: list[CrawlEvent] = []
    config = CrawlConfig(start_url=start_url, **{**FAST, **options})
    summary = crawl_run(config=config, out_dir=out_dir, on_event=events.append, timeout_s=timeout_s)
    return summary, events


def noise_image(path: Path, size: tuple[int, int]) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path)
    return path.read_bytes()


def kinds(events: list[CrawlEvent], kind: str) -> list[CrawlEvent]:
    return [event for event in events if event.kind == kind]


def skipped(events: list[CrawlEvent]) -> dict[str, list[CrawlEvent]]:
    by_name: dict[str, list[CrawlEvent]] = {}
    for event in kinds(events, "image_skipped"):
        by_name.setdefault(urlsplit(event.url).path.rsplit("/", 1)[-1] or event.url, []).append(
            event
        )
    return by_name


# site-a: the real static website of the shared corpus ---------------------------------


@pytest.fixture(scope="module")
def site_a(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    root = corpus / "site-a"
    expected = json.loads((root / "EXPECTED.json").read_text())
    out_dir = tmp_path_factory.mktemp("site-a-images")
    with serve(root) as base:
        summary, events = run(
            f"{base}/index.html", out_dir, scope="site", max_depth=3, min_width=0, min_height=0
        )
    return root, expected, summary, events, out_dir


def test_site_a_finds_every_referenced_image_and_nothing_else(site_a):
    root, expected, summary, events, _out_dir = site_a
    found = {urlsplit(event.url).path.lstrip("/") for event in kinds(events, "image_found")}
    assert found == set(expected["local_files"])
    assert summary.images_found == expected["distinct_local_image_files_referenced"] == 98
    assert [urlsplit(e.url).path for e in kinds(events, "page")] == ["/index.html"]
    assert summary.pages_visited == expected["pages_crawled"]


def test_site_a_counts_by_pattern_match_expected(site_a):
    _root, expected, _summary, events, _out_dir = site_a
    by_pattern = Counter(event.source for event in kinds(events, "image_found"))
    # Each URL is counted under the first pattern that found it; in site-a they are disjoint.
    assert by_pattern == {
        pattern: counts["distinct_local_files"]
        for pattern, counts in expected["by_pattern"].items()
    }


def test_site_a_saves_each_distinct_image_once(site_a):
    root, expected, summary, events, out_dir = site_a
    contents = {
        hashlib.sha256((root / f).read_bytes()).hexdigest() for f in expected["local_files"]
    }
    # fulls/01.jpg and thumbs/01.jpg are the same file: the run keeps one of them.
    assert len(contents) == 97
    assert summary.images_saved == len(contents)
    assert {event.sha256 for event in summary.saved} == contents
    assert summary.skipped_by_reason == {"duplicate": 1}
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        Path(event.path).name for event in summary.saved
    )
    assert summary.errors == []
    assert summary.close_reason == "finished"
    assert summary.bytes_saved == sum(event.size_bytes for event in summary.saved)
    assert summary.bytes_total >= summary.bytes_saved


def test_site_a_saved_events_describe_the_file(site_a):
    root, _expected, _summary, events, _out_dir = site_a
    saved = {urlsplit(e.url).path: e for e in kinds(events, "image_saved")}
    bg = saved["/images/bg.jpg"]
    assert (bg.width, bg.height, bg.image_format) == (1440, 2121, "JPEG")
    assert bg.source == "linked CSS url()"
    assert bg.page_url.endswith("/index.html")
    assert Path(bg.path).read_bytes() == (root / "images" / "bg.jpg").read_bytes()
    assert bg.size_bytes == (root / "images" / "bg.jpg").stat().st_size


# The rules: robots.txt, redirects, sizes, content, timeouts, refused URLs ---------------


def redirect(location: str) -> Route:
    def route(handler: SimpleHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def huge_with_length(handler: SimpleHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", str(50 * MB))
    handler.end_headers()
    handler.wfile.write(b"\xff\xd8\xff" + bytes(64 * 1024))


def huge_streamed(handler: SimpleHTTPRequestHandler) -> None:
    """No Content-Length (HTTP/1.0, body until close): only counting bytes can stop it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()
    for _ in range(48):
        handler.wfile.write(bytes(64 * 1024))


def slow(seconds: float) -> Route:
    def route(handler: SimpleHTTPRequestHandler) -> None:
        time.sleep(seconds)
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


RULES_ROUTES = {
    "/redirect-private.jpg": redirect("http://10.0.0.1/x.jpg"),
    "/redirect-metadata.jpg": redirect("http://169.254.169.254/latest/meta-data/x.jpg"),
    "/redirect-ok.jpg": redirect("/public/other.png"),
    "/huge.jpg": huge_with_length,
    "/stream.jpg": huge_streamed,
    "/slow.jpg": slow(4),
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("rules-site")
    noise_image(root / "big.jpg", (300, 200))
    (root / "dup.jpg").write_bytes((root / "big.jpg").read_bytes())
    noise_image(root / "public" / "other.png", (120, 120))
    noise_image(root / "small.png", (20, 20))
    noise_image(root / "private" / "secret.jpg", (200, 200))
    (root / "fake.jpg").write_text("<!doctype html><html><body>Not found</body></html>")
    (root / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    (root / "robots.txt").write_text("User-agent: ImageWorkshopBot\nDisallow: /private/\n")
    noise_image(root / "elsewhere.jpg", (200, 200))
    (root / "other.html").write_text('<img src="elsewhere.jpg">')
    user_agents: set[str] = set()
    with serve(root, RULES_ROUTES, user_agents) as base:
        port = urlsplit(base).port
        images = [
            "big.jpg", "dup.jpg", "small.png", "private/secret.jpg", "fake.jpg", "icon.svg",
            "missing.jpg", "huge.jpg", "stream.jpg", "slow.jpg", "redirect-ok.jpg",
            "redirect-private.jpg", "redirect-metadata.jpg", "http://10.0.0.1/a.jpg",
            "http://169.254.169.254/latest/b.jpg", f"http://[::1]:{port}/c.jpg",
            "file:///etc/passwd", f"http://user:pass@127.0.0.1:{port}/big.jpg",
        ]  # fmt: skip
        html = "".join(f'<img src="{src}">' for src in images) + '<a href="other.html">more</a>'
        (root / "index.html").write_text(f"<html><body>{html}</body></html>")
        summary, events = run(
            f"{base}/index.html",
            tmp_path_factory.mktemp("rules-images"),
            min_width=50,
            min_height=50,
            max_image_bytes=1 * MB,
            request_timeout_s=1.5,
        )
    return summary, events, user_agents


def test_rules_keep_only_real_distinct_big_enough_images(rules):
    summary, events, _agents = rules
    assert summary.images_saved == 2
    saved_names = {Path(urlsplit(e.url).path).name for e in summary.saved}
    assert "other.png" not in saved_names  # saved under the URL that was found
    assert "redirect-ok.jpg" in saved_names
    assert saved_names & {"big.jpg", "dup.jpg"}
    assert summary.images_found == 18


def test_rules_skip_reasons_are_counted(rules):
    summary, _events, _agents = rules
    assert summary.skipped_by_reason == {
        "duplicate": 1,
        "too small": 1,
        "robots.txt": 1,
        "not an image": 1,
        "unsupported format": 1,
        "http error": 1,
        "too large": 2,
        "timeout": 1,
        "blocked": 7,
    }


def test_robots_txt_is_obeyed_with_the_projects_user_agent(rules):
    _summary, events, user_agents = rules
    assert skipped(events)["secret.jpg"][0].reason == "robots.txt"
    assert user_agents == {USER_AGENT}
    assert USER_AGENT == "ImageWorkshopBot/1.0 (+self-hosted image workshop)"


def test_redirects_to_internal_addresses_are_refused_with_the_reason(rules):
    _summary, events, _agents = rules
    by_name = skipped(events)
    private = by_name["redirect-private.jpg"][0]
    assert private.reason == "blocked"
    assert private.detail.startswith("address 10.0.0.1 is private (http://10.0.0.1/x.jpg)")
    metadata = by_name["redirect-metadata.jpg"][0]
    assert metadata.detail.startswith("address 169.254.169.254 is a cloud metadata address")


def test_urls_to_internal_addresses_files_and_credentials_are_refused(rules):
    _summary, events, _agents = rules
    details = {e.url: e.detail for e in kinds(events, "image_skipped") if e.reason == "blocked"}
    assert details["http://10.0.0.1/a.jpg"] == "address 10.0.0.1 is private"
    assert details["http://169.254.169.254/latest/b.jpg"].endswith("cloud metadata address")
    assert [d for u, d in details.items() if "[::1]" in u] == ["address ::1 is loopback"]
    assert details["file:///etc/passwd"] == "scheme 'file' is not allowed (only http and https)"
    assert [d for u, d in details.items() if "user:pass@" in u] == [
        "credentials in the URL are not allowed"
    ]


def test_content_size_and_time_limits_give_their_reasons(rules):
    _summary, events, _agents = rules
    by_name = skipped(events)
    assert by_name["fake.jpg"][0].reason == "not an image"
    assert by_name["fake.jpg"][0].detail == "not an image: the file is an HTML page"
    assert by_name["small.png"][0].detail == "20x20 < 50x50"
    assert by_name["huge.jpg"][0].reason == "too large"
    assert by_name["huge.jpg"][0].detail.startswith("Content-Length 52428800")
    assert by_name["stream.jpg"][0].reason == "too large"
    assert by_name["slow.jpg"][0].reason == "timeout"
    assert by_name["missing.jpg"][0].detail == "HTTP 404"


def test_page_scope_does_not_follow_links(rules):
    summary, events, _agents = rules
    assert summary.pages_visited == 1
    assert not [e for e in events if "elsewhere" in e.url]


# Scope, limits and the run as a whole ------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """index -> page2, page2b -> page3; each page shows one 200x200 PNG of ~120 KB."""
    root = tmp_path_factory.mktemp("pages-site")
    links = {"index": ["page2", "page2b"], "page2": ["page3"], "page2b": [], "page3": []}
    for name, targets in links.items():
        noise_image(root / f"{name}.png", (200, 200))
        anchors = "".join(f'<a href="{target}.html">{target}</a>' for target in targets)
        (root / f"{name}.html").write_text(f'<img src="{name}.png">{anchors}')
    with serve(root, {"/slow-page.html": slow(20)}) as base:
        yield base


def saved_names(summary: CrawlSummary) -> set[str]:
    return {Path(urlsplit(event.url).path).name for event in summary.saved}


def test_site_scope_follows_links_to_the_depth_limit(pages, tmp_path):
    summary, events = run(f"{pages}/index.html", tmp_path, scope="site", max_depth=1)
    assert {urlsplit(e.url).path for e in kinds(events, "page")} == {
        "/index.html",
        "/page2.html",
        "/page2b.html",
    }
    assert saved_names(summary) == {"index.png", "page2.png", "page2b.png"}


def test_site_scope_stops_at_the_page_limit(pages, tmp_path):
    summary, _events = run(f"{pages}/index.html", tmp_path, scope="site", max_depth=5, max_pages=2)
    assert summary.pages_visited == 2


def test_the_run_stops_at_the_image_limit(pages, tmp_path):
    summary, _events = run(f"{pages}/index.html", tmp_path, scope="site", max_images=1)
    assert summary.images_saved == 1
    assert summary.close_reason == "image limit reached"


def test_the_run_stops_at_the_byte_limit(pages, tmp_path):
    summary, _events = run(
        f"{pages}/index.html",
        tmp_path,
        scope="site",
        max_run_bytes=200_000,
        concurrency_per_domain=1,
    )
    assert summary.close_reason == "run byte limit reached"
    assert summary.images_saved < 4
    # Downloads in flight may each add one network read past the limit, not a whole image.
    assert summary.bytes_total < 360_000
    assert summary.skipped_by_reason["run byte limit"] >= 1


@pytest.mark.parametrize(
    ("host", "reason"),
    [("127.0.0.1", "address 127.0.0.1 is loopback"), ("localhost", "is loopback")],
)
def test_without_the_allowlist_a_local_start_url_is_refused(pages, tmp_path, host, reason):
    start = pages.replace("127.0.0.1", host) + "/index.html"
    summary, events = run(start, tmp_path, allow=())
    assert summary.pages_visited == 0
    assert summary.images_found == 0
    [error] = kinds(events, "error")
    assert error.reason == "blocked"
    assert reason in error.detail


def test_a_run_over_its_time_is_stopped(pages, tmp_path):
    started = time.monotonic()
    summary, _events = run(f"{pages}/slow-page.html", tmp_path, timeout_s=4, request_timeout_s=60)
    assert summary.timed_out
    assert time.monotonic() - started < 8
