"""Lint files and repo trees: one scan per file, each literal handed to the rules that want it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.lint.config import LintConfig
from generator.lint.context import Context
from generator.lint.discover import markdown_files
from generator.lint.findings import Finding, deduplicate
from generator.lint.knowledge import Knowledge
from generator.lint.rules import HANDLERS, PRIORITY
from generator.lint.rules.invariants import check_tree
from generator.lint.scanner import Document


@dataclass(frozen=True)
class Target:
    """A file or folder to lint; ``repo`` is the facts key of the checkout, if given."""

    path: Path
    repo: str | None = None


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    files: int


def lint_text(
    text: str,
    know: Knowledge,
    enabled: frozenset[str],
    *,
    path: str = "-",
    shown: str | None = None,
    repo: str | None = None,
) -> list[Finding]:
    """Findings in one Markdown text, sorted, one per place and literal."""
    doc = Document(text)
    ctx = Context(doc, know, path, shown or path, enabled, repo)
    inert = know.inert
    for token in doc.tokens(know.scanner):
        if (token.kind, token.text) in inert:
            continue  # a current value that no rule questions wherever it stands
        for handler in HANDLERS.get(token.kind, ()):
            handler(token, ctx)
    return deduplicate(ctx.found, PRIORITY)


def lint_targets(
    targets: Sequence[Target], know: Knowledge, enabled: frozenset[str], config: LintConfig
) -> Outcome:
    found: list[Finding] = []
    files = 0
    for target in targets:
        base = target.path.as_posix()
        if target.path.is_dir():
            names = [
                (name, name if base == "." else f"{base}/{name}")
                for name in markdown_files(target.path)
            ]
        else:
            names = [(base, base)]
        for name, shown in names:
            if config.excluded(shown, name):
                continue
            rules = enabled - config.ignored_rules(shown, name)
            text = (target.path / name if target.path.is_dir() else target.path).read_text(
                "utf-8", errors="replace"
            )
            files += 1
            found += lint_text(text, know, rules, path=name, shown=shown, repo=target.repo)
        if target.repo is not None:
            found += check_tree(target.path, target.repo, know, enabled, base)
    return Outcome(deduplicate(found, PRIORITY), files)
