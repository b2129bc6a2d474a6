"""Which Markdown files a folder holds: git's view in a checkout, else a walk with .gitignore."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a walk needs it: check --repo lists checkouts without it
    import pathspec

SUFFIXES = (".md", ".markdown")
_SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__"}


def markdown_files(folder: Path) -> list[str]:
    """Paths of the Markdown files under ``folder``, relative to it with ``/``, sorted.

    In a git checkout this is what git tracks plus untracked files it does not ignore;
    elsewhere, every Markdown file that the .gitignore files of the folder and the folders
    below it allow, outside the folders of ``_SKIP_DIRS``. Hidden folders count as git counts
    them: ``.claude/skills/*/SKILL.md`` and ``.github/copilot-instructions.md`` are linted in a
    plain folder as in a checkout.
    """
    listed = _git_files(folder)
    if listed is None:
        return sorted(_walked_files(folder))
    # git lists files deleted from the work tree until the deletion is staged.
    return sorted(p for p in listed if p.endswith(SUFFIXES) and (folder / p).is_file())


def _git_files(folder: Path) -> list[str] | None:
    if not _may_be_in_git(folder):
        return None  # spares starting git only to hear that this is no checkout
    import subprocess  # only for a checkout: a clean check of plain folders never needs it

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
    # Each folder's .gitignore applies below it, as git reads them (top-down, so a folder's
    # rules are known before its subfolders are entered).
    rules: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def ignored(relative: str) -> bool:
        return any(
            relative.startswith(prefix) and spec.match_file(relative[len(prefix) :])
            for prefix, spec in rules
        )

    found: list[str] = []
    for here, dirs, files in os.walk(folder):
        base = Path(here).relative_to(folder).as_posix()
        prefix = "" if base == "." else base + "/"
        if ".gitignore" in files:
            rules.append((prefix, _gitignore(Path(here) / ".gitignore")))
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not ignored(prefix + d + "/"))
        found.extend(
            prefix + name
            for name in files
            if name.endswith(SUFFIXES) and not ignored(prefix + name)
        )
    return found


def _gitignore(path: Path) -> pathspec.GitIgnoreSpec:
    """A .gitignore's rules; a line git would not understand is skipped, as git skips it."""
    import pathspec

    lines = path.read_text("utf-8", errors="replace").splitlines()
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        kept = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError:
                continue
            kept.append(line)
        return pathspec.GitIgnoreSpec.from_lines(kept)
