"""The ``--repo NAME=PATH`` options of sync, check, plan and lint, read and checked.

Kept apart from targets.py, which loads the facts machinery: a clean `check --repo` validates
its options before it proves the tree fresh from its cache, and must not pay for that import.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.errors import UsageError


def split_repo_option(option: str) -> tuple[str, str]:
    """The NAME and PATH of a ``--repo NAME=PATH`` option (sync, check, plan and lint)."""
    name, sep, path = option.partition("=")
    if not sep or not name or not path:
        raise UsageError(
            f"--repo {option!r}: write --repo NAME=PATH, the repo's name or facts key and the"
            " folder of its checkout"
        )
    return name, path


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be a checkout (absent, or not a folder), or None if it can."""
    if folder.is_dir():
        return None
    return f"not a folder ({folder})" if folder.exists() else f"no such folder ({folder})"


def check_repo_options(options: Sequence[str]) -> None:
    """Every ``--repo NAME=PATH`` option well formed and naming a folder (relative paths from
    the working folder), checked before a command does any work; the error names the option."""
    for option in options:
        name, path = split_repo_option(option)
        problem = folder_problem((Path.cwd() / path).resolve())
        if problem:
            raise UsageError(f"--repo {name}={path}: {problem}")
