"""The rule families, one module each, and the table of which handles which kind of literal."""

from __future__ import annotations

from generator.lint.context import Handler, Rule
from generator.lint.rules import comments, contradiction, invariants, retired, unknown

RULES: dict[str, Rule] = {
    rule.id: rule
    for module in (retired, contradiction, unknown, invariants, comments)
    for rule in module.RULES
}
PRIORITY = {rule.id: rule.priority for rule in RULES.values()}


def _handlers() -> dict[str, tuple[Handler, ...]]:
    table: dict[str, list[Handler]] = {}
    for module in (retired, contradiction, unknown, invariants):
        for kind, handler in module.HANDLERS.items():
            table.setdefault(kind, []).append(handler)
    return {kind: tuple(handlers) for kind, handlers in table.items()}


HANDLERS = _handlers()
