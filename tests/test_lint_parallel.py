"""Many files are shared out among forked workers: the findings and the cache are the same."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from generator.lint import parallel
from generator.lint.config import LintConfig
from generator.lint.engine import Target, lint_targets
from generator.lint.knowledge import Knowledge
from generator.lint.results import ResultCache, salt_for
from generator.lint.rules import RULES
from tests.conftest import REPO

ALL = frozenset(RULES)
PAGES = (
    "The home VM is at 192.168.1.81.\n",
    "tinyproxy listens on 8888.\n",
    "docker exec firecrawl-docker-retail-poller-1 node capture.js\n",
    "The Home VM (`192.168.1.48`) runs tinyproxy (port 8889).\n",
    "# A\n\n```sh\ncd ../StakTrakr\nfly deploy\n```\n",
    "`spot-poller.yml` runs hourly as the spot feed.\n",
)

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def corpus(folder: Path, files: int = 40) -> Target:
    for i in range(files):
        (folder / f"page-{i:02d}.md").write_text(PAGES[i % len(PAGES)] * (1 + i % 3), "utf-8")
    return Target(folder)


@needs_fork
def test_forked_workers_find_what_one_process_finds(
    know: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = corpus(tmp_path)
    alone = lint_targets([target], know, ALL, LintConfig())
    monkeypatch.setattr(parallel, "MIN_ITEMS", 4)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    shared = lint_targets([target], know, ALL, LintConfig())
    assert shared == alone
    assert len(alone.findings) > 20


@needs_fork
def test_forked_workers_fill_and_reuse_the_result_cache(
    know: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    target = corpus(tmp_path / "docs")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 4)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    path = tmp_path / "results.json"
    salt = salt_for((REPO / "facts.yaml").read_bytes())
    cold = ResultCache(path, salt)
    fresh = lint_targets([target], know, ALL, LintConfig(), cold)
    cold.save()
    assert (cold.hits, cold.misses) == (0, 40)
    warm = ResultCache(path, salt)
    assert lint_targets([target], know, ALL, LintConfig(), warm) == fresh
    assert (warm.hits, warm.misses) == (40, 0)


def test_a_failed_worker_is_redone_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 4)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    parent = os.getpid()

    def work(items: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("a worker that dies")
        return [i * i for i in items]

    assert parallel.map_chunks(list(range(10)), work) == [i * i for i in range(10)]


def test_few_items_are_not_forked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    pids: set[int] = set()

    def work(items: Sequence[int]) -> list[int]:
        pids.add(os.getpid())
        return list(items)

    assert parallel.map_chunks(list(range(parallel.MIN_ITEMS - 1)), work) == list(
        range(parallel.MIN_ITEMS - 1)
    )
    assert pids == {os.getpid()}


@needs_fork
def test_an_error_in_this_process_leaves_no_worker_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real_fork = parallel._fork

    def recording_fork(work, chunk):  # type: ignore[no-untyped-def]
        pid, reader = real_fork(work, chunk)
        started.append(pid)
        return pid, reader

    monkeypatch.setattr(parallel, "_fork", recording_fork)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    parent = os.getpid()

    def work(part: Sequence[int]) -> list[int]:
        if os.getpid() == parent:
            raise KeyboardInterrupt  # as Ctrl-C in the middle of this process's chunk
        return list(part)

    with pytest.raises(KeyboardInterrupt):
        parallel.map_chunks(list(range(parallel.MIN_ITEMS * 2)), work)
    assert started
    for pid in started:
        with pytest.raises(ChildProcessError):  # already reaped: no zombie, no orphan
            os.waitpid(pid, os.WNOHANG)
