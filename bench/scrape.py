"""Benchmark of the web import crawler on site-a, the real static site of the shared corpus.

    .venv/bin/python bench/scrape.py [--quick]

Serves <SHARED_DIR>/corpus/site-a on 127.0.0.1 (a free port, allowlisted for this run only),
crawls it with scraping.crawl.crawl_run (scope "site", no minimum size) into a temporary
folder, and reports pages and images per second and where the time went: downloading (wall
time with a transfer in flight, and summed per transfer), checking (sha256 + Pillow), writing
files, and the rest (child process start-up, scrapy, parsing). Without --quick it crawls three
times with no politeness delay and reports the fastest, then once with the default politeness
settings (per-domain concurrency and delay), which is what a real import costs.

"expected" counts distinct contents: site-a references 98 image files, two of which are the
same bytes (fulls/01.jpg and thumbs/01.jpg), and a run keeps one of each content.

The last line is: scrape: imported=<n> expected=<n> pages_per_s=<x> images_per_s=<x> ...
"""

import argparse
import contextlib
import functools
import hashlib
import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from scraping.config import CrawlConfig, CrawlSummary  # noqa: E402
from scraping.crawl import crawl_run  # noqa: E402

SHARED_DIR = Path(os.environ.get("SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SITE = SHARED_DIR / "corpus" / "site-a"
TIMEOUT_S = 50.0


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def site_serve(*, root: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def expected_counts(*, root: Path) -> tuple[int, int]:
    """(distinct referenced files, distinct contents among them) from EXPECTED.json."""
    files = json.loads((root / "EXPECTED.json").read_text())["local_files"]
    contents = {hashlib.sha256((root / name).read_bytes()).hexdigest() for name in files}
    return len(files), len(contents)


def crawl_once(*, base: str, polite: bool) -> CrawlSummary:
    config = CrawlConfig(
        start_url=f"{base}/index.html",
        scope="site",
        max_depth=3,
        min_width=0,
        min_height=0,
        allow=("127.0.0.1",),
    )
    if not polite:
        config = replace(config, delay_s=0.0, concurrency_per_domain=8)
    with tempfile.TemporaryDirectory(prefix="bench-scrape-") as out_dir:
        summary = crawl_run(config=config, out_dir=Path(out_dir), timeout_s=TIMEOUT_S)
        # Hook for the gallery import: time importing summary.saved here, before the
        # temporary folder goes away, and report its count as "imported".
        return summary


def imported_count(*, summary: CrawlSummary) -> int:
    """Images the run handed over; becomes the gallery import's count once that is timed."""
    return summary.images_saved


def summary_print(*, label: str, summary: CrawlSummary) -> None:
    other = summary.elapsed_s - summary.download_wall_s - summary.check_s - summary.write_s
    print(
        f"{label}: {summary.pages_visited} page(s), {summary.images_found} found, "
        f"{summary.images_saved} saved, skipped {summary.skipped_by_reason or {}}, "
        f"{summary.bytes_total / 1e6:.1f} MB in {summary.elapsed_s:.2f} s "
        f"({summary.close_reason}{', errors: ' + str(summary.errors) if summary.errors else ''})"
    )
    print(
        f"  time: downloading {summary.download_wall_s:.2f} s wall "
        f"({summary.download_s:.2f} s summed over transfers), "
        f"checking {summary.check_s:.3f} s, writing {summary.write_s:.3f} s, "
        f"other (start-up, politeness delay, parsing) {other:.2f} s"
    )
    pages_per_s, images_per_s = rates(summary=summary)
    megabytes_per_s = summary.bytes_total / 1e6 / summary.elapsed_s
    print(
        f"  rate: {pages_per_s:.2f} pages/s, {images_per_s:.1f} images/s, {megabytes_per_s:.1f} MB/s"
    )


def rates(*, summary: CrawlSummary) -> tuple[float, float]:
    return summary.pages_visited / summary.elapsed_s, summary.images_saved / summary.elapsed_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one crawl only (< 60 s)")
    args = parser.parse_args()
    if not (SITE / "EXPECTED.json").is_file():
        print(f"site-a not found at {SITE} (set SHARED_DIR)", file=sys.stderr)
        return 2
    files, contents = expected_counts(root=SITE)
    print(f"site-a: {files} referenced image files, {contents} distinct contents")
    with site_serve(root=SITE) as base:
        runs = []
        for number in range(1 if args.quick else 3):
            runs.append(crawl_once(base=base, polite=False))
            summary_print(label=f"run {number + 1} (no delay)", summary=runs[-1])
        best = min(runs, key=lambda summary: summary.elapsed_s)
        if not args.quick:
            polite = crawl_once(base=base, polite=True)
            summary_print(label="polite run (default delay and concurrency)", summary=polite)
    pages_per_s, images_per_s = rates(summary=best)
    print(
        f"scrape: imported={imported_count(summary=best)} expected={contents} "
        f"pages_per_s={pages_per_s:.2f} images_per_s={images_per_s:.1f} "
        f"found={best.images_found} expected_files={files} seconds={best.elapsed_s:.2f} "
        f"download_s={best.download_wall_s:.2f} check_s={best.check_s:.3f} "
        f"write_s={best.write_s:.3f}"
    )
    return 0 if imported_count(summary=best) == contents and not best.errors else 1


if __name__ == "__main__":
    sys.exit(main())
