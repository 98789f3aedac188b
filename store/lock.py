"""An exclusive lock on a store directory, held for as long as the store is open.

The embedded engine lives in one process; a second process that opened the same files
would corrupt them. The lock is an advisory `flock` on a file in the directory, so the
operating system releases it when the holder exits, even when it is killed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.errors import BackendError, StoreLockedError

LOCK_FILE = "store.lock"


class DirectoryLock:
    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> DirectoryLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:  # e.g. the path names a file
            raise BackendError(
                f"cannot open the embedded store at {self.path.parent}: {error.strerror or error}; "
                "its path must be a folder this process can write, or a place where one can be made"
            ) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLockedError(
                f"the embedded store at {self.path.parent} is already open (process {holder}); only one "
                "process may open it: go through the service API, read a snapshot, or use a Qdrant server"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


@contextmanager
def holding_store_lock(directory: Path) -> Iterator[None]:
    """Hold the lock of the embedded store in ``directory`` (which must exist) without opening it,
    e.g. while the folder is checked or removed; StoreLockedError when a process has it open."""
    lock = DirectoryLock(directory).acquire()
    try:
        yield
    finally:
        lock.release()
