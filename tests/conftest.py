"""Shared fixtures: a throwaway copy of this project, and a way to run the CLI in-process."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from generator.facts import load_facts
from generator.lint.knowledge import Knowledge, build_knowledge

REPO = Path(__file__).resolve().parent.parent
# Pinned identity, dates and config for the real git repos the tests make.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
PROJECT_FILES = (
    "facts.yaml",
    "templates",
    "docs",
    "mkdocs.yml",
    "repos",
    "overrides",
    "vendor",
    ".drift.yaml",
)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(args: list[str], cwd: Path) -> Result:
    """Run ``python -m generator ARGS`` in-process from ``cwd``; capture its output."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(previous)
    return Result(code, out.getvalue(), err.getvalue())


def copy_project(root: Path) -> Path:
    """A copy of this project's facts, templates, outputs and site config at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            # Skip the temporary files of a render running in the working tree at the same time.
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(".*.tmp", ".*-tmp"))
        elif source.is_file():
            shutil.copy2(source, root / name)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A copy of this project's facts, templates and outputs in a temporary folder."""
    yield copy_project(tmp_path / "project")


def mkdocs_build(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the project at ``root`` into ``out``, a real build."""
    config = str(root / "mkdocs.yml")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)],
        capture_output=True,
        text=True,
        # Material's end-of-life notice stays out of the logs.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove that nothing was written.

    The generator's own cache folder (.cache/, git-ignored, safe to delete) is left out.
    """
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".cache" not in p.relative_to(root).parts
    }


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with the pinned identity and dates; its standard output."""
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@pytest.fixture(scope="session")
def know() -> Knowledge:
    """What the linter knows from this project's facts.yaml (built once: it only reads)."""
    return build_knowledge(load_facts(REPO / "facts.yaml").facts)
