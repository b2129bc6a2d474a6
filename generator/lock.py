"""One writer at a time per tree: a lock file, with a clear message for the second run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from generator.cache import cache_dir
from generator.errors import LockedError

WAIT_SECONDS = 0.0  # never queue silently behind another run: say so and stop


@contextmanager
def tree_lock(root: Path, what: str = "render", lock_file: Path | None = None) -> Iterator[None]:
    """Hold the tree's lock while writing into it; LockedError when another run holds it.

    The lock lives in the project's git-ignored cache, or at ``lock_file`` (sync puts a
    checkout's lock inside its .git folder, where it never shows in the worktree).
    """
    if lock_file is None:
        lock_file = cache_dir(root) / "write.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file), timeout=WAIT_SECONDS)
    try:
        with lock:
            yield
    except Timeout:
        raise LockedError(
            f"another render or sync is writing to {root} (lock {lock_file});"
            f" wait for it to finish, then run {what} again"
        ) from None
