"""The web server the launcher runs in development: Django's own threaded server (the one
runserver uses, static files included when DEBUG is on) with an orderly stop.

On SIGTERM or SIGINT it closes its listening socket, so that no new request is accepted, and
waits up to DRAIN_S seconds for the requests in flight to finish before it exits.

    python -m imagesite.webserver 127.0.0.1:8000
"""

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

DRAIN_S = 5.0
DISCARD_PIECE = 1 << 20  # an unread request body is discarded a piece at a time, never held
DISCARD_MAX = 8 << 20  # past this the connection is closed instead (a 413 for 500 MB)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class InFlight:
    """A WSGI wrapper that counts the requests being answered, until their response is closed."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def _add(self, delta: int) -> None:
        with self.changed:
            self.count += delta
            self.changed.notify_all()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self._add(1)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._add(-1)
            raise
        return _Closing(result, lambda: self._add(-1))

    def drain(self, *, timeout: float) -> int:
        """Wait until nothing is in flight or the time is up; returns how many still are."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.count and (left := deadline - time.monotonic()) > 0:
                self.changed.wait(left)
            return self.count


class _Closing:
    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self.result = result
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            if close := getattr(self.result, "close", None):
                close()
        finally:
            self.done()


def _request_handler() -> type:
    """Django's request handler, except for the body a response left unread (a 413 before
    reading a 500 MB upload): Django's reads it all into memory; this one discards up to
    DISCARD_MAX piece by piece, and past that closes the connection."""
    from django.core.servers import basehttp

    class ServerHandler(basehttp.ServerHandler):
        def close(self) -> None:
            stdin, discarded = self.get_stdin(), 0
            while discarded < DISCARD_MAX and (piece := stdin.read(DISCARD_PIECE)):
                discarded += len(piece)
            if discarded >= DISCARD_MAX:
                self.request_handler.close_connection = True  # type: ignore[attr-defined]
            super(basehttp.ServerHandler, self).close()

    class RequestHandler(basehttp.WSGIRequestHandler):
        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline, self.request_version, self.command = "", "", ""
                self.send_error(414)
                return
            if not self.parse_request():
                return
            server = ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ())
            server.request_handler = self  # type: ignore[attr-defined]
            server.run(self.server.get_app())  # type: ignore[attr-defined]

    return RequestHandler


def main(argv: list[str]) -> int:
    host, _, port = (argv[0] if argv else "127.0.0.1:8000").rpartition(":")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
    import django
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, get_internal_wsgi_application

    django.setup()
    handler = get_internal_wsgi_application()
    tracked = InFlight(StaticFilesHandler(handler) if settings.DEBUG else handler)
    httpd = ThreadedWSGIServer((host or "127.0.0.1", int(port)), _request_handler())
    httpd.set_app(tracked)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return: call it from another thread
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Serving on http://{host}:{port}/", file=sys.stderr, flush=True)
    httpd.serve_forever(poll_interval=0.2)
    httpd.server_close()  # no new connections from here on
    left = tracked.drain(timeout=DRAIN_S)
    print(f"Stopped; {left} request(s) still in flight after the drain", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
