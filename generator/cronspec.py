"""Five-field cron expressions: validation (croniter), plain-English wording (cron-descriptor)."""

from __future__ import annotations

from functools import cache
from typing import Any

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter


class CronSyntaxError(ValueError):
    """The expression is not a valid five-field cron expression."""


def _words(expression: str) -> str:
    """cron-descriptor's sentence; the locale and clock are pinned so no machine changes it."""
    options = Options()
    options.locale_code = "en_US"
    options.use_24hour_time_format = True
    options.verbose = False
    return str(ExpressionDescriptor(expression, options).get_description())


@cache
def cron_problem(expression: str) -> str | None:
    """Why ``expression`` is not a valid five-field cron expression, or None when it is.

    Valid means both libraries accept it: croniter can schedule it and cron-descriptor can
    word it (croniter alone accepts extensions such as ``R`` that have no wording).
    """
    fields = expression.split()
    if len(fields) != 5:
        found = len(fields)
        return f"a cron expression has 5 fields (minute hour day month weekday), found {found}"
    if not croniter.is_valid(expression):
        try:
            croniter.expand(expression)
        except Exception as exc:  # croniter raises several unrelated exception types
            detail = str(exc).split("] ")[-1].strip()
            return f"invalid cron expression {expression!r}: {detail}"
        return f"invalid cron expression {expression!r}"
    try:
        _words(expression)
    except Exception as exc:  # cron-descriptor raises its own FormatError and others
        detail = str(exc).strip() or "not a standard cron field"
        return f"invalid cron expression {expression!r}: {detail}"
    return None


@cache
def describe(expression: str) -> str:
    """A sentence such as "At 5, 20, 35, and 50 minutes past the hour"."""
    problem = cron_problem(expression)
    if problem:
        raise CronSyntaxError(problem)
    return _words(expression)


def fires_every_hour(expression: str) -> bool:
    """Whether the expression fires in every hour of every day (its minutes may vary)."""
    return all(field == ("*",) for field in _valid_fields(expression)[1:5])


def minutes_in_hour(expression: str) -> tuple[int, ...]:
    """The minutes past the hour at which an hourly expression fires (all 60 for "*")."""
    if not fires_every_hour(expression):
        raise ValueError(
            f"{expression!r} does not fire every hour, so it has no minutes of every hour:"
            " test `is hourly` first, or word it with cron_words"
        )
    minute_field = _valid_fields(expression)[0]
    if minute_field == ("*",):
        return tuple(range(60))
    return tuple(sorted(int(m) for m in minute_field))


def _valid_fields(expression: str) -> tuple[Any, ...]:
    """:func:`_expanded` of an expression that must be valid."""
    fields = _expanded(expression)
    if fields is None:
        raise CronSyntaxError(cron_problem(expression) or f"invalid cron {expression!r}")
    return fields


def same_schedule(first: str, second: str) -> bool:
    """Whether two cron expressions fire at the same times, however written: spacing,
    ``05`` for ``5``, ``*/1`` for ``*``, ``sun`` or ``7`` for ``0``."""
    if first.split() == second.split():
        return True
    expanded = _expanded(first)
    return expanded is not None and expanded == _expanded(second)


@cache
def _expanded(expression: str) -> tuple[object, ...] | None:
    """croniter's canonical fields of a valid expression (its value lists, and the nth
    weekdays), or None when the expression is not valid."""
    if cron_problem(expression):
        return None
    fields, nth_weekdays = croniter.expand(expression)
    return (*(tuple(field) for field in fields), tuple(sorted(nth_weekdays.items())))
