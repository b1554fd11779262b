"""The server side of a folder, with no Django models: confinement under LIBRARY_ROOTS, the walk
in a stable order that can start after any path, and opening a file without leaving the folder.

A folder is read, never written: files are opened read-only, and nothing is created in it.
Symbolic links: a link to a file inside the folder is read through; one that leads out of the
folder (or to a folder: those are never followed, which also rules out loops) is refused.
"""

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

Key = tuple[str, ...]  # a file's path parts relative to the folder: the walk's order


class FolderRefused(ValueError):
    """The path cannot be a library folder; the message says why, for staff."""


def within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def folder_resolve(*, path: str, roots: list[str]) -> str:
    """The real path of a folder under one of the roots (each resolved too), or FolderRefused."""
    if not roots:
        raise FolderRefused("No library roots are configured (LIBRARY_ROOTS).")
    if not os.path.isabs(path) or "\x00" in path:
        raise FolderRefused("Give an absolute path.")
    real = os.path.realpath(path)
    if not any(within(real, os.path.realpath(root)) for root in roots):
        raise FolderRefused(f"{path} is not under a library root ({', '.join(roots)}).")
    if not os.path.isdir(real):
        raise FolderRefused(f"{path} is not a folder on the server.")
    return real


@dataclass(frozen=True, slots=True)
class Entry:
    key: Key
    kind: str  # "file", "link" (a symbolic link: checked when opened) or "other" (fifo, socket...)
    size: int
    mtime_ns: int

    @property
    def relpath(self) -> str:
        return "/".join(self.key)


def walk(folder: str, *, after: Key = ()) -> Iterator[Entry]:
    """Every entry below the folder but directories, in the order of their path parts, starting
    after `after`: directories whose whole subtree sorts before it are not even listed, so a
    resumed scan does not walk again what it has done."""
    yield from _walk(folder, (), after)


def _walk(path: str, prefix: Key, after: Key) -> Iterator[Entry]:
    try:
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # unreadable or gone meanwhile: its files are simply not seen
    for entry in entries:
        key = (*prefix, entry.name)
        if key < after[: len(key)]:
            continue  # this entry, and everything below it, sorts before the cursor
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(entry.path, key, after)
        elif key > after:
            kind = (
                "file"
                if stat.S_ISREG(info.st_mode)
                else "link"
                if stat.S_ISLNK(info.st_mode)
                else "other"
            )
            yield Entry(key=key, kind=kind, size=info.st_size, mtime_ns=info.st_mtime_ns)


def count_files(folder: str) -> int:
    """The entries the walk will see (the scan's total for its progress)."""
    return sum(1 for _ in walk(folder))


class NotAFile(OSError):
    """Refused when opened: the reason is a short code for the scan's counters."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def file_open(*, folder: str, entry: Entry) -> IO[bytes]:
    """Open an entry read-only, refusing what is not a regular file inside the folder. The
    check is made on the file actually opened (its /proc/self/fd link), so a path swapped for
    a link between the walk and the open is caught too."""
    path = os.path.join(folder, *entry.key)
    if entry.kind == "link":
        target = os.path.realpath(path)
        if not within(target, folder):
            raise NotAFile("symlink_outside")
        if os.path.isdir(target):
            raise NotAFile("symlink_folder")
        path = target
    elif entry.kind != "file":
        raise NotAFile("special_file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile("special_file")
        if not within(_opened_path(fd, path), folder):
            raise NotAFile("symlink_outside")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _opened_path(fd: int, path: str) -> str:
    proc = Path(f"/proc/self/fd/{fd}")
    try:
        return os.readlink(proc)
    except OSError:  # no /proc (not Linux): the path as resolved now
        return os.path.realpath(path)
