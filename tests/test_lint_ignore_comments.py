"""A drift comment that silences nothing is reported, since the line it meant is not ignored."""

from __future__ import annotations

from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES

WRONG_PORT = "tinyproxy on port 8888.\n"


def found(know: Knowledge, text: str) -> list[tuple[int, int, str, str, str | None]]:
    return [
        (f.line, f.column, f.rule, f.literal, f.suggestion)
        for f in lint_text(text, know, frozenset(RULES))
    ]


def test_a_misspelt_rule_is_reported_with_the_rule_it_meant(know: Knowledge) -> None:
    text = f"<!-- drift: ignore contradictoin typo -->\n{WRONG_PORT}"
    assert found(know, text) == [
        (1, 20, "ignore-comment", "contradictoin", "contradiction"),
        (2, 19, "contradiction", "8888", "8889"),
    ]


def test_each_unknown_name_of_a_list_is_reported_at_its_place(know: Knowledge) -> None:
    text = f"{WRONG_PORT[:-1]} <!-- drift: ignore contradiction,nonsense-rule why -->\n"
    assert found(know, text) == [(1, 58, "ignore-comment", "nonsense-rule", None)]


def test_a_comment_naming_no_rule_is_reported(know: Knowledge) -> None:
    for comment in ("<!-- drift: ignore -->", "<!-- drift: ingore contradiction -->"):
        result = found(know, f"{comment}\n{WRONG_PORT}")
        assert [(rule, line) for line, _, rule, _, _ in result] == [
            ("ignore-comment", 1),
            ("contradiction", 2),
        ], comment


def test_well_formed_comments_are_not_reported(know: Knowledge) -> None:
    for names in ("contradiction", "contradiction,unknown-literal", "all", "*"):
        assert found(know, f"<!-- drift: ignore {names} the reason -->\n{WRONG_PORT}") == []


def test_a_drift_comment_shown_as_code_is_an_example(know: Knowledge) -> None:
    text = (
        "Put `<!-- drift: ignore RULE reason -->` before the line.\n\n"
        "```md\n<!-- drift: ignore RULE reason -->\n```\n"
    )
    assert found(know, text) == []


def test_code_is_read_as_commonmark_reads_it(know: Knowledge) -> None:
    # An escaped backtick opens no code span: the comment after it is a real one.
    assert [r[2] for r in found(know, "\\` <!-- drift: ignore contradictoin -->\n")] == [
        "ignore-comment"
    ]
    # Inside a double-backtick span that holds a single backtick, it is an example.
    assert found(know, "``a ` <!-- drift: ignore contradictoin -->``\n") == []


def test_an_example_in_code_silences_nothing(know: Knowledge) -> None:
    text = f"`<!-- drift: ignore contradiction -->` {WRONG_PORT}"
    assert [r[2] for r in found(know, text)] == ["contradiction"]
    fenced = f"```md\n<!-- drift: ignore contradiction -->\n```\n{WRONG_PORT}"
    assert [r[2] for r in found(know, fenced)] == ["contradiction"]
