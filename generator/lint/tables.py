"""Port numbers stated in a Markdown table's "Port" column: a runbook's usual way to say them.

The scanner reads the rest of a row as one line, so a rule finds the service the row names the
way it finds one beside "port N" in prose.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

# A delimiter row's first cell (|---, | :--); the search skips ahead to each "|" fast.
_DELIMITER_CELL = re.compile(r"\|[ \t]*:?-")
_DELIMITER = re.compile(r":?-+:?")  # one delimiter cell, stripped
_PORT_HEADER = re.compile(r"(?i)\bports?\b")
_CELL_PORT = re.compile(r"[ \t]*`?(\d{2,5})`?[ \t]*")
_PIPE = re.compile(r"(?<!\\)\|")  # a cell boundary: \| is a pipe inside a cell


def port_cells(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each number alone in a cell under a header naming a port."""
    at = 0
    while (found := _DELIMITER_CELL.search(text, at)) is not None:
        start, end = _line(text, found.start())
        at = end + 1
        if start == 0 or not _is_delimiter_row(text[start:end]):
            continue
        header = _cells(text, *_line(text, start - 1))
        columns = {i for i, (s, e) in enumerate(header) if _PORT_HEADER.search(text, s, e)}
        if not columns:
            continue
        row_start = end + 1
        while row_start < len(text):
            row_end = _line(text, row_start)[1]
            if "|" not in text[row_start:row_end]:
                break  # a line without a cell ends the table
            for column, (s, e) in enumerate(_cells(text, row_start, row_end)):
                number = _CELL_PORT.fullmatch(text, s, e) if column in columns else None
                if number is not None:
                    yield number.span(1)
            row_start = row_end + 1
        at = row_start


def _is_delimiter_row(line: str) -> bool:
    """| --- | :-: |, the pipes at the ends optional. (Split, not one regex: nested runs of
    spaces in a single pattern backtrack for minutes on a long line of them.)"""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") else row
    return all(_DELIMITER.fullmatch(cell.strip()) for cell in row.split("|"))


def _line(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of a row's cells, without the pipes at its two ends."""
    bounds = [m.start() for m in _PIPE.finditer(text, start, end)]
    edges = [start - 1, *bounds, end]
    cells = [(a + 1, b) for a, b in itertools.pairwise(edges)]
    if bounds and not text[start : bounds[0]].strip():
        cells = cells[1:]  # "| a | b |": nothing before the first pipe
    if bounds and not text[bounds[-1] + 1 : end].strip():
        cells = cells[:-1]
    return cells
