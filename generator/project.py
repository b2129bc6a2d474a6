"""Where things are: the project root, its facts file and its templates."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from generator.errors import Diagnostic, FactsError, UsageError

MAX_BYTES = 5 * 1024 * 1024  # a facts file is hand-written; anything larger is a mistake


class Project(NamedTuple):
    root: Path
    facts_path: Path

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def read_facts(self) -> bytes:
        """The facts file's bytes, read once per run: what is digested is what is rendered."""
        return read_source(self.facts_path, self.facts_display)

    @property
    def facts_display(self) -> str:
        """The facts path as shown in messages: relative to the working folder when possible."""
        try:
            return self.facts_path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(self.facts_path)


def find_project(start: Path | None = None, facts: Path | None = None) -> Project:
    """The nearest folder at or above ``start`` holding templates/ and facts.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "templates").is_dir() and ((folder / "facts.yaml").is_file() or facts):
            return Project(folder, (facts or folder / "facts.yaml"))
    raise UsageError(
        f"no project found at or above {here}: expected a templates/ folder and facts.yaml"
    )


def read_source(path: Path, shown: str) -> bytes:
    """The bytes of a facts file, refused before reading when too large; FactsError when it
    cannot be read."""
    try:
        check_size(path.stat().st_size, shown)
        return path.read_bytes()
    except OSError as exc:
        raise FactsError(Diagnostic(shown, 0, 0, f"cannot read: {exc.strerror}")) from None


def check_size(size: int, shown: str) -> None:
    if size > MAX_BYTES:
        raise FactsError(
            Diagnostic(
                shown,
                0,
                0,
                f"file is {size / 1e6:.1f} MB, more than the {MAX_BYTES // (1024 * 1024)} MB limit",
                "a facts file is written by hand; check that this is the right file",
            )
        )
