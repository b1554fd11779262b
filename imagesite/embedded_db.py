"""The embedded database: a SecantusDB server (MongoDB wire protocol) run as a child process."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pymongo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_db_start(
    *,
    port: int,
    storage: Path | str,
    log_path: Path | None = None,
    durable: bool | None = None,
    host: str = "127.0.0.1",
) -> subprocess.Popen[bytes]:
    """Start SecantusDB on host:port; storage ':memory:' is ephemeral, a folder persists. Any
    host but 127.0.0.1 lets other machines in: only on a private network (it has no passwords).

    A persistent server is durable unless told otherwise: --sync-on-commit fsyncs the journal
    before a write is acknowledged, so an acknowledged write survives a SIGKILL of the server
    (without it three trials lost 6, 10 and 0 inserts; bench/faults.py measures the cost).

    It runs --standalone: the app uses no change streams or transactions, so it needs no oplog,
    and SecantusDB 0.7's oplog pruning stalled bulk inserts for over 30 s once about 7,000
    images were in (bench/library_build.py). The WiredTiger cache is sized as mongod sizes its
    own (half of the memory less 1 GB, at least 256 MB): with the default 1 GB, inserts fell
    from 240 to about 120 images a second past 13,000 images.
    """
    ephemeral = str(storage) == ":memory:"
    if not ephemeral:
        Path(storage).mkdir(parents=True, exist_ok=True)
    if durable is None:
        durable = not ephemeral
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "secantus",
        "--host",
        host,
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
        "--standalone",
        *([] if ephemeral else ["--cache-size", f"{cache_megabytes()}M"]),
        *(["--sync-on-commit"] if durable else []),
    ]
    return subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)


def cache_megabytes() -> int:
    """mongod's default WiredTiger cache: 50% of (memory - 1 GB), at least 256 MB."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(256, (memory - 1024) // 2)


def embedded_db_wait(
    *, uri: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0
) -> None:
    """Block until the server answers a ping; fail early if its process died."""
    deadline = time.monotonic() + timeout
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=500
    )
    try:
        while True:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the embedded database exited with code {process.returncode}")
            try:
                client.admin.command("ping")
                return
            except pymongo.errors.PyMongoError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the database at {uri} did not answer in {timeout:.0f} s"
                    ) from None
                time.sleep(0.2)
    finally:
        client.close()


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    if host in ("0.0.0.0", "::"):  # noqa: S104 - every address: ask on the loopback
        host = "127.0.0.1"
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def embedded_db_record(*, path: Path, port: int) -> None:
    """Note the port of the running server (and the launcher's pid) for manage.py to find."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"port": port, "pid": os.getpid()}), encoding="utf-8")


def embedded_db_recorded_port(*, path: Path) -> int | None:
    """The port a running launcher recorded; None without a record or when its launcher is gone
    (a record left by a killed launcher must not send manage.py to a dead port)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        port, pid = int(record["port"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return port


def embedded_db_forget(*, path: Path) -> None:
    """Remove the record if this process wrote it."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass
