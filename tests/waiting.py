"""The one way tests wait for work done by other processes (workers, servers)."""

import time
from collections.abc import Callable
from typing import TypeVar

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
