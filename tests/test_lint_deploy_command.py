"""The deploy command is found as a program invocation: its words before any option, whatever
options follow in the text or in facts (fly deploy --remote-only is a fly deploy)."""

from __future__ import annotations

import pytest

from generator.facts import parse_facts
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge, build_knowledge, program
from generator.lint.rules import RULES
from tests.conftest import REPO


@pytest.fixture(scope="module")
def with_flags() -> Knowledge:
    """The facts with ``deploy.command: fly deploy --remote-only``."""
    text = (REPO / "facts.yaml").read_text("utf-8")
    assert text.count("  command: fly deploy\n") == 1
    text = text.replace("  command: fly deploy\n", "  command: fly deploy --remote-only\n")
    return build_knowledge(parse_facts(text.encode(), "facts.yaml").facts)


def found(know: Knowledge, text: str) -> list[tuple[str, str, str | None]]:
    return [(f.rule, f.literal, f.fact) for f in lint_text(text, know, frozenset(RULES))]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("fly deploy", "fly deploy"),
        ("fly deploy --remote-only", "fly deploy"),
        ("fly deploy -a staktrakr --remote-only", "fly deploy"),
    ],
)
def test_the_program_is_the_words_before_the_first_option(command: str, expected: str) -> None:
    assert program(command) == expected


def test_options_after_the_command_keep_it_the_command(know: Knowledge) -> None:
    assert found(know, "On the Home VM, run `fly deploy --remote-only`\n") == [
        ("deploy-location", "fly deploy", "deploy.host")
    ]
    assert found(know, "This Mac: `cd devops/fly-poller && fly deploy --remote-only`\n") == []


def test_a_command_with_options_in_facts_is_found_with_or_without_them(
    with_flags: Knowledge,
) -> None:
    host = [("deploy-location", "fly deploy", "deploy.host")]
    assert found(with_flags, "The Home VM runs fly deploy --remote-only after pulling.\n") == host
    assert found(with_flags, "The Home VM runs `fly deploy` after pulling.\n") == host
    assert found(with_flags, "`cd devops/scraper && fly deploy --remote-only`\n") == [
        ("deploy-location", "devops/scraper", "deploy.folder")
    ]
    assert found(with_flags, "This Mac: `cd devops/fly-poller && fly deploy --remote-only`\n") == []


def test_an_option_is_no_word_of_a_prohibition(with_flags: Knowledge) -> None:
    """ "--remote-only" says "only", "--no-cache" says "no": neither limits who deploys."""
    text = "The Home VM runs `fly deploy --no-cache` nightly.\n"
    assert found(with_flags, text) == [("deploy-location", "fly deploy", "deploy.host")]
    assert found(with_flags, "Never run fly deploy --remote-only on the Home VM.\n") == []
    assert (
        found(with_flags, "Only the Mac runs `fly deploy --remote-only`; the Home VM pulls.\n")
        == []
    )


def test_the_command_is_matched_at_word_boundaries(with_flags: Knowledge) -> None:
    text = "The Home VM runs fly deployment checks and `fly deploy-preview`.\n"
    assert found(with_flags, text) == []
