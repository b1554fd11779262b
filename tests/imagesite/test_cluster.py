"""A second worker host: the same code with another configuration, in a network namespace of
its own, works on the main host's database, broker and media; killed mid-batch, it loses no
image and none is stored or ingested twice (bench/cluster.py does the work)."""

import re
import subprocess
import sys

import pytest

from tests.conftest import BASE_DIR

pytestmark = pytest.mark.slow

sys.path.insert(0, str(BASE_DIR / "bench"))
from cluster import netns_permitted  # noqa: E402


def test_a_worker_host_killed_mid_batch_loses_nothing_and_duplicates_nothing() -> None:
    if reason := netns_permitted():
        pytest.skip(f"no network namespaces for a second host: {reason}")
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "cluster.py"), "--images", "30"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(result.stdout)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert re.fullmatch(r"cluster: hosts=2 images=30 ready=30 duplicates=0 lost=0", last), (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    assert "killed host b's" in result.stdout  # the kill really happened mid-batch
