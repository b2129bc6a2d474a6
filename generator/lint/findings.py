"""One lint finding, its order, and its compiler-style text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """A literal in a file (or a path in a tree) that disagrees with the facts.

    ``line`` and ``column`` are 1-based; both are 0 when the finding concerns a path in a repo
    tree rather than text. ``path`` is relative to the folder linted, with ``/``; ``shown`` is
    the path as a person opens it from the working folder.
    """

    shown: str
    line: int
    column: int
    rule: str
    literal: str
    message: str
    suggestion: str | None = None
    fact: str | None = None
    path: str = ""

    def location(self) -> str:
        if not self.line:
            return self.shown
        return f"{self.shown}:{self.line}:{self.column}"

    def text(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"{self.location()}: {self.rule} `{self.literal}` {self.message}{hint}"


def deduplicate(findings: Iterable[Finding], priority: dict[str, int]) -> list[Finding]:
    """Sorted findings, one per place and literal: the most specific rule wins."""
    best: dict[tuple[str, int, int, str], Finding] = {}
    for finding in findings:
        key = (finding.shown, finding.line, finding.column, finding.literal)
        held = best.get(key)
        if held is None or priority.get(finding.rule, 99) < priority.get(held.rule, 99):
            best[key] = finding
    return sorted(best.values())
