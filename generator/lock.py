"""One writer at a time per tree: a lock file, with a clear message for the second run."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.cache import cache_dir
from generator.errors import LockedError


@contextmanager
def tree_lock(root: Path, what: str = "render", lock_file: Path | None = None) -> Iterator[None]:
    """Hold the tree's lock while writing into it; LockedError when another run holds it.

    The lock lives in the project's git-ignored cache, or at ``lock_file`` (sync puts a
    checkout's lock inside its .git folder, where it never shows in the worktree). It is an
    flock(2) lock, never waited for: a second run says so and stops instead of queueing
    silently. The kernel drops it when the holder exits, however it ends, so no stale lock
    outlives a killed run. (The filelock package does the same on POSIX, but importing it
    costs a third of a render that finds nothing to do.)
    """
    if lock_file is None:
        lock_file = cache_dir(root) / "write.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another render or sync is writing to {root} (lock {lock_file});"
                f" wait for it to finish, then run {what} again"
            ) from None
        yield
    finally:
        os.close(handle)  # releases the lock
