"""One writer at a time per tree: a lock file, with a clear message for the second run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from generator.errors import LockedError

WAIT_SECONDS = 0.0  # never queue silently behind another run: say so and stop


@contextmanager
def tree_lock(root: Path, what: str = "render") -> Iterator[None]:
    """Hold the tree's lock while writing into it; LockedError when another run holds it."""
    folder = root / ".cache" / "generator"
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / "write.lock"), timeout=WAIT_SECONDS)
    try:
        with lock:
            yield
    except Timeout:
        raise LockedError(
            f"another render or sync is writing to {root} (lock {folder / 'write.lock'});"
            f" wait for it to finish, then run {what} again"
        ) from None
