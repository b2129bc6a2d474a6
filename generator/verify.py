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
            f"{self.key}: {uses}; verified {v.date} ({self.age_days} days ago) by {v.by}: {v.how}"
        )


def due(
    rendered: Sequence[Rendered], facts: Facts, today: dt.date, older_than_days: int
) -> list[Due]:
    """Facts verified more than ``older_than_days`` before ``today`` or never; most used first."""
    counts = usage_counts(rendered, facts)
    found: list[Due] = []
    for key in fact_leaves(facts.raw):
        verified = provenance_of(key, facts)[0].verified
        if verified is None:
            found.append(Due(key, counts[key], None, None))
            continue
        age = (today - dt.date.fromisoformat(verified.date)).days
        if age > older_than_days:
            found.append(Due(key, counts[key], verified, age))
    return sorted(found, key=lambda d: (-d.uses, d.key))


def format_due(found: Sequence[Due], total: int, today: dt.date, older_than_days: int) -> list[str]:
    """The lines `verify` prints."""
    if not found:
        return [f"all {total} facts were verified in the {older_than_days} days before {today}"]
    head = (
        f"{len(found)} of {total} facts were last verified more than {older_than_days} days"
        f" before {today}, or never (most used first):"
    )
    return [head, *(f"  {d.describe()}" for d in found)]


def report(project: Project, today: dt.date, older_than_days: int) -> tuple[list[str], int]:
    """`verify`: render in memory to count each fact's uses; the lines listing the facts due,
    and how many are due."""
    loaded = load_facts(project.facts_path, project.facts_display)
    rendered = Renderer.cached(project, loaded).render_all()
    found = due(rendered, loaded.facts, today, older_than_days)
    total = len(fact_leaves(loaded.facts.raw))
    return format_due(found, total, today, older_than_days), len(found)
