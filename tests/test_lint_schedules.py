"""A cron expression is compared with the fact by when it fires, not by how it is spelled."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cronspec import same_schedule
from generator.facts import load_facts
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge, build_knowledge
from generator.lint.rules import RULES
from tests.conftest import run


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("5,20,35,50 * * * *", "5,20,35,50 *  * * *"),
        ("5,20,35,50 * * * *", "05,20,35,50 * * * *"),
        ("5,20,35,50 * * * *", "5,20,35,50 */1 * * *"),
        ("0 0 * * 0", "0 0 * * sun"),
        ("*/15 * * * *", "0,15,30,45 * * * *"),
    ],
)
def test_the_same_schedule_spelled_two_ways(first: str, second: str) -> None:
    assert same_schedule(first, second)
    assert same_schedule(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("5,20,35,50 * * * *", "5,20,35,51 * * * *"),
        ("0 0 * * 1", "0 0 1-31 * 1"),  # day of month and weekday restricted: either day runs
        ("0 0 * * *", "not a cron"),
    ],
)
def test_different_schedules(first: str, second: str) -> None:
    assert not same_schedule(first, second)


def test_the_spots_cron_spelled_differently_is_no_contradiction(know: Knowledge) -> None:
    for spelling in ("05,20,35,50 * * * *", "5,20,35,50 */1 * * *", "5,20,35,50  * * * *"):
        text = f"`{spelling}` runs run-spot.sh.\n"
        assert lint_text(text, know, frozenset(RULES)) == [], spelling


def test_a_fact_cron_with_extra_spaces_matches_the_pages_that_state_it(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count('cron: "5,20,35,50 * * * *"') == 1
    facts.write_text(text.replace('cron: "5,20,35,50 * * * *"', 'cron: "5,20,35,50 *  * * *"'))
    assert run(["render", "-q"], project).code == 0
    spaced = build_knowledge(load_facts(facts).facts)

    linted = run(["lint", "docs"], project)

    assert linted.code == 0, linted.out
    found = lint_text("`0 * * * *` runs run-spot.sh.\n", spaced, frozenset(RULES))
    assert [(f.literal, f.suggestion) for f in found] == [("0 * * * *", "5,20,35,50 * * * *")]
