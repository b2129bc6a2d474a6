"""Facts due for a check: last verified too long ago, or never (measured from a given date)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from generator.errors import UsageError
from generator.facts import load_facts
from generator.model import Facts, Verified
from generator.project import Project
from generator.provenance import fact_leaves, provenance_of, usage_counts
from generator.render import Rendered, Renderer

_AGE = re.compile(r"([0-9]+)(d|w|mo)")
# Days per unit. A month is 30 days: the limit is a count of days, as the report says it.
_UNIT_DAYS = {"d": 1, "w": 7, "mo": 30}
AGE_UNITS = "d (days), w (weeks) or mo (months of 30 days)"


def parse_age(text: str) -> int:
    """Days in an age such as ``30d``, ``6w`` or ``3mo``."""
    match = _AGE.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"--older-than {text!r}: give a whole number and a unit, {AGE_UNITS},"
            " e.g. 30d, 6w or 3mo"
        )
    return int(match.group(1)) * _UNIT_DAYS[match.group(2)]


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD date given on the command line."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r}: give a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Due:
    """A fact whose last check is older than the limit, or missing."""

    key: str
    uses: int  # outputs that use it (the fact index not counted)
    verified: Verified | None
    age_days: int | None  # None when never verified

    def describe(self) -> str:
        uses = f"used by {self.uses} output{'s' if self.uses != 1 else ''}"
        if self.verified is None:
            return f"{self.key}: {uses}; never verified"
        v = self.verified
        return (
            f"{self.key}: {uses}; verified {v.date} ({_days(self.age_days or 0)} ago)"
            f" by {v.by}: {v.how}"
        )


def due(
    rendered: Sequence[Rendered], facts: Facts, today: dt.date, older_than_days: int
) -> tuple[list[Due], int]:
    """Facts verified more than ``older_than_days`` before ``today`` or never, most used first,
    and how many facts were considered.

    Only facts some output states count: one no page or agent file states misleads nobody
    when it is wrong. Former values are history, not a claim about the world: never due.
    """
    counts = usage_counts(rendered, facts)
    considered = [k for k in fact_leaves(facts.raw) if counts[k] and k.split(".")[0] != HISTORY]
    found: list[Due] = []
    for key in considered:
        verified = provenance_of(key, facts)[0].verified
        if verified is None:
            found.append(Due(key, counts[key], None, None))
            continue
        age = (today - dt.date.fromisoformat(verified.date)).days
        if age > older_than_days:
            found.append(Due(key, counts[key], verified, age))
    return sorted(found, key=lambda d: (-d.uses, d.key)), len(considered)


HISTORY = "former_values"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def format_due(found: Sequence[Due], total: int, today: dt.date, older_than_days: int) -> list[str]:
    """The lines `verify` prints."""
    days = _days(older_than_days)
    if not found:
        return [f"all {total} facts the outputs state were verified in the {days} before {today}"]
    head = (
        f"{len(found)} of {total} facts the outputs state were last verified more than {days}"
        f" before {today}, or never (most used first):"
    )
    return [head, *(f"  {d.describe()}" for d in found)]


def report(project: Project, today: dt.date, older_than_days: int) -> tuple[list[str], int]:
    """`verify`: render in memory to count each fact's uses; the lines listing the facts due,
    and how many are due."""
    loaded = load_facts(project.facts_path, project.facts_display)
    rendered = Renderer.cached(project, loaded).render_all()
    found, total = due(rendered, loaded.facts, today, older_than_days)
    return format_due(found, total, today, older_than_days), len(found)
