"""Formatting a page section by section gives the bytes of formatting it whole; the formatter
itself does not depend on the machine."""

from __future__ import annotations

import importlib.metadata

from generator.markdown import in_code_fence
from generator.normalise import by_section, normalise
from generator.provenance import heading_ids
from tests.conftest import REPO


def test_the_fact_index_formats_the_same_by_section() -> None:
    page = (REPO / "docs" / "facts-index.md").read_text("utf-8")
    # Undo the formatting a little, so that formatting has work to do in every section.
    rough = page.replace("| --- |", "|---|").replace("\n\n## ", "\n\n\n## ")
    assert rough.count("\n## ") > 5
    assert by_section(rough, normalise) == normalise(rough)


def test_a_heading_in_fenced_code_does_not_split() -> None:
    calls: list[str] = []

    def record(part: str) -> str:
        calls.append(part)
        return part

    text = "# Top\n\n```md\n## not a section\n```\n\n## Real\n\ntext\n"
    by_section(text, record)
    assert calls == ["# Top\n\n```md\n## not a section\n```\n\n", "## Real\n\ntext\n"]
    assert by_section(text, normalise) == normalise(text)


def test_a_longer_fence_stays_open_over_a_shorter_one_inside_it() -> None:
    text = "# T\n\n````text\n```\n## not a heading\n```\n````\n\n## Real\n\ntext\n"
    assert by_section(text, normalise) == normalise(text)
    ids = heading_ids(normalise(text))
    assert [ident for _, ident in ids] == ["t", "real"]


def test_fences_open_and_close_as_commonmark_says() -> None:
    lines = [
        "~~~",  # opens
        "```",  # another character: still code
        "~~~ info",  # text after the fence: does not close
        "~~~~",  # as long or longer, same character: closes
        "``` not `code`",  # a backtick in the info string: not a fence at all
        "text",
    ]
    assert list(in_code_fence(lines)) == [True, True, True, True, False, False]


def test_one_installed_plugin_formats_tables() -> None:
    # mdformat keeps one parser extension per name; with two distributions registering
    # "tables", the one it keeps depends on the order the machine lists them in.
    providers = [
        entry.dist.name if entry.dist else entry.value
        for entry in importlib.metadata.entry_points(group="mdformat.parser_extension")
        if entry.name == "tables"
    ]
    assert providers == ["mdformat-gfm"]
