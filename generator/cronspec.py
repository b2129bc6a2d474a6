"""Five-field cron expressions: validation (croniter), plain-English wording (cron-descriptor)."""

from __future__ import annotations

from functools import cache

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter


class CronSyntaxError(ValueError):
    """The expression is not a valid five-field cron expression."""


def cron_problem(expression: str) -> str | None:
    """Why ``expression`` is not a valid five-field cron expression, or None when it is."""
    fields = expression.split()
    if len(fields) != 5:
        return (
            f"a cron expression has 5 fields (minute hour day month weekday), found {len(fields)}"
        )
    if not croniter.is_valid(expression):
        try:
            croniter.expand(expression)
        except Exception as exc:
            detail = str(exc).split("] ")[-1].strip()
            return f"invalid cron expression {expression!r}: {detail}"
        return f"invalid cron expression {expression!r}"
    return None


@cache
def describe(expression: str) -> str:
    """A sentence such as "At 5, 20, 35, and 50 minutes past the hour".

    The locale and clock format are pinned so the words never depend on the machine.
    """
    problem = cron_problem(expression)
    if problem:
        raise CronSyntaxError(problem)
    options = Options()
    options.locale_code = "en_US"
    options.use_24hour_time_format = True
    options.verbose = False
    return str(ExpressionDescriptor(expression, options).get_description())


@cache
def minutes_in_hour(expression: str) -> tuple[int, ...]:
    """The minutes past the hour at which the expression fires (all 60 for "*")."""
    problem = cron_problem(expression)
    if problem:
        raise CronSyntaxError(problem)
    minute_field = croniter.expand(expression)[0][0]
    if minute_field == ["*"]:
        return tuple(range(60))
    return tuple(sorted(int(m) for m in minute_field))
