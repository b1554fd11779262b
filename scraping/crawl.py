"""Run one import crawl in a child process and collect its events into a summary."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import IO

from scraping.config import CrawlConfig, CrawlEvent, CrawlSummary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KILL_GRACE_S = 5.0  # for a child that closed its stdout to exit
STDERR_TAIL_BYTES = 2000
STOP_POLL_S = 1.0  # how often should_stop is asked while the child is quiet


def crawl_run(
    *,
    config: CrawlConfig,
    out_dir: Path,
    on_event: Callable[[CrawlEvent], None] | None = None,
    timeout_s: float,
    should_stop: Callable[[], bool] | None = None,
) -> CrawlSummary:
    """Crawl ``config.start_url`` with scrapy in a child process, saving images to out_dir.

    Events are passed to ``on_event`` as they arrive. The child closes itself a little before
    ``timeout_s`` and is killed at ``timeout_s``; either way the summary says ``timed_out``
    and holds what was done until then. ``should_stop`` is asked about once a second; when it
    answers True the child is killed and the summary says ``cancelled``. Never raises for what happens during the crawl
    (refused URLs, network errors, a crashed child): those are in ``summary.errors``.
    """
    started = monotonic()
    summary = CrawlSummary()
    payload = {
        "config": config.to_json(),
        "out_dir": str(out_dir),
        # The child closes itself then, and exits a second later whatever is in flight.
        "soft_timeout_s": max(0.5, timeout_s * 0.9 - 2.0),
    }
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(  # noqa: S603 - our own module, argv not through a shell
            [sys.executable, "-m", "scraping.crawler", json.dumps(payload)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=_child_env(),
            text=True,
            encoding="utf-8",
        )
        assert child.stdout is not None  # noqa: S101 - guaranteed by stdout=PIPE
        lines = _lines_in_background(stream=child.stdout)
        finished = _events_collect(
            lines=lines,
            summary=summary,
            on_event=on_event,
            deadline=started + timeout_s,
            should_stop=should_stop,
        )
        if summary.cancelled:
            _child_kill(child=child)
        elif not finished:
            summary.timed_out = True
            summary.errors.append(f"crawl killed after {timeout_s:g} s")
            _child_kill(child=child)
        returncode = _child_wait(child=child)
        if returncode and finished and not summary.cancelled:
            summary.errors.append(f"crawler exited with {returncode}: {_tail(stderr)}")
    summary.elapsed_s = monotonic() - started
    return summary


def summary_add(*, summary: CrawlSummary, event: CrawlEvent) -> None:
    """Count one event into the summary."""
    if event.kind == "page":
        summary.pages_visited += 1
    elif event.kind == "image_found":
        summary.images_found += 1
    elif event.kind == "image_saved":
        summary.images_saved += 1
        summary.bytes_saved += event.size_bytes
        summary.saved.append(event)
    elif event.kind == "image_skipped":
        summary.skipped_by_reason[event.reason] = summary.skipped_by_reason.get(event.reason, 0) + 1
    elif event.kind == "error":
        summary.errors.append(f"{event.url}: {event.reason}: {event.detail}")
    elif event.kind == "done":
        summary.close_reason = event.reason
        summary.timed_out = event.reason == "closespider_timeout"
        summary.bytes_total = int(event.stats.get("bytes_total", 0))
        summary.download_s = event.stats.get("download_s", 0.0)
        summary.download_wall_s = event.stats.get("download_wall_s", 0.0)
        summary.check_s = event.stats.get("check_s", 0.0)
        summary.write_s = event.stats.get("write_s", 0.0)


def _events_collect(
    *,
    lines: queue.Queue[str | None],
    summary: CrawlSummary,
    on_event: Callable[[CrawlEvent], None] | None,
    deadline: float,
    should_stop: Callable[[], bool] | None = None,
) -> bool:
    """Read events until the child's stdout closes (True), the deadline passes (False) or
    should_stop says so (False, summary.cancelled)."""
    while True:
        if should_stop is not None and should_stop():
            summary.cancelled = True
            return False
        left = deadline - monotonic()
        try:
            line = lines.get(timeout=max(0.0, min(left, STOP_POLL_S)))
        except queue.Empty:
            if left <= STOP_POLL_S:
                return False
            continue
        if line is None:
            return True
        try:
            event = CrawlEvent.from_line(line)
        except (ValueError, TypeError):
            continue  # not an event: stray output that escaped the redirection
        summary_add(summary=summary, event=event)
        if on_event is not None:
            on_event(event)


def _lines_in_background(*, stream: IO[str]) -> queue.Queue[str | None]:
    """Lines of the stream on a queue, then None at its end; a thread keeps reads off the
    caller so the deadline holds even when the child goes silent."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            if line.strip():
                lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="crawl-events", daemon=True).start()
    return lines


def _child_kill(*, child: subprocess.Popen[str]) -> None:
    """SIGKILL at once: the child had its own soft deadline to close cleanly."""
    child.kill()


def _child_wait(*, child: subprocess.Popen[str]) -> int:
    """The exit code; a child that lingers after closing its stdout is killed."""
    try:
        return child.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.pop("SCRAPY_SETTINGS_MODULE", None)  # the child takes all settings from its argument
    return env


def _tail(stderr: IO[bytes]) -> str:
    stderr.seek(0, os.SEEK_END)
    stderr.seek(max(0, stderr.tell() - STDERR_TAIL_BYTES))
    return stderr.read().decode("utf-8", "replace").strip()
