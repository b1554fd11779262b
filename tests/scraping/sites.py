"""Local HTTP servers for the web-import tests that need more than static files: a log of
every request (path and headers), redirects, ETags and slow routes."""

import contextlib
import functools
import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

Route = Callable[[SimpleHTTPRequestHandler], None]


@dataclass
class RequestLog:
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def count(self, path: str) -> int:
        return sum(1 for seen, _headers in self.requests if seen == path)

    def headers(self, path: str) -> list[dict[str, str]]:
        return [headers for seen, headers in self.requests if seen == path]


@contextlib.contextmanager
def logged_site(
    root: Path, routes: dict[str, Route] | None = None
) -> Iterator[tuple[str, RequestLog]]:
    """Serve root (plus routes) on a free local port; every request is logged."""
    log = RequestLog()
    lock = threading.Lock()
    table = routes or {}

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            with lock:
                log.requests.append((path, dict(self.headers.items())))
            route = table.get(path)
            with contextlib.suppress(OSError):
                route(self) if route else super().do_GET()

        def log_message(self, format, *args):  # noqa: A002, ANN001, ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: SimpleHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def with_etag(data: bytes, content_type: str = "image/png") -> Route:
    """An image with a strong ETag and no Last-Modified; If-None-Match -> 304."""
    etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'

    def route(handler: SimpleHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("ETag", etag)
        handler.end_headers()
        handler.wfile.write(data)

    return route


def slow_image(data: bytes, seconds: float) -> Route:
    def route(handler: SimpleHTTPRequestHandler) -> None:
        time.sleep(seconds)
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return route


def chart(heights: list[int], size: tuple[int, int] = (800, 500)) -> Image.Image:
    """A bar chart on a white page: charts that differ in one bar have close pHashes."""
    width, height = size
    picture = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(picture)
    draw.line([(60, 20), (60, height - 40), (width - 20, height - 40)], fill="black", width=3)
    step = (width - 100) // len(heights)
    for index, value in enumerate(heights):
        left = 70 + index * step
        draw.rectangle(
            [left, height - 40 - value, left + step - 20, height - 40], fill=(40, 90, 200)
        )
    return picture


def encoded(picture: Image.Image, image_format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, image_format, **options)
    return buffer.getvalue()
