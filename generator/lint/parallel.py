"""Split a long list of work between this process and forked copies of it, one per core.

A lint run is CPU-bound Python over many independent files, so a second core nearly halves
it. A raw ``os.fork`` with a pipe back costs a few milliseconds (a process pool, which starts
and feeds workers, costs tens), so a run forks only when it has enough files to repay that.
A worker that dies or returns a broken answer has its chunk redone here, so the answer never
depends on the fork (a worker that hangs is waited for, as this process would have hung too).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 200  # below this, forking costs more than it saves
MAX_WORKERS = 4


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no sched_getaffinity (macOS)
        return os.cpu_count() or 1


def map_chunks(items: Sequence[T], work: Callable[[Sequence[T]], list[R]]) -> list[R]:
    """``work(items)``, computed in contiguous chunks on up to MAX_WORKERS cores, in order.

    ``work`` must return one result per item and depend on nothing but its items and the
    state of this process at the call (a forked copy sees that state, not later changes).
    """
    workers = min(cores(), MAX_WORKERS, len(items) // (MIN_ITEMS // 2) or 1)
    if len(items) < MIN_ITEMS or workers < 2 or not hasattr(os, "fork"):
        return work(items)
    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    forked = [_fork(work, chunk) for chunk in chunks[1:]]
    try:
        results = work(chunks[0])  # this process takes the first chunk meanwhile
    except BaseException:  # an error or Ctrl-C here: leave no worker running or unreaped
        for pid, reader in forked:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.close(reader)
            os.waitpid(pid, 0)
        raise
    for (pid, reader), chunk in zip(forked, chunks[1:], strict=True):
        results += _collect(pid, reader, work, chunk)
    return results


def _fork(work: Callable[[Sequence[T]], list[R]], chunk: Sequence[T]) -> tuple[int, int]:
    """Start a copy of this process computing ``work(chunk)``; its pid and the pipe's end."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return pid, reader
    code = 1
    try:  # the child: never returns, never runs the parent's exit handlers
        os.close(reader)
        with os.fdopen(writer, "wb") as out:
            pickle.dump(work(chunk), out, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _collect(
    pid: int, reader: int, work: Callable[[Sequence[T]], list[R]], chunk: Sequence[T]
) -> list[R]:
    """What the worker computed, or the same computed here if it failed."""
    with os.fdopen(reader, "rb") as source:
        body = source.read()
    _, status = os.waitpid(pid, 0)
    results: list[R] | None = None
    if status == 0:
        try:
            results = pickle.loads(body)
        except Exception:  # a torn or empty pipe: redo the chunk
            results = None
    if results is None or len(results) != len(chunk):
        return work(chunk)
    return results
