"""sync under stress: killed at random points, or racing another writer, it never corrupts."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import run
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
    with FileLock(str(lock)):
        result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 2
    assert f"another render or sync is writing to {siblings['StakTrakrApi']}" in result.err
    assert everything(siblings) == before
    with FileLock(str(project / ".cache" / "generator" / "write.lock")):
        assert run(["sync", *repo_args(siblings)], project).code == 2
    assert everything(siblings) == before
