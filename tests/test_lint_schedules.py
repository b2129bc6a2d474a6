"""A cron expression is compared with the fact by when it fires, not by how it is spelled."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cronspec import same_schedule
from generator.facts import load_facts, parse_facts
from generator.lint.context import Context
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge, build_knowledge
from generator.lint.rules import RULES
from generator.lint.rules.contradiction import scheduled
from generator.lint.scanner import Document
from tests.conftest import REPO, run


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

    linted = run(["lint", "--include-generated", "docs"], project)

    assert linted.code == 0, linted.out
    found = lint_text("`0 * * * *` runs run-spot.sh.\n", spaced, frozenset(RULES))
    assert [(f.literal, f.suggestion) for f in found] == [("0 * * * *", "5,20,35,50 * * * *")]


# A cron beside a feed (its name, file or writer script) is that feed's schedule.


@pytest.fixture(scope="module")
def every_ten() -> Knowledge:
    """The facts with the spot prices fetched every 10 minutes: their old cron fires every 15,
    which is the market prices' cadence."""
    text = (REPO / "facts.yaml").read_text("utf-8")
    assert text.count('cron: "5,20,35,50 * * * *"') == 1
    text = text.replace('cron: "5,20,35,50 * * * *"', 'cron: "*/10 * * * *"')
    return build_knowledge(parse_facts(text.encode(), "facts.yaml").facts)


def said(know: Knowledge, text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (f.rule, f.literal, f.suggestion, f.fact) for f in lint_text(text, know, frozenset(RULES))
    ]


def test_a_cron_beside_a_feed_is_compared_with_that_feeds_schedule(every_ten: Knowledge) -> None:
    old = ("contradiction", "5,20,35,50 * * * *", "*/10 * * * *", "feeds.spot_prices.cron")
    for text in (
        "Spot prices are fetched on `5,20,35,50 * * * *`.\n",
        "| Spot prices | `5,20,35,50 * * * *` |\n",
        "`data/hourly/2026/02/25/14.json` is written on `5,20,35,50 * * * *`.\n",
        "`5,20,35,50 * * * * run-spot.sh`\n",
    ):
        assert said(every_ten, text) == [old], text
    found = lint_text("| Spot prices | `5,20,35,50 * * * *` |\n", every_ten, frozenset(RULES))
    assert found[0].message == (
        "is not the schedule of the Spot prices feed: facts hold */10 * * * *"
    )
    assert said(every_ten, "Spot prices are fetched on `*/10 * * * *`.\n") == []


def test_a_cron_named_beside_nothing_may_fit_any_feed(every_ten: Knowledge) -> None:
    assert said(every_ten, "Publish on `5,20,35,50 * * * *`.\n") == []


def test_a_feed_without_a_writer_script_has_its_cadence(know: Knowledge) -> None:
    assert said(know, "Goldback is refreshed hourly, `0 * * * *`.\n") == [
        (
            "contradiction",
            "0 * * * *",
            "*/15 * * * * (every 15 minutes)",
            "feeds.goldback.every_minutes",
        )
    ]
    assert said(know, "Goldback is refreshed on `*/15 * * * *`.\n") == []


def test_the_sentence_or_the_table_row_ties_a_cron_to_a_feed(know: Knowledge) -> None:
    spot = ("contradiction", "0 * * * *", "5,20,35,50 * * * *", "feeds.spot_prices.cron")
    assert said(know, "Spot prices are fetched\non `0 * * * *` by the poller.\n") == [spot]
    assert said(know, "| Spot prices | Fetched. Then published. | `0 * * * *` |\n") == [spot]
    # Another sentence of the line names another feed; the closest in the sentence counts.
    assert said(know, "Spot prices use `5,20,35,50 * * * *`. Publishing: `*/15 * * * *`.\n") == []
    text = "Spot prices use `5,20,35,50 * * * *`, market prices `*/15 * * * *`.\n"
    assert said(know, text) == []


def test_a_feed_named_in_the_crons_clause_is_found_on_its_line(know: Knowledge) -> None:
    """No look past the line (which would key the verdict on the paragraph) when the part of
    the sentence on the cron's line names the feed; else the sentence is read."""
    text = "# Feeds\nSpot prices come from `run-spot.sh` on `0 * * * *`. Then\nmore.\n"
    doc = Document(text)
    owner = scheduled(Context(doc, know), text.index("0 *"))
    assert owner is not None and owner.said == "run-spot.sh"
    assert doc.reach == 0
    text = "The spot prices are fetched\non `0 * * * *`. Then more.\n"
    doc = Document(text)
    owner = scheduled(Context(doc, know), text.index("0 *"))
    assert owner is not None and owner.said == "spot prices"
    assert doc.reach > 0
