"""What a rule sees while one file is linted, and how it reports a finding."""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from generator.lint.knowledge import Knowledge
from generator.lint.scanner import Document, Token

T = TypeVar("T")

# Words that make a sentence say something is gone, or forbid it ("gone" itself too: the
# invariants page tells readers that a sentence saying so may name a removed component).
RETIREMENT = re.compile(
    r"(?i)\b(?:retired?|deprecated?|removed?|gone|no longer|obsolete|decommissioned|never|"
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


class Mentions(NamedTuple):
    """The matches of a pattern on one line: in order, their ends apart (for a bisection) and
    the texts said."""

    found: list[tuple[int, int, str]]  # start, end, text
    ends: list[int]
    said: frozenset[str]


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
    # Answers about the file's lines, sentences and blocks: see ``once``.
    _answers: dict[Hashable, object] = field(default_factory=dict)

    def once(self, key: Hashable, answer: Callable[[], T]) -> T:
        """``answer()``, computed once per file for ``key``: a one-line table can hold
        thousands of literals, and a question about their line is then asked once, not once
        for each of them."""
        if key in self._answers:
            return self._answers[key]  # type: ignore[return-value]  # stored by this method
        found = self._answers[key] = answer()
        return found

    def on_line(self, question: Hashable, offset: int, answer: Callable[[int, int], T]) -> T:
        """``answer(start, end)`` for the line holding ``offset``, once per line."""
        start, end = self.doc.line_span(offset)
        return self.once((question, start), lambda: answer(start, end))

    def of_sentence(self, question: Hashable, offset: int, answer: Callable[[str], T]) -> T:
        """``answer(sentence)`` for the sentence holding ``offset``, once per sentence."""
        span = self.doc.sentence_span(offset)  # counts in ``doc.reach``, asked or remembered
        return self.once((question, span), lambda: answer(self.doc.sentence(offset)))

    def mentions(self, pattern: re.Pattern[str], offset: int) -> Mentions:
        """Matches of ``pattern`` on the line of ``offset``, computed once per line."""
        return self.on_line(
            ("mentions", id(pattern)), offset, lambda s, e: _mentions(self.doc.text, pattern, s, e)
        )

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


def _mentions(text: str, pattern: re.Pattern[str], start: int, end: int) -> Mentions:
    found = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text, start, end)]
    return Mentions(found, [e for _, e, _ in found], frozenset(said for _, _, said in found))


def nearest(
    ctx: Context,
    pattern: re.Pattern[str],
    lookup: Callable[[str], T],
    offset: int,
    *,
    before_within: int | None = None,
) -> T | None:
    """What ``lookup`` gives for the mention on the line of ``offset`` closest to it (the first
    of two as close).

    With ``before_within``, only mentions ending at most that many characters before it count.
    """
    mention = nearest_mention(ctx, pattern, offset, before_within=before_within)
    return None if mention is None else lookup(mention[2])


def nearest_mention(
    ctx: Context,
    pattern: re.Pattern[str],
    offset: int,
    *,
    before_within: int | None = None,
) -> tuple[int, int, str] | None:
    """The mention (start, end, text) ``nearest`` looks up."""
    return _closest(ctx.mentions(pattern, offset), offset, before_within)


def nearest_in_sentence(
    ctx: Context, pattern: re.Pattern[str], offset: int
) -> tuple[int, int, str] | None:
    """The mention closest to ``offset`` in its sentence, on its line first; in a table its row
    (cells are no sentences), in code its line."""
    _, line = ctx.doc.line_at(offset)
    if line.lstrip().startswith("|"):
        return nearest_mention(ctx, pattern, offset)
    on_line = ctx.mentions(pattern, offset)
    if on_line.found:
        # What lies between the sentence ends on the line is in the sentence: a mention there
        # is found without a look past the line, which would tie the verdict to the block.
        mention = _closest(on_line, offset, None, ctx.doc.clause(offset))
        if mention is not None:
            return mention
    start, _ = ctx.doc.sentence_span(offset)
    found = ctx.of_sentence(
        ("mentions", id(pattern)), offset, lambda s: _mentions(s, pattern, 0, len(s))
    )
    mention = _closest(found, offset - start, None)  # offsets in the sentence
    return None if mention is None else (mention[0] + start, mention[1] + start, mention[2])


def _closest(
    mentions: Mentions,
    offset: int,
    before_within: int | None,
    within: tuple[int, int] = (0, sys.maxsize),
) -> tuple[int, int, str] | None:
    """The mention closest to ``offset`` (see ``nearest``), of those ``within`` a span."""
    found, ends, _ = mentions
    # Mentions do not overlap, so their ends rise with their starts: the closest one is the
    # last to end at or before ``offset``, or the next (which holds it or starts after it).
    after = bisect.bisect_right(ends, offset)
    if before_within is not None:
        if after and offset - ends[after - 1] <= before_within:
            return found[after - 1]
        return None
    best: tuple[int, tuple[int, int, str]] | None = None
    for mention in found[max(after - 1, 0) : after + 1]:
        start, end, _ = mention
        if start < within[0] or end > within[1]:
            continue  # and so is every mention before it, or after it
        distance = min(abs(start - offset), abs(end - offset))
        if best is None or distance < best[0]:
            best = (distance, mention)
    return best[1] if best else None
