"""Where things are: the project root, its facts file and its templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import Diagnostic, FactsError, UsageError


@dataclass(frozen=True)
class Project:
    root: Path
    facts_path: Path

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def read_facts(self) -> bytes:
        """The facts file's bytes, read once per run: what is digested is what is rendered."""
        try:
            return self.facts_path.read_bytes()
        except OSError as exc:
            raise FactsError(
                Diagnostic(self.facts_display, 0, 0, f"cannot read: {exc.strerror}")
            ) from None

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
