"""The scanner's candidate literals and the document's fences, on small texts."""

from __future__ import annotations

import pytest

from generator.lint.context import Context, remembered
from generator.lint.knowledge import Knowledge
from generator.lint.scanner import Document


def kinds(know: Knowledge, text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in Document(text).tokens(know.scanner)]


def test_port_on_and_docker_come_from_one_pass_with_their_own_checks(know: Knowledge) -> None:
    text = "Port 8080, on 3000, docker exec app; report 99; sport 8080; moon 3000; xdocker run"
    assert kinds(know, text) == [
        ("port", "Port 8080"),
        ("port", "on 3000"),
        ("docker", "docker exec"),
    ]


def test_at_one_offset_the_earlier_kind_wins(know: Knowledge) -> None:
    assert kinds(know, "see 192.168.1.48:8889 and devops/fly-poller/ then fly deploy") == [
        ("ip", "192.168.1.48:8889"),
        ("path", "devops/fly-poller/"),
        ("name", "fly deploy"),
    ]


@pytest.mark.parametrize(
    ("text", "spans"),  # from the opening line's start to the closing line's end
    [
        ("a\n```sh\nx\n```\nb\n", [(2, 13)]),
        ("```\nx\n```", [(0, 9)]),
        ("a\n   ~~~\nx\n   ~~~\n", [(2, 17)]),
        ("a\n\t```\nx\n\t```\n", [(2, 13)]),
        ("a\n    ```\nx\n", []),  # four spaces: indented code, not a fence
        ("a ```\nx\n", []),
        ("````\n```\nx\n````\n", [(0, 15)]),  # a shorter fence does not close a longer one
        ("```\nx\n", [(0, 6)]),  # unclosed: to the end
    ],
)
def test_fences(text: str, spans: list[tuple[int, int]]) -> None:
    assert Document(text).fences == spans


def test_a_remembered_answer_is_computed_once_per_literal(know: Knowledge) -> None:
    ctx = Context(Document(""), know)
    asked: list[str] = []

    def answer(literal: str) -> int:
        asked.append(literal)
        return len(literal)

    assert [remembered(ctx, "length", w, answer) for w in ("ab", "abc", "ab")] == [2, 3, 2]
    assert remembered(ctx, "other question", "ab", answer) == 2
    assert asked == ["ab", "abc", "ab"]
