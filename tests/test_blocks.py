"""The marker engine: blocks are found, replaced and added without touching any other byte."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.blocks import HostFile, block_text, body_hash, parse
from generator.errors import MarkerError

BODY = "Spot prices come from the Fly.io cron.\n\n- three feeds\n"


def pasted(name: str, body: str = BODY, newline: str = "\n") -> str:
    return block_text(name, body, newline)


def host(text: str) -> HostFile:
    return parse(text.encode("utf-8"), "CLAUDE.md")


def test_begin_marker_names_the_block_says_how_to_change_it_and_records_a_hash() -> None:
    digest = body_hash("x\n")
    assert pasted("api", "x\n") == (
        f"<!-- BEGIN GENERATED: api (edit facts.yaml, then make render) hash={digest} -->"
        "\nx\n<!-- END GENERATED: api -->"
    )
    assert len(digest) == 8
    assert digest == "73cb3858"  # the first 8 hex digits of sha256("x\\n")


def test_replacing_a_block_keeps_prose_before_between_and_after() -> None:
    before = "# Title\n\nIntro prose.\n\n"
    between = "\nMiddle prose, café ☕.\n\n"
    after = "\nClosing prose.\n"
    text = before + pasted("a", "old a\n") + between + pasted("b", "old b\n") + after
    updated = host(text).with_block("a", "new a\n").with_block("b", BODY)
    assert updated.text == before + pasted("a", "new a\n") + between + pasted("b") + after
    assert updated.blocks["b"].body == BODY
    assert not updated.blocks["a"].hand_edited


def test_crlf_file_stays_crlf_inside_the_new_block_too() -> None:
    text = "Intro\r\n\r\n" + pasted("a", "old\n", "\r\n") + "\r\nAfter\r\n"
    updated = host(text).with_block("a", BODY).encode()
    assert updated == ("Intro\r\n\r\n" + pasted("a", BODY, "\r\n") + "\r\nAfter\r\n").encode()
    assert b"\n" not in updated.replace(b"\r\n", b"")


def test_missing_final_newline_stays_missing() -> None:
    text = "Intro\n\n" + pasted("a", "old\n")
    assert host(text).with_block("a", BODY).text == "Intro\n\n" + pasted("a")


def test_bom_and_non_ascii_survive() -> None:
    data = "\ufeff# Überblick — naïve ✓\n\n".encode() + pasted("a", "old\n").encode() + b"\n"
    parsed = parse(data, "CLAUDE.md")
    assert parsed.bom
    out = parsed.with_block("a", BODY).encode()
    assert out == "\ufeff# Überblick — naïve ✓\n\n".encode() + pasted("a").encode() + b"\n"


def test_first_line_block_keeps_the_bom() -> None:
    data = ("\ufeff" + pasted("a", "old\n") + "\n").encode()
    out = parse(data, "x.md").with_block("a", BODY).encode()
    assert out == ("\ufeff" + pasted("a") + "\n").encode()


def test_markers_in_code_are_text() -> None:
    text = (
        "```markdown\n"
        "<!-- BEGIN GENERATED: shown (edit facts.yaml, then make render) -->\n"
        "```\n\n"
        "Write `<!-- END GENERATED: shown -->` to close a block.\n\n"
        "    <!-- END GENERATED: indented -->\n\n"
        "~~~\n<!-- END GENERATED: tilde -->\n~~~\n"
    )
    assert host(text).blocks == {}


def test_hand_edit_is_told_apart_from_a_fresh_block() -> None:
    text = "Intro\n" + pasted("a") + "\n"
    assert not host(text).blocks["a"].hand_edited
    edited = text.replace("three feeds", "four feeds")
    assert host(edited).blocks["a"].hand_edited
    # Line endings are not an edit: the hash is of the LF text.
    assert not host(text.replace("\n", "\r\n")).blocks["a"].hand_edited


def test_a_pasted_marker_pair_without_hash_is_empty_and_not_hand_edited() -> None:
    text = "<!-- BEGIN GENERATED: a -->\n<!-- END GENERATED: a -->\n"
    block = host(text).blocks["a"]
    assert block.recorded_hash is None
    assert not block.hand_edited


def indented(text: str, indent: str = "  ") -> str:
    """``text`` with ``indent`` before every line but the blank ones, as a list item holds it."""
    return "".join(indent + line if line.strip() else line for line in text.splitlines(True))


def test_an_indented_block_keeps_its_list_item() -> None:
    text = "- Rules:\n" + indented(pasted("a")) + "\n- next item\n"
    found = host(text).blocks["a"]
    assert (found.indent, found.body) == ("  ", BODY)
    assert not found.hand_edited  # the hash is of the text without its indent
    updated = host(text).with_block("a", "new\n\n- list\n")
    assert (
        updated.text == "- Rules:\n" + indented(pasted("a", "new\n\n- list\n")) + "\n- next item\n"
    )
    assert "\n\n" in updated.text and "\n  \n" not in updated.text  # blank lines stay empty
    assert not updated.blocks["a"].hand_edited
    assert updated.with_block("a", "new\n\n- list\n") == updated  # idempotent


def test_an_indented_block_edited_by_hand_is_hand_edited() -> None:
    text = "- Rules:\n" + indented(pasted("a")) + "\n"
    assert host(text.replace("three feeds", "four feeds")).blocks["a"].hand_edited


@pytest.mark.parametrize(
    "case",
    [
        ("END marker at column 1", "  <!-- END GENERATED", "<!-- END GENERATED"),
        ("END marker deeper", "  <!-- END GENERATED", "    <!-- END GENERATED"),
        ("a line without the indent", "  - three feeds", "- three feeds"),
        ("a line less indented", "  Spot prices", " Spot prices"),
    ],
)
def test_lines_that_lost_the_block_indent_are_a_hand_edit(case: tuple[str, str, str]) -> None:
    _, old, new = case
    text = "- Rules:\n" + indented(pasted("a")) + "\n"
    edited = host(text.replace(old, new))
    assert edited.blocks["a"].hand_edited
    assert not edited.blocks["a"].holds(BODY)
    assert edited.with_block("a", BODY).text == text  # --force puts the indent back


def test_blank_lines_may_carry_the_indent_too() -> None:
    text = "- Rules:\n" + indented(pasted("a")).replace("\n\n", "\n  \n") + "\n"
    assert not host(text).blocks["a"].hand_edited


def test_crlf_indented_block_stays_crlf_and_indented() -> None:
    text = "1. Rules:\r\n" + indented(pasted("a", "old\n", "\r\n"), "   ") + "\r\nAfter\r\n"
    updated = host(text).with_block("a", BODY).encode()
    expected = "1. Rules:\r\n" + indented(pasted("a", BODY, "\r\n"), "   ") + "\r\nAfter\r\n"
    assert updated == expected.encode()
    assert not parse(updated, "CLAUDE.md").blocks["a"].hand_edited


@pytest.mark.parametrize(
    ("lead", "indent"),
    [("- a\n  - b\n", "    "), ("- a\n", "\t"), ("", "   "), ("Intro\n\n", " ")],
)
def test_any_indent_commonmark_reads_as_the_markers_own_line_is_kept(
    lead: str, indent: str
) -> None:
    text = lead + indented(pasted("a", "old\n"), indent) + "\n"
    updated = host(text).with_block("a", BODY)
    assert updated.text == lead + indented(pasted("a"), indent) + "\n"
    assert updated.blocks["a"].indent == indent


def test_a_marker_indented_into_the_text_above_is_an_error() -> None:
    # Four spaces deeper than the text continue its paragraph; after a blank line the block's
    # lines, kept that deep, would be indented code that hides the END marker.
    for lead, indent in (("Intro\n", "    "), ("- a\n", "      "), ("<details>\n", "  ")):
        text = lead + indented(pasted("a"), indent) + "\n"
        line = lead.count("\n") + 1
        with pytest.raises(MarkerError) as caught:
            host(text)
        assert caught.value.format().splitlines()[0] == (
            f"CLAUDE.md:{line}:{len(indent) + 1}: error: indented BEGIN marker of block 'a'"
            " continues the text above it, so the block's indented lines could read as code"
        )
        assert len(caught.value.diagnostics) == 1  # not also "not closed": its END is code


def test_a_block_added_after_an_indented_block_shares_its_indent() -> None:
    text = "- Rules:\n" + indented(pasted("a")) + "\n  More of the item.\n"
    added = host(text).with_added_block("b", "b body\n", after="a")
    assert added.text == (
        "- Rules:\n"
        + indented(pasted("a") + "\n\n" + pasted("b", "b body\n") + "\n\n")
        + "  More of the item.\n"
    )
    assert added.blocks["b"].indent == "  "


def test_add_after_anchor_heading() -> None:
    text = "# Repo\n\n## API infrastructure\nHand text.\n\n## Other\n"
    added = host(text).with_added_block("a", BODY, "## API infrastructure")
    assert added.text == (
        "# Repo\n\n## API infrastructure\n\n" + pasted("a") + "\n\nHand text.\n\n## Other\n"
    )


def test_add_at_end_when_anchor_absent_and_no_final_newline() -> None:
    added = host("# Repo\r\nText").with_added_block("a", BODY, "## Missing heading")
    assert added.encode() == ("# Repo\r\nText\r\n\r\n" + pasted("a", BODY, "\r\n")).encode()
    with_newline = host("# Repo\n").with_added_block("a", BODY)
    assert with_newline.text == "# Repo\n\n" + pasted("a") + "\n"


def test_anchor_inside_code_is_not_a_heading() -> None:
    text = "```\n## API\n```\n"
    assert host(text).heading_line("## API") is None
    assert host("## API ##\n").heading_line("## API") == 0


MALFORMED = {
    "unclosed": (
        "a\n<!-- BEGIN GENERATED: x -->\nbody\n",
        "CLAUDE.md:2:1: error: block 'x' is not closed: no END marker after it",
    ),
    "duplicated": (
        "<!-- BEGIN GENERATED: x -->\n<!-- END GENERATED: x -->\n"
        "text\n<!-- BEGIN GENERATED: x -->\n<!-- END GENERATED: x -->\n",
        "CLAUDE.md:4:1: error: block 'x' appears more than once (first at line 1)",
    ),
    "nested": (
        "<!-- BEGIN GENERATED: x -->\n<!-- BEGIN GENERATED: y -->\n"
        "<!-- END GENERATED: y -->\n<!-- END GENERATED: x -->\n",
        "CLAUDE.md:2:1: error: block 'y' begins inside block 'x' (opened at line 1);"
        " blocks cannot nest",
    ),
    "inverted": (
        "text\n<!-- END GENERATED: x -->\nbody\n<!-- BEGIN GENERATED: x -->\n",
        "CLAUDE.md:2:1: error: END marker of block 'x' comes before its BEGIN marker (line 4)",
    ),
    "misnamed": (
        "<!-- BEGIN GENERATED: x -->\nbody\n<!-- END GENERATED: z -->\n",
        "CLAUDE.md:3:1: error: END marker names 'z' but the open block is 'x' (opened at line 1)",
    ),
    "stray end": (
        "<!-- END GENERATED: x -->\n",
        "CLAUDE.md:1:1: error: END marker of block 'x' has no BEGIN marker",
    ),
    "not alone on its line": (
        "see <!-- BEGIN GENERATED: x --> here\n<!-- END GENERATED: x -->\n",
        "CLAUDE.md:1:5: error: malformed marker: see <!-- BEGIN GENERATED: x --> here",
    ),
    "no name": (
        "<!-- BEGIN GENERATED -->\n",
        "CLAUDE.md:1:1: error: malformed marker: <!-- BEGIN GENERATED -->",
    ),
    "short hash": (
        "<!-- BEGIN GENERATED: x hash=abc -->\n<!-- END GENERATED: x -->\n",
        "CLAUDE.md:1:1: error: malformed marker: hash=abc is not 8 hex digits",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_markers_name_file_and_line(case: str) -> None:
    text, first_line = MALFORMED[case]
    with pytest.raises(MarkerError) as caught:
        host(text)
    assert caught.value.format().splitlines()[0] == first_line
    assert "hint: " in caught.value.format()


def test_not_utf8_is_a_marker_error() -> None:
    with pytest.raises(MarkerError, match=r"CLAUDE.md:2:4: error: not UTF-8 text"):
        parse(b"# Notes\ncaf\xe9\n", "CLAUDE.md")
    # The column counts characters, as an editor shows them, not bytes.
    with pytest.raises(MarkerError, match=r"CLAUDE.md:1:14: error: not UTF-8 text"):
        parse("# Tïtlé — ok ".encode() + b"\xff bad\n", "CLAUDE.md")


# Surrounding text: any characters and line endings, plus pieces that look like markers or code.
_PIECES = st.sampled_from(
    ["\n", "\r\n", "\r", "<!-- note -->", "`<!-- END GENERATED: a -->`", "```", "    ", "# "]
)
_PROSE = st.lists(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | _PIECES, max_size=60
).map("".join)
# A rendered body: any text except what would open a code block or a comment around a marker.
_BODY = (
    st.lists(
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n")
        ),
        max_size=5,
    )
    .map("\n".join)
    .filter(lambda body: not any(bad in body for bad in ("```", "~~~", "<!--", "-->")))
)


# Where a block stands: what comes before it, and the indent of its lines.
_PLACES = st.sampled_from(
    [
        ("", ""),
        ("", " "),
        ("", "   "),
        ("- Rules:\n", "  "),
        ("1. Rules:\n", "   "),
        ("- a\n  - b\n", "    "),
        ("- Rules:\n", "\t"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    before=_PROSE,
    after=_PROSE,
    body=_BODY,
    newline=st.sampled_from(["\n", "\r\n"]),
    place=_PLACES,
)
def test_inject_then_extract_round_trips(
    before: str, after: str, body: str, newline: str, place: tuple[str, str]
) -> None:
    lead, indent = place
    before = before + newline + newline + lead.replace("\n", newline)  # a line of its own
    after = newline + after
    original = before + block_text("a", "placeholder\n", newline, indent) + after
    try:
        parsed = host(original)
    except MarkerError:
        parsed = None  # prose that is itself malformed is covered by the cases above
    # Prose may open a code block around the markers, which then are text.
    assume(parsed is not None and "a" in parsed.blocks)
    assert parsed is not None
    assert not parsed.blocks["a"].hand_edited
    injected = parsed.with_block("a", body)
    again = parse(injected.encode(), "CLAUDE.md")
    expected = body.replace("\r\n", "\n").strip("\n")
    assert again.blocks["a"].body == (expected + "\n" if expected else "")
    assert not again.blocks["a"].hand_edited
    # Everything outside the block is byte-identical; the block uses the host's line ending
    # and the indent of its BEGIN marker.
    assert injected.encode() == (before + block_text("a", body, newline, indent) + after).encode()
    assert again.with_block("a", body).encode() == injected.encode()  # idempotent


def test_whole_file_notice_hashes_everything_but_itself() -> None:
    from generator.blocks import file_hand_edited, protected_file

    text = protected_file("repos/files/x.md.j2", "---\nname: x\n---\n\n# X\n\nBody.\n")
    assert text.startswith("---\nname: x\n---\n<!-- generated from facts.yaml by python -m")
    assert not file_hand_edited(text.encode())
    assert not file_hand_edited(text.replace("\n", "\r\n").encode())  # line endings are no edit
    assert not file_hand_edited(("\ufeff" + text).encode())  # nor is a byte-order mark
    assert file_hand_edited(text.replace("Body.", "Body!").encode())
    assert file_hand_edited(text.replace("name: x", "name: y").encode())  # front matter counts
    assert file_hand_edited(b"# A hand-written file without the notice\n")
