"""Within one run, reuse what the rules said about a literal in the same surroundings.

Docs repeat themselves: the same command, table row or address line recurs across files. A
literal's objections depend only on the literal, its offset in its line and that line's text,
unless a rule looked further (a sentence, a paragraph, a fenced block: ``Document.reach``
counts those questions); then they depend on the enclosing block's text and whether it is
fenced. Those are the keys here, so a reused verdict is exactly the one the rules would give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from generator.lint.context import Context, Emission
from generator.lint.scanner import Token

Judge = Callable[[Token, Context], None]
# Objections with offsets relative to the start of the line or block that the key holds.
_Said = tuple[Emission, ...]
_WIDE: _Said = (Emission("", -1, "", "", None, None),)  # marker: the block's key decides
_LineKey = tuple[str, str, int, str, str | None]
LIMIT = 250_000  # verdicts kept per table; past it, new ones are computed but not kept
_BlockKey = tuple[str, str, int, str, bool, str | None]


class Verdicts:
    """Objections per literal in context, remembered for the length of one lint run."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, str], object] = {}  # for ``context.remembered``
        self._by_line: dict[_LineKey, _Said] = {}
        self._by_block: dict[_BlockKey, _Said] = {}

    def objections(self, token: Token, ctx: Context, judge: Judge) -> list[Emission]:
        """What ``judge`` records for ``token`` in ``ctx``, with offsets in the document."""
        line_start, line = ctx.doc.line_at(token.start)
        key = (token.kind, token.text, token.start - line_start, line, ctx.repo)
        said = self._by_line.get(key)
        if said is None:
            reach = ctx.doc.reach
            found = _judge(token, ctx, judge)
            if ctx.doc.reach == reach:
                _keep(self._by_line, key, _relative(found, line_start))
            else:
                _keep(self._by_line, key, _WIDE)
                block_key, start = _block_key(token, ctx)
                _keep(self._by_block, block_key, _relative(found, start))
            return found
        if said is not _WIDE:
            return _absolute(said, line_start)
        block_key, start = _block_key(token, ctx)
        said = self._by_block.get(block_key)
        if said is None:
            found = _judge(token, ctx, judge)
            _keep(self._by_block, block_key, _relative(found, start))
            return found
        return _absolute(said, start)


K = TypeVar("K")


def _keep(table: dict[K, _Said], key: K, said: _Said) -> None:
    if len(table) < LIMIT:
        table[key] = said


def _block_key(token: Token, ctx: Context) -> tuple[_BlockKey, int]:
    start, text, fenced = ctx.doc.surroundings(token.start)
    return (token.kind, token.text, token.start - start, text, fenced, ctx.repo), start


def _judge(token: Token, ctx: Context, judge: Judge) -> list[Emission]:
    ctx.found = []
    judge(token, ctx)
    return ctx.found


def _relative(found: list[Emission], anchor: int) -> _Said:
    return tuple(e._replace(start=e.start - anchor) for e in found)


def _absolute(said: _Said, anchor: int) -> list[Emission]:
    return [e._replace(start=e.start + anchor) for e in said] if said else []
