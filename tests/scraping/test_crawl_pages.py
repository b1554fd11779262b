"""The crawler against local servers that log every request: each page fetched once through
redirects, conditional requests, the page limit as a close reason, titles from the page."""

from pathlib import Path

from scraping.config import CrawlConfig, CrawlEvent
from scraping.crawl import crawl_run
from tests.scraping.sites import chart, encoded, logged_site, redirect, with_etag

FAST = {"delay_s": 0.0, "concurrency_per_domain": 8, "allow": ("127.0.0.1",)}


def crawl(start_url: str, out_dir: Path, **options: object) -> tuple[list[CrawlEvent], object]:
    events: list[CrawlEvent] = []
    config = CrawlConfig(start_url=start_url, **{**FAST, **options})  # type: ignore[arg-type]
    summary = crawl_run(config=config, out_dir=out_dir, on_event=events.append, timeout_s=40)
    return events, summary


def test_pages_reached_through_redirects_are_fetched_once(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "gallery").mkdir(parents=True)
    (root / "gallery" / "a.png").write_bytes(encoded(chart([100, 200, 300])))
    # the start redirects to the gallery, which links to itself, to page2 and to another
    # address that redirects to it; page2 links back to the start and to the gallery
    (root / "gallery" / "index.html").write_text(
        '<img src="a.png"><a href="index.html">home</a><a href="page2.html">2</a>'
        '<a href="/old">old</a>'
    )
    (root / "gallery" / "page2.html").write_text(
        '<a href="/start">start</a><a href="/gallery/index.html">gallery</a>'
    )
    routes = {"/start": redirect("/gallery/index.html"), "/old": redirect("/gallery/")}
    routes["/gallery/"] = redirect("/gallery/index.html", 301)
    with logged_site(root, routes) as (base, log):
        events, summary = crawl(f"{base}/start", tmp_path / "out", scope="site", max_depth=3)
    assert log.count("/gallery/index.html") == 1
    assert log.count("/gallery/page2.html") == 1
    assert log.count("/start") == 1
    assert log.count("/gallery/a.png") == 1
    pages = [e.url.removeprefix(base) for e in events if e.kind == "page"]
    assert sorted(pages) == ["/gallery/index.html", "/gallery/page2.html"]
    assert summary.images_saved == 1  # type: ignore[attr-defined]
    assert summary.close_reason == "finished"  # type: ignore[attr-defined]


def test_a_redirect_loop_ends_with_an_error_not_a_hang(tmp_path: Path) -> None:
    routes = {"/a": redirect("/b"), "/b": redirect("/a")}
    with logged_site(tmp_path, routes) as (base, log):
        events, _summary = crawl(f"{base}/a", tmp_path / "out")
    assert log.count("/a") == 1  # /a again is seen: not refetched
    assert log.count("/b") == 1
    assert not [e for e in events if e.kind == "page"]


def test_validators_are_sent_and_a_304_is_reported_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    data = encoded(chart([50, 100, 150]))
    (root / "plain.png").write_bytes(encoded(chart([150, 100, 50])))
    (root / "index.html").write_text('<img src="etag.png"><img src="plain.png">')
    with logged_site(root, {"/etag.png": with_etag(data)}) as (base, log):
        first, _ = crawl(f"{base}/index.html", tmp_path / "one")
        saved = {e.url.removeprefix(base): e for e in first if e.kind == "image_saved"}
        assert saved["/etag.png"].etag.startswith('"')
        assert saved["/plain.png"].last_modified.endswith("GMT")  # http.server sends it
        validators = {e.url: [e.etag, e.last_modified] for e in first if e.kind == "image_saved"}
        file = tmp_path / "validators.json"
        file.write_text(__import__("json").dumps(validators))
        second, summary = crawl(f"{base}/index.html", tmp_path / "two", validators_file=str(file))
    [_, sent] = log.headers("/etag.png")
    assert sent["If-None-Match"] == saved["/etag.png"].etag
    [_, sent_plain] = log.headers("/plain.png")
    assert sent_plain["If-Modified-Since"] == saved["/plain.png"].last_modified
    skipped = {e.url.removeprefix(base): e.reason for e in second if e.kind == "image_skipped"}
    assert skipped == {"/etag.png": "unchanged", "/plain.png": "unchanged"}
    assert summary.images_saved == 0  # type: ignore[attr-defined]


def test_the_page_limit_is_the_close_reason_when_links_were_left_out(tmp_path: Path) -> None:
    for name, links in {"index": ["b", "c"], "b": [], "c": []}.items():
        anchors = "".join(f'<a href="{link}.html">{link}</a>' for link in links)
        (tmp_path / f"{name}.html").write_text(anchors)
    with logged_site(tmp_path) as (base, _log):
        _events, limited = crawl(f"{base}/index.html", tmp_path / "o1", scope="site", max_pages=2)
        _events, whole = crawl(f"{base}/index.html", tmp_path / "o2", scope="site", max_pages=3)
    assert limited.close_reason == "page limit"  # type: ignore[attr-defined]
    assert limited.pages_visited == 2  # type: ignore[attr-defined]
    assert whole.close_reason == "finished"  # type: ignore[attr-defined]


def test_saved_images_carry_the_pages_words_for_them(tmp_path: Path) -> None:
    picture = encoded(chart([10, 20, 30]))
    for name in ("alt", "titled", "captioned", "linked", "bare"):
        (tmp_path / f"{name}.png").write_bytes(picture[:-12] + name.encode() + picture[-12:])
    (tmp_path / "index.html").write_text(
        '<img src="alt.png" alt="  Sales by   region ">'
        '<img src="titled.png" title="Quarterly results">'
        "<figure><img src=captioned.png><figcaption>Figure 3: <em>rainfall</em></figcaption></figure>"
        '<a href="linked.png">Download the map</a><img src="bare.png">'
    )
    with logged_site(tmp_path) as (base, _log):
        events, _summary = crawl(f"{base}/index.html", tmp_path / "out", min_width=1, min_height=1)
    titles = {e.url.removeprefix(base): e.title for e in events if e.kind == "image_found"}
    assert titles == {
        "/alt.png": "Sales by region",
        "/titled.png": "Quarterly results",
        "/captioned.png": "Figure 3: rainfall",
        "/linked.png": "Download the map",
        "/bare.png": "",
    }
