"""Ports as runbooks write them: in a table's Port column, as name:port, as "port is N"."""

from __future__ import annotations

from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES
from generator.lint.tables import port_cells


def found(know: Knowledge, text: str) -> list[tuple[int, str, str | None]]:
    return [(f.line, f.literal, f.suggestion) for f in lint_text(text, know, frozenset(RULES))]


TABLE = """\
| Service | Host | Port |
| :-- | --- | --: |
| tinyproxy | Home VM | 8888 |
| dashboard.js | Home VM | `3011` |
| tinyproxy | Home VM | 8889 |
"""


def test_a_wrong_port_in_a_port_column_is_a_contradiction(know: Knowledge) -> None:
    assert found(know, TABLE) == [(3, "8888", "8889"), (4, "3011", "3010")]


def test_only_the_port_column_counts(know: Knowledge) -> None:
    text = "| Service | Replicas | Listen ports |\n|---|---|---|\n| tinyproxy | 8888 | 8889 |\n"
    assert found(know, text) == []


def test_a_table_without_a_port_column_states_no_port(know: Knowledge) -> None:
    text = "| Service | Since |\n| --- | --- |\n| tinyproxy | 2024 |\n"
    assert found(know, text) == []


def test_cells_are_split_at_unescaped_pipes_and_the_table_ends_at_a_plain_line() -> None:
    text = "Service | Port\n---|---\na \\| b | 81\n| tinyproxy | 82 |\n\nAfter | 83\n| x | 84 |\n"
    numbers = [text[start:end] for start, end in port_cells(text)]
    assert numbers == ["81", "82"]


def test_name_colon_port_counts_only_right_after_a_service(know: Knowledge) -> None:
    assert found(know, "Proxy at `tinyproxy:8886`.\n") == [(1, "8886", "8889")]
    assert found(know, "Proxy at `tinyproxy:8889`.\n") == []
    # A file's line number, and a time of day, are no ports.
    assert found(know, "See dashboard.js:120 for the handler.\n") == []
    assert found(know, "At 12:30 tinyproxy restarts.\n") == []


def test_port_is_n_is_read_like_port_n(know: Knowledge) -> None:
    assert found(know, "The tinyproxy port is 8882.\n") == [(1, "8882", "8889")]


def test_a_port_in_brackets_counts_only_right_after_a_service(know: Knowledge) -> None:
    assert found(know, "Then tinyproxy (8884) takes the traffic.\n") == [(1, "8884", "8889")]
    assert found(know, "Then tinyproxy (8889) takes the traffic.\n") == []
    assert found(know, "The 2026 build (2026) of tinyproxy is fine.\n") == []
