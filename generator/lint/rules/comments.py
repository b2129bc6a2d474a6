"""Inline drift comments that silence nothing: a typo must not hide that nothing is ignored."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

from generator.lint.context import Emission, Rule
from generator.lint.scanner import Document

IGNORE_COMMENT = Rule(
    "ignore-comment",
    "an inline drift comment that silences nothing",
    "A comment starting <!-- drift: must read <!-- drift: ignore RULE reason --> (several\n"
    "rules separated by commas, or * for all), and each RULE must be a rule of lint --explain.\n"
    "A misspelt rule or a missing one silenced nothing, so the line it was meant for is still\n"
    "linted; this says so instead of leaving it to be found. The suggestion is the closest rule.\n"
    "Fix: correct the comment, or delete it.",
    6,
)
RULES = (IGNORE_COMMENT,)

_WELL_FORMED = re.compile(r"\s*ignore\s+([\w,*-]+)")
_ALL = frozenset({"*", "all"})


def bad_ignores(doc: Document, rule_ids: Collection[str]) -> list[Emission]:
    """An objection to each drift comment that is no ``ignore RULE`` or names no rule."""
    found = []
    for start, body in doc.drift_comments():
        well_formed = _WELL_FORMED.match(body)
        if well_formed is None:
            message = "is not <!-- drift: ignore RULE reason -->: it silences nothing"
            found.append(Emission(IGNORE_COMMENT.id, start, body.strip(), message, None, None))
            continue
        at = start + well_formed.start(1)
        for name in well_formed.group(1).split(","):
            if name and name not in rule_ids and name not in _ALL:
                close = difflib.get_close_matches(name, sorted(rule_ids), n=1)
                message = "is no lint rule: the comment silences nothing for it"
                suggestion = close[0] if close else None
                found.append(Emission(IGNORE_COMMENT.id, at, name, message, suggestion, None))
            at += len(name) + 1
    return found
