"""A render killed at any moment leaves each file old or new, never partial; a rerun repairs."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.files import TEMP_SUFFIX, THREADS_FROM
from generator.render import PARALLEL_FROM
from tests.conftest import run

pytestmark = pytest.mark.slow


def _outputs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "docs").rglob("*"))
        if p.is_file() and p.suffix == ".md"
    }


def _render_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "render", "-q", "--root", str(root)]


@pytest.mark.parametrize("copies", [0, 6], ids=["a few files", "enough for threads and workers"])
def test_sigkill_at_random_points_never_leaves_a_partial_file(project: Path, copies: int) -> None:
    pages = project / "templates" / "docs"
    for i in range(copies):  # more pages: the staging threads and the render workers get killed
        ignore = shutil.ignore_patterns("copy*", "reference", "facts-index*")
        shutil.copytree(pages, pages / f"copy{i}", ignore=ignore)
    assert run(["render"], project).code == 0
    old = _outputs(project)
    facts = project / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8").replace("ip: 192.168.1.48", "ip: 192.168.1.77"), "utf-8"
    )
    # The new versions, rendered in a twin tree so the kills below interrupt a real render.
    twin = project.parent / "twin"
    subprocess.run(["cp", "-a", str(project), str(twin)], check=True)
    # Timed, so the kills below spread over a whole render that writes, start-up included.
    started = time.monotonic()
    subprocess.run(_render_command(twin), check=True, capture_output=True)
    duration = time.monotonic() - started
    new = _outputs(twin)
    changed = [path for path in new if new[path] != old.get(path)]
    if copies:
        assert len(changed) >= THREADS_FROM and len(new) >= PARALLEL_FROM
    else:
        assert changed

    rng = random.Random(20261128)
    for _ in range(12):
        process = subprocess.Popen(_render_command(project), stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.2))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for path, data in _outputs(project).items():
            assert data in (old.get(path), new.get(path)), f"{path} is partial"

    repaired = subprocess.run(_render_command(project), capture_output=True, text=True)
    assert repaired.returncode == 0, repaired.stderr
    assert _outputs(project) == new
    assert not list(project.rglob(f"*{TEMP_SUFFIX}"))
    assert run(["check"], project).code == 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_render_workers_die_with_a_killed_render(project: Path) -> None:
    pages = project / "templates" / "docs"
    for i in range(6):  # enough pages for worker processes
        shutil.copytree(pages, pages / f"copy{i}", ignore=shutil.ignore_patterns("copy*"))
    process = subprocess.Popen(_render_command(project), stdout=subprocess.DEVNULL)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and process.poll() is None:
        workers = [int(pid) for pid in children.read_text().split()]
        time.sleep(0.01)
    assert workers, "the render never started its workers"
    os.kill(process.pid, signal.SIGKILL)  # as a CI timeout or the OOM killer does
    process.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers)), "workers outlived the render"
