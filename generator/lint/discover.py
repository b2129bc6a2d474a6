"""Which Markdown files a folder holds: git's view in a checkout, else a walk with .gitignore."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pathspec

SUFFIXES = (".md", ".markdown")
_SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__"}


def markdown_files(folder: Path) -> list[str]:
    """Paths of the Markdown files under ``folder``, relative to it with ``/``, sorted.

    In a git checkout this is what git tracks plus untracked files it does not ignore;
    elsewhere, every Markdown file that the folder's .gitignore allows, outside the folders of
    ``_SKIP_DIRS``. Hidden folders count as git counts them: ``.claude/skills/*/SKILL.md`` and
    ``.github/copilot-instructions.md`` are linted in a plain folder as in a checkout.
    """
    listed = _git_files(folder)
    if listed is None:
        return sorted(_walked_files(folder))
    # git lists files deleted from the work tree until the deletion is staged.
    return sorted(p for p in listed if p.endswith(SUFFIXES) and (folder / p).is_file())


def _git_files(folder: Path) -> list[str] | None:
    if not _may_be_in_git(folder):
        return None  # spares starting git only to hear that this is no checkout
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=folder,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return sorted({p for p in done.stdout.decode("utf-8", "replace").split("\0") if p})


def _may_be_in_git(folder: Path) -> bool:
    """A .git (folder, or file for worktrees and submodules) here or above, or git told where
    its repository is by the environment."""
    if "GIT_DIR" in os.environ:
        return True
    here = folder.resolve()
    return any((place / ".git").exists() for place in (here, *here.parents))


def _walked_files(folder: Path) -> list[str]:
    ignore_file = folder / ".gitignore"
    spec = (
        pathspec.GitIgnoreSpec.from_lines(ignore_file.read_text("utf-8").splitlines())
        if ignore_file.is_file()
        else None
    )
    found: list[str] = []
    for here, dirs, files in os.walk(folder):
        base = Path(here).relative_to(folder).as_posix()
        prefix = "" if base == "." else base + "/"
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS and not (spec and spec.match_file(prefix + d + "/"))
        )
        found.extend(
            prefix + name
            for name in files
            if name.endswith(SUFFIXES) and not (spec and spec.match_file(prefix + name))
        )
    return found
