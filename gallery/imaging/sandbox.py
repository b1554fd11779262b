"""Every decode of untrusted bytes runs in a child process, bounded in time and memory.

A format-specific guard can only stop what it foresees; a decoder bug (an endless loop, a huge
allocation, a crash) is stopped here whatever the format or library. Each process keeps a small
pool of decode children (`python -m gallery.imaging.decode_child`, started on first use and kept):
for each job the child lowers its own RLIMIT_CPU (CPU seconds) and RLIMIT_AS (address space)
to the job's limits, and the parent waits at most the wall-clock limit, then kills the child.
A file that meets a bound is refused with ImageRejected(code="decode_limit"); a crashed or
killed child is replaced, so the web process and the worker go on.

The child's answers are unpickled with a short list of allowed classes: a child taken over
by a hostile file could otherwise send a pickle that runs code in the parent.
"""

import contextlib
import io
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from gallery.imaging.errors import ImageRejected

# A job's bounds. CPU below wall: a child waiting for a busy machine's cores is not at fault.
CHECK_CPU_S, CHECK_WALL_S, CHECK_MEMORY_MB = 4.0, 8.0, 1024  # the upload request's check
WORK_CPU_S, WORK_WALL_S, WORK_MEMORY_MB = 20.0, 30.0, 2560  # ingest, editor, models, import
POOL_SIZE = int(os.environ.get("DECODE_POOL_SIZE", "2"))  # children per process, at most
RETIRE_GROWTH_MB = 256  # a child that kept more address space than this after a job is replaced
_HEADER = struct.Struct(">Q")
_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True, slots=True)
class Limits:
    cpu_s: float
    wall_s: float
    memory_mb: int


CHECK = Limits(CHECK_CPU_S, CHECK_WALL_S, CHECK_MEMORY_MB)
WORK = Limits(WORK_CPU_S, WORK_WALL_S, WORK_MEMORY_MB)


def too_slow(limits: Limits, *, cpu: bool) -> ImageRejected:
    what = f"{limits.cpu_s:g} s of processor time" if cpu else f"{limits.wall_s:g} s"
    return ImageRejected(
        f"the image could not be decoded within the time limit ({what}): refused",
        code="decode_limit",
    )


def too_much_memory(limits: Limits) -> ImageRejected:
    return ImageRejected(
        f"the image could not be decoded within the memory limit ({limits.memory_mb} MB): refused",
        code="decode_limit",
    )


def decoder_crashed() -> ImageRejected:
    return ImageRejected("the decoder failed on this file (it crashed): refused", code="corrupt")


# Parent side ------------------------------------------------------------------------------------


class _Child:
    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", "gallery.imaging.decode_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **_ENV},
            close_fds=True,
        )
        if self.process.stdin is None or self.process.stdout is None:  # for the type checker
            raise RuntimeError("a decode child without pipes")
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.retiring = False

    def call(self, task: str, kwargs: dict[str, Any], limits: Limits) -> Any:
        payload = pickle.dumps((task, kwargs, limits), protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + limits.wall_s
        try:
            self.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.stdin.flush()
            header = self._read(_HEADER.size, deadline)
            answer = self._read(_HEADER.unpack(header)[0], deadline)
        except TimeoutError:
            self.kill()
            raise too_slow(limits, cpu=False) from None
        except (BrokenPipeError, EOFError):
            if self.kill() == -signal.SIGXCPU:
                raise too_slow(limits, cpu=True) from None
            raise decoder_crashed() from None  # a segfault, an abort, a kill from outside
        result, self.retiring = _SafeUnpickler(io.BytesIO(answer)).load()
        return result

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, got, fd = [], 0, self.stdout.fileno()
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(size - got, 1 << 22))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        return self.process.wait()


class _Pool:
    """At most POOL_SIZE children per process; a caller past that waits for one."""

    def __init__(self) -> None:
        self.idle: list[_Child] = []
        self.running = 0
        self.changed = threading.Condition()
        self.pid = os.getpid()

    def call(self, task: str, kwargs: dict[str, Any], limits: Limits) -> Any:
        child = self._acquire()
        healthy = False
        try:
            result = child.call(task, kwargs, limits)
            healthy = child.alive() and not child.retiring
            return result
        finally:
            self._release(child, healthy=healthy)

    def warm(self) -> None:
        with self.changed:
            self._forked()
            wanted = max(0, POOL_SIZE - self.running - len(self.idle))
            self.running += wanted  # reserved while they start
        started = []
        try:
            for _ in range(wanted):
                started.append(_Child())
        finally:
            with self.changed:
                self.running -= wanted
                self.idle += started
                self.changed.notify_all()

    def _forked(self) -> None:
        if self.pid != os.getpid():  # forked (Celery's pool): the parent's children aren't ours
            self.idle, self.running, self.pid = [], 0, os.getpid()

    def _acquire(self) -> _Child:
        with self.changed:
            self._forked()
            while not self.idle and self.running >= POOL_SIZE:
                self.changed.wait()
            self.running += 1
            if self.idle:
                return self.idle.pop()
        try:
            return _Child()
        except BaseException:
            with self.changed:
                self.running -= 1
                self.changed.notify()
            raise

    def _release(self, child: _Child, *, healthy: bool) -> None:
        if not healthy:
            child.kill()
        with self.changed:
            self.running -= 1
            if healthy:
                self.idle.append(child)
            self.changed.notify()


_POOL = _Pool()


def pool_warm() -> None:
    """Start this process's decode children now, in the background: the first upload or ingest
    then waits for none (a child takes about half a second to start)."""
    threading.Thread(target=_POOL.warm, name="decode-pool-warm", daemon=True).start()


def run_bounded(task: str, *, limits: Limits, **kwargs: Any) -> Any:
    """Run a task (see _tasks) in a decode child within limits and return its result.

    Raises ImageRejected for a refused file or a bound met, ValueError for bad arguments.
    """
    return _unwrap(_POOL.call(task, kwargs, limits))


def _unwrap(answer: tuple[Any, ...]) -> Any:
    kind = answer[0]
    if kind == "ok":
        return answer[1]
    if kind == "rejected":
        raise ImageRejected(str(answer[1]), code=answer[2])
    if kind == "value_error":
        raise ValueError(answer[1])
    raise RuntimeError(f"decode child: {answer[1]}")


def source_payload(file: object, *, max_bytes: int | None = None) -> bytes | str:
    """What a child needs to read the file: its path when it has one on disk, else its bytes
    (a caller's stream is rewound; one that cannot seek is read up to max_bytes + 1)."""
    if isinstance(file, bytes):
        return file
    if isinstance(file, os.PathLike):
        return str(os.fspath(file))
    temporary = getattr(file, "temporary_file_path", None)  # Django's uploads on disk
    if callable(temporary):
        return str(temporary())
    stream = cast(IO[bytes], file)
    try:
        stream.seek(0)
    except (AttributeError, OSError):
        return bytes(stream.read(-1 if max_bytes is None else max_bytes + 1))
    try:
        return bytes(stream.read())
    finally:
        stream.seek(0)


_ALLOWED = {
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("gallery.imaging.inspect", "ImageInfo"),
    ("gallery.imaging.metadata", "ImageMetadata"),
    ("gallery.imaging.renditions", "Rendition"),
    ("gallery.imaging.renditions", "Analysis"),
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"a decode child sent {module}.{name}")
        return super().find_class(module, name)


# Child side -------------------------------------------------------------------------------------


def _tasks() -> dict[str, Callable[..., Any]]:
    import numpy as np

    from gallery.imaging import arrays, inspect, metadata, renditions

    def source(file: bytes | str) -> bytes | os.PathLike[str]:
        return file if isinstance(file, bytes) else Path(file)

    def array(pixels: Any) -> tuple[tuple[int, ...], pickle.PickleBuffer]:
        # a writable buffer travels as a bytearray: the parent's array needs no copy
        contiguous: Any = np.ascontiguousarray(pixels)
        return tuple(pixels.shape), pickle.PickleBuffer(contiguous)

    return {
        "inspect": lambda file, **kw: inspect.inspect_image(file=source(file), **kw),
        "analyse": lambda file, **kw: renditions.analyse_image(file=source(file), **kw),
        "renditions": lambda file, **kw: renditions.make_renditions(file=source(file), **kw),
        "metadata": lambda file, **kw: metadata.read_metadata(file=source(file), **kw),
        "rgb": lambda file, **kw: array(arrays.load_rgb(file=source(file), **kw)),
        "rgba": lambda file, **kw: array(arrays.load_rgba(file=source(file), **kw)),
    }


def _vm_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _answer(
    task: Callable[..., Any], kwargs: dict[str, Any], limits: Limits, base_vm: int
) -> tuple[Any, ...]:
    """Run the task under the job's limits. The address-space limit counts from the child's
    size after start-up: what an earlier job left mapped counts against this one."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(usage.ru_utime + usage.ru_stime + limits.cpu_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
    memory = base_vm + limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
    try:
        return ("ok", task(**kwargs))
    except ImageRejected as error:
        return ("rejected", str(error), error.code)
    except MemoryError:
        return ("rejected", str(too_much_memory(limits)), "decode_limit")
    except ValueError as error:
        return ("value_error", str(error))
    except Exception as error:
        return ("error", f"{type(error).__name__}: {error}")
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)  # the parent is gone: stop even in the middle of a decode


def child_main() -> None:
    import cv2

    cv2.setNumThreads(1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a child killed by its limit dumps no core
    tasks = _tasks()
    inbox, outbox = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    base_vm = _vm_bytes()
    while header := inbox.read(_HEADER.size):
        request = inbox.read(_HEADER.unpack(header)[0])
        name, kwargs, limits = pickle.loads(request)  # noqa: S301 - from our parent
        result = _answer(tasks[name], kwargs, limits, base_vm)
        retiring = _vm_bytes() > base_vm + RETIRE_GROWTH_MB * 2**20
        answer = pickle.dumps((result, retiring), pickle.HIGHEST_PROTOCOL)
        outbox.write(_HEADER.pack(len(answer)) + answer)
        outbox.flush()
