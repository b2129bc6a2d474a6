"""A value a template writes with {{ }} is escaped for the place it lands in, and only there."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.markdown import code_spans, escape_values, hold
from generator.normalise import normalise
from generator.templating import make_environment, render_template

HOSTILE = "*a* __b__ [c](d) <e> f|g"


def _page(template: str, tmp_path: Path, **context: object) -> str:
    (tmp_path / "t.md.j2").write_text(template, "utf-8")
    return render_template(make_environment(tmp_path), "t.md.j2", context, tmp_path)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ v }}\n", "\\*a\\* \\_\\_b\\_\\_ \\[c\\](d) \\<e\\> f|g\n"),
        ("| {{ v }} | x |\n", "| \\*a\\* \\_\\_b\\_\\_ \\[c\\](d) \\<e\\> f\\|g | x |\n"),
        ("`{{ v }}`\n", f"`{HOSTILE}`\n"),
        ("| `{{ v }}` | x |\n", "| `*a* __b__ [c](d) <e> f\\|g` | x |\n"),
        ("``{{ v }}`` and `x`\n", f"``{HOSTILE}`` and `x`\n"),
        ("```sh\necho {{ v }}\n```\n", f"```sh\necho {HOSTILE}\n```\n"),
        ("---\ntitle: {{ v }}\n---\n", f"---\ntitle: {HOSTILE}\n---\n"),
        ('<a id="{{ v }}"></a>\n', '<a id="*a* __b__ [c](d) &lt;e&gt; f|g"></a>\n'),
    ],
    ids=[
        "prose",
        "table-row",
        "code-span",
        "code-span-in-row",
        "double-backtick-span",
        "fence",
        "front-matter",
        "html-attribute",
    ],
)
def test_a_value_is_escaped_for_where_it_lands(
    template: str, expected: str, tmp_path: Path
) -> None:
    assert _page(template, tmp_path, v=HOSTILE) == expected


def test_a_value_keeps_its_own_code_spans(tmp_path: Path) -> None:
    assert _page("{{ v }}\n", tmp_path, v="via the `goldback_g1` coin") == (
        "via the `goldback_g1` coin\n"
    )


def test_a_macro_writes_markdown_and_escapes_only_its_values(tmp_path: Path) -> None:
    template = (
        "{% macro row(x) %}{{ x }} | **bold**{% endmacro %}"
        "{% macro key() %}{{ 'home_vm' }}{% endmacro %}"
        "| {{ row(v) }} |\n{{ hosts[key()] }} {{ key() in ['home_vm'] }}\n"
    )
    page = _page(template, tmp_path, v="a_|_b", hosts={"home_vm": "found"})
    # The macro's own table syntax and emphasis stay; its value is escaped; used as data
    # (a key, a list member) its output is the plain text.
    assert page == "| a\\_\\|\\_b | **bold** |\nfound True\n"


def test_a_pipe_in_a_cells_code_keeps_the_row_and_shows_as_a_pipe(tmp_path: Path) -> None:
    page = normalise(_page("| a | b |\n| --- | --- |\n| `{{ v }}` | x |\n", tmp_path, v="p|q"))
    wiki = markdown.markdown(page, extensions=["tables", "generator.markdown_escapes"])
    assert "<td><code>p|q</code></td>\n<td>x</td>" in wiki
    # Outside a table a backslash in code is literal, as in CommonMark.
    prose = markdown.markdown("`p\\|q`", extensions=["tables", "generator.markdown_escapes"])
    assert prose == "<p><code>p\\|q</code></p>"


@pytest.mark.parametrize(
    "template", ["`{{ v }}`\n", "```sh\n{{ v }}\n```\n", "---\ntitle: {{ v }}\n---\n"]
)
def test_a_comment_in_a_value_is_broken_invisibly_where_entities_would_show(
    template: str, tmp_path: Path
) -> None:
    page = _page(template, tmp_path, v="a <!-- b --> c")
    assert "<!--" not in page and "-->" not in page and "&lt;" not in page
    assert "a <\u200b!-- b --\u200b> c" in page


def test_held_text_without_values_is_left_alone() -> None:
    assert escape_values("plain *text*\n") == "plain *text*\n"
    assert escape_values(hold("x_y") + "\n") == "x\\_y\n"


def _span_contents(line: str) -> list[str]:
    """What each code span of ``code_spans`` holds, trimmed as CommonMark trims it."""
    found = []
    for start, end in code_spans(line):
        width = len(line[start:end]) - len(line[start:end].lstrip("`"))
        content = line[start + width : end - width]
        if len(content) >= 2 and content[0] == content[-1] == " " and content.strip(" "):
            content = content[1:-1]
        found.append(content)
    return found


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="`\\a ", max_size=16))
def test_code_spans_are_the_ones_commonmark_reads(text: str) -> None:
    # Blocks, escaping and lint all judge "in code" by code_spans: a backslash escapes only the
    # first backtick of a run, and is literal inside code.
    line = "x" + text  # not an indented code block
    tokens = MarkdownIt("commonmark").parseInline(line)[0].children or []
    assert _span_contents(line) == [t.content for t in tokens if t.type == "code_inline"]


def test_a_backtick_run_closes_only_at_the_next_run_of_its_width() -> None:
    # Runs of widths 1..399, none matched until a last run of the widest width closes it.
    line = " ".join("`" * width for width in range(1, 400))
    assert code_spans(line) == []
    assert code_spans(line + " " + "`" * 399) == [(line.rindex("`" * 399), len(line) + 400)]
