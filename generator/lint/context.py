"""What a rule sees while one file is linted, and how it reports a finding."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from generator.lint.knowledge import Knowledge
from generator.lint.scanner import Document, Token

# Words that make a sentence say something is gone, or forbid it.
RETIREMENT = re.compile(
    r"(?i)\b(?:retired?|deprecated?|removed?|no longer|obsolete|decommissioned|never|"
    r"do not|don't|must not|legacy|replaced|deleted?|ghost|formerly|instead of|inactive|"
    r"not (?:an? )?(?:active|live|used|in use|running))\b|^\W*no\b"
)
# Words that make a sentence about a value say it is history (with RETIREMENT).
HISTORY = re.compile(r"(?i)\b(?:former|old|renamed?|previously|moved)\b|→|\s->\s")
# Words that limit or forbid an action ("only from ...", "never run ...").
PROHIBITION = re.compile(r"(?i)\b(?:never|do not|don't|must not|only|not|no)\b")


@dataclass(frozen=True)
class Rule:
    """A rule family: its id, a one-line summary and the text ``lint --explain`` prints."""

    id: str
    summary: str
    explanation: str
    priority: int  # when two rules object to the same literal, the lower number is reported


class Emission(NamedTuple):
    """What a rule objects to, before rule selection and inline ignores are applied."""

    rule: str
    start: int  # offset in the text
    literal: str
    message: str
    suggestion: str | None
    fact: str | None


@dataclass
class Context:
    """One file being linted.

    Rules read beyond the token's line only through the document's methods, so the engine can
    tell (from ``doc.reach``) whether a verdict depended on more than that line. A few read
    ``doc.text`` directly (``repo_relative``, ``on_docker``, the deploy rule's ``cd`` search),
    and must stay on the token's line to keep verdict reuse exact: the property test in
    tests/test_lint_verdicts.py is what holds them to it.
    """

    doc: Document
    know: Knowledge
    repo: str | None = None  # repo key, when linted with --repo KEY=PATH
    found: list[Emission] = field(default_factory=list)
    # Answers that depend only on the facts and a literal, shared by the files of one run.
    memo: dict[tuple[str, str], object] = field(default_factory=dict)
    _mentions: dict[tuple[int, int], list[tuple[int, int, str]]] = field(default_factory=dict)

    def mentions(self, pattern: re.Pattern[str], offset: int) -> list[tuple[int, int, str]]:
        """Matches of ``pattern`` on the line of ``offset``, computed once per line."""
        start, end = self.doc.line_span(offset)
        key = (id(pattern), start)
        found = self._mentions.get(key)
        if found is None:
            found = [
                (m.start(), m.end(), m.group()) for m in pattern.finditer(self.doc.text, start, end)
            ]
            self._mentions[key] = found
        return found

    def emit(
        self,
        rule: Rule,
        start: int,
        literal: str,
        message: str,
        suggestion: str | None = None,
        fact: str | None = None,
    ) -> None:
        # Every objection is recorded: the engine applies rule selection and inline ignores,
        # so that a verdict can be reused for files with other rules enabled.
        self.found.append(Emission(rule.id, start, literal, message, suggestion, fact))


Handler = Callable[[Token, Context], None]
T = TypeVar("T")


def remembered(ctx: Context, question: str, literal: str, answer: Callable[[str], T]) -> T:
    """``answer(literal)``, computed once per run: it may depend only on the facts and
    ``literal``."""
    key = (question, literal)
    if key in ctx.memo:
        return ctx.memo[key]  # type: ignore[return-value]  # stored by this function
    found = ctx.memo[key] = answer(literal)
    return found


_SEGMENT = re.compile(r"([\w.-]+)/$")


def repo_relative(ctx: Context, token: Token) -> bool:
    """A path token starts at a repo root: nothing before it, or a repo's name (Repo/devops/)."""
    if token.start == 0 or ctx.doc.text[token.start - 1] != "/":
        return True
    segment = _SEGMENT.search(ctx.doc.text, max(0, token.start - 100), token.start)
    return bool(segment) and segment.group(1).lower() in ctx.know.repo_names_lower  # type: ignore[union-attr]


def nearest(
    ctx: Context,
    pattern: re.Pattern[str],
    lookup: Callable[[str], T],
    offset: int,
    *,
    before_within: int | None = None,
) -> T | None:
    """What ``lookup`` gives for the mention on the line of ``offset`` closest to it.

    With ``before_within``, only mentions ending at most that many characters before it count.
    """
    best: tuple[int, str] | None = None
    for start, end, said in ctx.mentions(pattern, offset):
        if before_within is not None:
            gap = offset - end
            if gap < 0 or gap > before_within:
                continue
        distance = min(abs(start - offset), abs(end - offset))
        if best is None or distance < best[0]:
            best = (distance, said)
    return lookup(best[1]) if best else None
