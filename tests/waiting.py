"""The one way tests wait for work done by other processes (workers, servers)."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def wait_until(condition: Callable[[], T], *, timeout: float, interval: float = 0.25) -> T:
    """Call `condition` until it returns something true and return that; the last false value
    when `timeout` seconds pass (the caller's assert then says what was wrong)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(interval)
    return value


def reloaded(instance: M) -> M:
    instance.refresh_from_db()
    return instance


def page_wait(page: Any, expression: str, timeout: float = 30) -> bool:
    """Poll a JavaScript expression until it is true. Not Playwright's wait_for_function: that
    evaluates its string with eval, which the site's Content-Security-Policy forbids, and the
    tests keep the policy on to catch a script it would block."""
    return bool(wait_until(lambda: page.evaluate(expression), timeout=timeout, interval=0.2))
