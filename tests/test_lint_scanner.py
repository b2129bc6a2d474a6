"""The scanner's candidate literals and the document's fences, on small texts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import SupportsIndex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.lint.context import Context, remembered
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES
from generator.lint.scanner import Document, path_regex


def kinds(know: Knowledge, text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in Document(text).tokens(know.scanner)]


def test_port_on_and_docker_come_from_one_pass_with_their_own_checks(know: Knowledge) -> None:
    text = "Port 8080, on 3000, docker exec app; report 99; sport 8080; moon 3000; xdocker run"
    assert kinds(know, text) == [
        ("port", "Port 8080"),
        ("port", "on 3000"),
        ("docker", "docker exec"),
    ]


def test_an_address_after_on_or_port_is_an_address(know: Knowledge) -> None:
    """ "on 192" read as a port hid the whole address from the rules."""
    text = "It lives on 192.168.1.81, port 10.0.0.5 and on 8889.\n"
    assert kinds(know, text) == [
        ("ip", "192.168.1.81"),
        ("ip", "10.0.0.5"),
        ("port", "on 8889"),
    ]
    found = lint_text("The home VM now lives on 192.168.1.81.\n", know, frozenset(RULES))
    assert [(f.rule, f.literal) for f in found] == [("retired-value", "192.168.1.81")]


def alternation_paths(roots: list[str], text: str) -> list[tuple[int, int]]:
    """Paths as a plain alternation of the roots (longest first) finds them."""
    ordered = sorted(set(roots), key=lambda r: (-len(r), r))
    plain = re.compile("(?:" + "|".join(map(re.escape, ordered)) + r")[\w.*<>{}/-]*")
    return [m.span() for m in plain.finditer(text)]


def found_paths(roots: list[str], text: str) -> list[tuple[int, int]]:
    pattern = path_regex(roots)
    assert pattern is not None
    return [(m.start(m.lastindex or 0), m.end()) for m in pattern.finditer(text)]


def test_paths_are_searched_from_the_slash_ending_their_root_where_that_finds_the_same() -> None:
    assert path_regex(["devops/", "data/api/"]).pattern.startswith("/")  # type: ignore[union-attr]
    # "b/" ends at the inner slash of "ab/cd/", after its start: a search from the slash would
    # take "b/" in "ab/cd/", so these roots keep the alternation.
    assert not path_regex(["ab/cd/", "b/"]).pattern.startswith("/")  # type: ignore[union-attr]
    assert found_paths(["ab/cd/", "b/"], "ab/cd/x") == [(0, 7)]
    assert not path_regex(["data/", "x y/"]).pattern.startswith("/")  # type: ignore[union-attr]


ROOTS = st.lists(st.text("ab/.", min_size=1, max_size=5).map(lambda r: r + "/"), min_size=1)


@given(ROOTS, st.data())
def test_either_path_search_finds_what_the_alternation_finds(
    roots: list[str], data: st.DataObject
) -> None:
    # Texts of roots, roots less their first character, and what may stand around them.
    pieces = st.sampled_from([*roots, *(r[1:] for r in roots), "a", "b", "/", ".", " ", "\n"])
    text = "".join(data.draw(st.lists(pieces, max_size=12)))
    assert found_paths(roots, text) == alternation_paths(roots, text)


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
        # CommonMark: a closing fence has nothing after it but spaces and tabs
        ("```\nx\n```python\ny\n```\n", [(0, 21)]),
        ("~~~\nx\n~~~ ~\ny\n~~~ \t\n", [(0, 19)]),
        ("```sh\nx\n```  \ny\n", [(0, 13)]),
        # CommonMark: a backtick fence's info string has no backtick (this is a code span)
        ("``` `x` ```\ny\n```\nz\n```\n", [(14, 23)]),
        ("~~~ `x`\ny\n~~~\n", [(0, 13)]),
    ],
)
def test_fences(text: str, spans: list[tuple[int, int]]) -> None:
    assert Document(text).fences == spans


def test_a_fence_line_with_an_info_string_does_not_close_a_block(know: Knowledge) -> None:
    """Inside a block, "```sh" starts no new block: the line after it is code (judged alone),
    not prose whose next line says the workflow is retired."""
    text = "```\nold notes\n```sh\nspot-poller.yml\nis retired.\n```\n"
    found = lint_text(text, know, frozenset(RULES))
    assert [(f.rule, f.literal, f.line) for f in found] == [
        ("retired-component", "spot-poller.yml", 4)
    ]


@pytest.mark.parametrize(
    ("between", "found"),
    [
        ("``` `x` ```\n", []),  # a code span: one paragraph, which says it is retired
        ("```\n", [("retired-component", 1)]),  # a fence: the sentence ends before it
    ],
)
def test_only_a_fence_line_ends_a_paragraph(
    know: Knowledge, between: str, found: list[tuple[str, int]]
) -> None:
    text = f"The spot-poller.yml workflow\n{between}is retired.\n```\n"
    assert [(f.rule, f.line) for f in lint_text(text, know, frozenset(RULES))] == found


def test_a_remembered_answer_is_computed_once_per_literal(know: Knowledge) -> None:
    ctx = Context(Document(""), know)
    asked: list[str] = []

    def answer(literal: str) -> int:
        asked.append(literal)
        return len(literal)

    assert [remembered(ctx, "length", w, answer) for w in ("ab", "abc", "ab")] == [2, 3, 2]
    assert remembered(ctx, "other question", "ab", answer) == 2
    assert asked == ["ab", "abc", "ab"]


@pytest.mark.parametrize("order", ["ascending", "descending", "back and forth"])
def test_positions_are_counted_lines_and_columns(order: str) -> None:
    """In order, each position counts on from the one before; out of order, from line starts."""
    text = "ab\n\nc\u00e9 d\n\nlast"
    doc = Document(text)
    offsets = list(range(len(text) + 1))
    if order == "descending":
        offsets.reverse()
    elif order == "back and forth":
        offsets = [o for pair in zip(offsets, reversed(offsets), strict=True) for o in pair]
    for offset in offsets:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        assert doc.position(offset) == (line, column)


class _Scanned(str):
    """Text that tallies how many characters its searches went over (count, find, rfind):
    the work done in C, which neither a timer-free test nor a line count would see."""

    scanned = 0

    def count(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        begin, stop, _ = slice(start, end).indices(len(self))
        _Scanned.scanned += max(0, stop - begin)
        return super().count(sub, start, end)

    def find(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        begin, stop, _ = slice(start, end).indices(len(self))
        found = super().find(sub, start, end)
        _Scanned.scanned += max(0, (stop if found == -1 else found) - begin)
        return found

    def rfind(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        begin, stop, _ = slice(start, end).indices(len(self))
        found = super().rfind(sub, start, end)
        _Scanned.scanned += max(0, stop - (begin if found == -1 else found))
        return found


def _scanned(text: str, work: Callable[[Document], object]) -> tuple[int, object]:
    """How many characters ``work`` had the document's text searched, and its result."""
    _Scanned.scanned = 0
    result = work(Document(_Scanned(text)))
    return _Scanned.scanned, result


def test_positions_take_no_scan_of_the_text_each() -> None:
    """40,000 positions near the end of a 2 MB text, asked for backwards: a count of newlines
    per position read 80 GB of text; looking up the line starts reads the text once."""
    text = "x = 1\n" * 350_000
    end = len(text)
    scanned, found = _scanned(text, lambda doc: [doc.position(end - i) for i in range(1, 40_001)])
    assert isinstance(found, list)
    assert found[0] == (350_000, 6)
    assert found[-1] == (350_000 - 40_000 // 6, 6 - 40_000 % 6 + 1)
    assert scanned <= 2 * len(text)


def test_a_long_line_of_stars_is_scanned_for_crons_once(know: Knowledge) -> None:
    """A one-line table of 2 MB with 600,000 stars: a look back to the line start per star
    read the line again for each."""
    text = "| * | 5 * * * * |" * 120_000
    scanned, tokens = _scanned(text, lambda doc: list(doc.tokens(know.scanner)))
    assert isinstance(tokens, list)
    crons = [t for t in tokens if t.kind == "cron"]
    assert len(crons) == 120_000
    assert crons[1] == ("cron", 23, 32, "5 * * * *")
    assert scanned <= 2 * len(text)


def test_a_host_address_written_as_a_32_is_the_address(know: Knowledge) -> None:
    text = "allow 192.168.1.81/32, 10.0.0.0/8, 10.1.2.3/24 and 10.1.2.4/32/x"
    assert kinds(know, text) == [("ip", "192.168.1.81"), ("ip", "10.1.2.4")]
