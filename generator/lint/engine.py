"""Lint files and repo trees: one scan per file, each literal handed to the rules that want it."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from generator.check import carries_notice
from generator.lint.config import LintConfig
from generator.lint.context import Context, Emission
from generator.lint.discover import markdown_files
from generator.lint.findings import Finding, deduplicate
from generator.lint.knowledge import Knowledge
from generator.lint.parallel import map_chunks
from generator.lint.results import ResultCache
from generator.lint.rules import HANDLERS, PRIORITY, RULES
from generator.lint.rules.comments import bad_ignores
from generator.lint.rules.invariants import check_tree
from generator.lint.scanner import Document, Token
from generator.lint.verdicts import Verdicts
from generator.outputs import NOTICE_MARK

_NOTICE = f"<!-- {NOTICE_MARK} (".encode()  # opens the notice of every file written whole
_BLOCK_FIRST = b"<!-- BEGIN GENERATED:"  # carries_notice also owns render's block copies


@dataclass(frozen=True)
class Target:
    """A file or folder to lint; ``repo`` is the facts key of the checkout, if given."""

    path: Path
    repo: str | None = None


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    files: int  # linted
    generated: int = 0  # skipped: written whole by the generator


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
    said += bad_ignores(doc, RULES)
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


class _Job(NamedTuple):
    """One file to lint: where to open it, its path as linted and as shown, what applies."""

    opened: str
    name: str
    shown: str
    rules: frozenset[str]
    repo: str | None


def lint_targets(
    targets: Sequence[Target],
    know: Knowledge,
    enabled: frozenset[str],
    config: LintConfig,
    results: ResultCache | None = None,
    *,
    include_generated: bool = False,
) -> Outcome:
    """Lint every target; with ``results``, a file whose key it holds is not linted again.
    Files the generator wrote whole are skipped, as managed blocks are, unless
    ``include_generated``: ``check`` covers them, and nobody may fix them by hand.

    The files the cache does not hold are shared out among the cores (see ``parallel``), so a
    run that finds everything in the cache forks nothing; the findings are the same.
    """
    files = _jobs(targets, enabled, config)
    found: list[Finding] = []
    skipped = 0
    # Each file to lint with its bytes and result cache key. Without a cache, the process
    # that lints a file reads it, so that the workers share the reading out too.
    todo: list[tuple[_Job, bytes | None, str]] = []
    for job in files:
        if results is None:
            todo.append((job, None, ""))
            continue
        data = _read(job.opened)
        if not include_generated and generated(data):
            skipped += 1
            continue
        key = results.key(data, job.shown, job.name, job.repo, job.rules)
        cached = results.get(key)
        if cached is None:
            todo.append((job, data, key))
        else:
            found += cached

    def work(part: Sequence[tuple[_Job, bytes | None, str]]) -> list[list[Finding] | None]:
        verdicts = Verdicts()  # one per process: what the rules said, reused across its files
        done: list[list[Finding] | None] = []
        for job, data, _ in part:
            if data is None:  # read here, so judged here (the cached were judged on reading)
                data = _read(job.opened)
                if not include_generated and generated(data):
                    done.append(None)
                    continue
            done.append(
                lint_text(
                    decode(data),
                    know,
                    job.rules,
                    path=job.name,
                    shown=job.shown,
                    repo=job.repo,
                    verdicts=verdicts,
                )
            )
        return done

    for (_, _, key), findings in zip(todo, map_chunks(todo, work), strict=True):
        if findings is None:
            skipped += 1
            continue
        if results is not None:
            results.put(key, findings)
        found += findings
    for target in targets:
        if target.repo is not None:
            base = target.path.as_posix()
            found += check_tree(target.path, target.repo, know, enabled, base)
    if config.allow:
        found = [f for f in found if not config.allowed(f.rule, f.literal)]
    return Outcome(deduplicate(found, PRIORITY), len(files) - skipped, skipped)


def generated(data: bytes) -> bool:
    """Whether the generator wrote this file whole (a page of render, a skill file of sync):
    its first line, after any front matter, is the generated notice, as ``check`` tells it.
    Not a file that starts with a managed block: a sibling repo's CLAUDE.md may, and its text
    around the block is written by hand (the block is skipped as every managed block is)."""
    return _NOTICE in data and not data.startswith(_BLOCK_FIRST) and carries_notice(data)


def _jobs(targets: Sequence[Target], enabled: frozenset[str], config: LintConfig) -> list[_Job]:
    """The Markdown files of the targets that configuration does not exclude, in order."""
    files: list[_Job] = []
    for target in targets:
        base = target.path.as_posix()
        if target.path.is_dir():
            # Plain string paths: building a Path per file costs a third of reading it.
            listed = [
                (f"{base}/{name}", name, name if base == "." else f"{base}/{name}")
                for name in markdown_files(target.path)
            ]
        else:
            listed = [(base, base, base)]
        for opened, name, shown in listed:
            if not config.excluded(shown, name):
                rules = enabled - config.ignored_rules(shown, name)
                files.append(_Job(opened, name, shown, rules, target.repo))
    return files


def _read(path: str) -> bytes:
    """A regular file's bytes. Opened without blocking, so a FIFO named like Markdown is an
    error instead of a run that waits for a writer forever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        # Raw reads, no buffered file object: a third cheaper on small files. The first asks
        # for a byte more than the size, so that a file that grew meanwhile reads on.
        parts = []
        size = status.st_size + 1
        while chunk := os.read(fd, size):
            parts.append(chunk)
            size = 1 << 16
        return b"".join(parts)
    finally:
        os.close(fd)


def decode(data: bytes) -> str:
    """A file's text as ``Path.read_text("utf-8", errors="replace")`` gives it, less a leading
    byte-order mark (as ``check`` and ``sync`` read it): line 1 then starts with its first
    character, so a marker, fence or ignore comment there counts and columns match an editor's."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if "\r" in text:  # universal newlines, as text mode reads them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
