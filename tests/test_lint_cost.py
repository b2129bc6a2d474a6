"""The work a lint does grows with the text, however many literals share a line or paragraph.

Counted, not timed: the Python lines run and the sentence text handed to the rules (which read
each sentence with a few regexes, in C, where a count of Python lines does not see it). Each
literal of a one-line table used to re-read its whole row, so a 200 KB row took two minutes.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES
from generator.lint.scanner import Document

# Every kind of literal, and the rules that look past it: at its sentence (former and retired
# values), at the names on its line (ports, addresses, crons), at the docker command's
# arguments, at the paragraph's cd before a deploy.
CELLS = [
    "192.168.1.48:8889",
    "192.168.1.81",
    "10.0.0.7:80",
    "tinyproxy port 8888",
    "docker exec firecrawl-docker-retail-poller-1 node x.js",
    "docker run app_spot_poller_1",
    "spot-poller.yml",
    "`devops/retail-poller/run.sh`",
    "dashboard.js on 3010",
    "cd StakTrakr/devops/x && fly deploy",
    "5,20,35,50 * * * *",
    "Docker spot-poller container",
    "Home VM",
]
SHAPES: dict[str, Callable[[int], str]] = {
    "table row": lambda n: "| " + " | ".join(CELLS * n) + " |\n",
    "line of code": lambda n: "```sh\n" + " ; ".join(CELLS * n) + "\n```\n",
    "paragraph of many lines": lambda n: "Cells:\n" + "\n".join(CELLS * n) + "\n",
    "row with comments": lambda n: "| " + " <!-- drift: ignore x --> | ".join(CELLS * n) + " |\n",
}


def work(
    know: Knowledge, text: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, Counter[tuple[str, str]]]:
    """Python lines run and sentence characters handed out while ``text`` is linted, and
    what was found."""
    read = 0
    sentence = Document.sentence

    def counted(doc: Document, offset: int) -> str:
        nonlocal read
        found = sentence(doc, offset)
        read += len(found)
        return found

    lines = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal lines
        lines += event == "line"
        return trace

    lint_text("warm up: 192.168.1.81", know, frozenset(RULES))  # caches of the first run
    with monkeypatch.context() as patch:
        patch.setattr(Document, "sentence", counted)
        tracing = sys.gettrace()  # a coverage tool's or a debugger's, if any
        sys.settrace(trace)
        try:
            found = lint_text(text, know, frozenset(RULES))
        finally:
            sys.settrace(tracing)
    return lines, read, Counter((f.rule, f.literal) for f in found)


@pytest.mark.parametrize("shape", SHAPES)
def test_twice_the_literals_in_one_line_or_paragraph_is_twice_the_work(
    know: Knowledge, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """80 and 160 copies of the cells (25 to 100 KB): for twice the text the old code ran 3.2
    to 3.9 times the lines and handed out 4 times the sentence text; 2 is linear."""
    lines, read, found = work(know, SHAPES[shape](80), monkeypatch)
    lines_2, read_2, found_2 = work(know, SHAPES[shape](160), monkeypatch)
    # The row's comments ("ignore x") name no rule: one finding each, and a join has one
    # comment fewer than cells.
    bad = ("ignore-comment", "x")
    assert (found.pop(bad, 0), found_2.pop(bad, 0)) in {
        (0, 0),
        (80 * len(CELLS) - 1, 160 * len(CELLS) - 1),
    }
    assert found_2 == Counter({key: 2 * count for key, count in found.items()})
    assert ("retired-value", "192.168.1.81") in found
    assert lines_2 < 2.4 * lines
    assert read_2 < 2.4 * read
