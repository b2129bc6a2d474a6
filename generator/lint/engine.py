"""Lint files and repo trees: one scan per file, each literal handed to the rules that want it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.lint.config import LintConfig
from generator.lint.context import Context, Emission
from generator.lint.discover import markdown_files
from generator.lint.findings import Finding, deduplicate
from generator.lint.knowledge import Knowledge
from generator.lint.results import ResultCache
from generator.lint.rules import HANDLERS, PRIORITY
from generator.lint.rules.invariants import check_tree
from generator.lint.scanner import Document, Token
from generator.lint.verdicts import Verdicts


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
    verdicts: Verdicts | None = None,
) -> list[Finding]:
    """Findings in one Markdown text, sorted, one per place and literal.

    ``verdicts`` carries what the rules said in earlier files of the same run (same ``know``).
    """
    doc = Document(text)
    verdicts = verdicts if verdicts is not None else Verdicts()
    ctx = Context(doc, know, repo, memo=verdicts.memo)
    inert = know.inert
    said: list[Emission] = []
    for token in doc.tokens(know.scanner):
        if (token.kind, token.text) in inert:
            continue  # a current value that no rule questions wherever it stands
        said += verdicts.objections(token, ctx, _judge)
    shown = shown or path
    found = []
    for item in said:
        if item.rule not in enabled:
            continue
        line, column = doc.position(item.start)
        if not doc.ignored(line, item.rule):
            found.append(
                Finding(
                    shown,
                    line,
                    column,
                    item.rule,
                    item.literal,
                    item.message,
                    item.suggestion,
                    item.fact,
                    path,
                )
            )
    return deduplicate(found, PRIORITY)


def _judge(token: Token, ctx: Context) -> None:
    for handler in HANDLERS.get(token.kind, ()):
        handler(token, ctx)


def lint_targets(
    targets: Sequence[Target],
    know: Knowledge,
    enabled: frozenset[str],
    config: LintConfig,
    results: ResultCache | None = None,
) -> Outcome:
    """Lint every target; with ``results``, a file whose key it holds is not linted again."""
    found: list[Finding] = []
    files = 0
    verdicts = Verdicts()
    for target in targets:
        base = target.path.as_posix()
        is_dir = target.path.is_dir()
        if is_dir:
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
            # A plain string path: building a Path per file costs a third of reading it.
            with open(f"{base}/{name}" if is_dir else base, "rb") as file:  # noqa: PTH123
                data = file.read()
            files += 1
            key = results.key(data, shown, name, target.repo, rules) if results else ""
            cached = results.get(key) if results else None
            if cached is None:
                cached = lint_text(
                    decode(data),
                    know,
                    rules,
                    path=name,
                    shown=shown,
                    repo=target.repo,
                    verdicts=verdicts,
                )
                if results:
                    results.put(key, cached)
            found += cached
        if target.repo is not None:
            found += check_tree(target.path, target.repo, know, enabled, base)
    return Outcome(deduplicate(found, PRIORITY), files)


def decode(data: bytes) -> str:
    """A file's text as ``Path.read_text("utf-8", errors="replace")`` gives it."""
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:  # universal newlines, as text mode reads them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
