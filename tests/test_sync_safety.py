"""sync under stress: killed at random points, or racing another writer, it never corrupts."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import files
from generator.lock import tree_lock
from tests.conftest import git, run
from tests.test_sync import everything, repo_args, siblings  # noqa: F401 - siblings is a fixture

pytestmark = pytest.mark.slow


def _sync_command(project: Path, args: list[str]) -> list[str]:
    return [sys.executable, "-m", "generator", "sync", "-q", "--root", str(project), *args]


def test_sigkill_during_sync_leaves_every_file_old_or_new(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    args = repo_args(siblings)
    assert run(["sync", *args], project).code == 0
    old = everything(siblings)
    facts = project / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8").replace("5,20,35,50 * * * *", "7,22,37,52 * * * *"), "utf-8"
    )
    assert run(["render"], project).code == 0

    # The expected new versions, from a twin of the checkouts synced without interruption.
    twin = tmp_path / "twin"
    subprocess.run(["cp", "-a", str(siblings["StakTrakr"].parent), str(twin)], check=True)
    twins = {name: twin / path.name for name, path in siblings.items()}
    started = time.monotonic()
    subprocess.run(_sync_command(project, repo_args(twins)), check=True, capture_output=True)
    duration = time.monotonic() - started
    new = everything(twins)
    assert new != old

    rng = random.Random(1128)
    for _ in range(8):
        process = subprocess.Popen(_sync_command(project, args), stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for path, data in everything(siblings).items():
            assert data in (old.get(path), new.get(path)), f"{path} is partial"

    assert run(["sync", *args], project).code == 0
    assert everything(siblings) == new


def test_a_second_sync_is_refused_while_one_holds_the_checkout(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
) -> None:
    before = everything(siblings)
    lock = siblings["StakTrakrApi"] / ".git" / "generator-sync.lock"
    with tree_lock(lock.parent, "sync", lock):
        result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 2
    assert f"another render or sync is writing to {siblings['StakTrakrApi']}" in result.err
    assert everything(siblings) == before
    with tree_lock(project):
        assert run(["sync", *repo_args(siblings)], project).code == 2
    assert everything(siblings) == before


def test_a_write_that_fails_replaces_nothing_and_is_a_clear_error(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = everything(siblings)
    real_stage = files._stage

    def disk_full_for_skills(path: Path, data: bytes) -> Path:
        if path.name == "SKILL.md":  # a fault injected into the real file system
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_stage(path, data)

    monkeypatch.setattr(files, "_stage", disk_full_for_skills)
    result = run(["sync", "--add-missing", *repo_args(siblings)], project)

    assert result.code == 2
    assert "cannot write: No space left on device; nothing was replaced" in result.err
    assert "Traceback" not in result.err
    assert everything(siblings) == before  # CLAUDE.md was staged too, and never replaced


def test_sync_removes_the_temp_files_a_killed_sync_left(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
) -> None:
    leftover = siblings["StakTrakrApi"] / f".CLAUDE.md.x1y2z3{files.TEMP_SUFFIX}"
    leftover.write_text("half a file", "utf-8")
    assert run(["sync", *repo_args(siblings)], project).code == 0
    assert not leftover.exists()


def test_a_reader_that_goes_away_does_not_stop_the_writes(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
) -> None:
    command = " ".join(
        [sys.executable, "-m", "generator", "sync", "--root", str(project), *repo_args(siblings)]
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{command} | (exec 0<&-; sleep 3)"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 141  # the closed pipe shows in the status...
    assert run(["check", *repo_args(siblings)], project).code == 0  # ...after every write


def test_a_worktree_checkout_is_locked_in_its_own_git_folder(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    source = siblings["StakTrakrApi"]  # committed: a worktree can check it out
    worktree = tmp_path / "worktree"
    git(source, "worktree", "add", "-q", str(worktree))
    assert (worktree / ".git").is_file()
    lock = source / ".git" / "worktrees" / "worktree" / "generator-sync.lock"
    with tree_lock(lock.parent, "sync", lock):
        result = run(["sync", "--repo", f"StakTrakrApi={worktree}"], project)
    assert result.code == 2
    assert f"another render or sync is writing to {worktree}" in result.err
