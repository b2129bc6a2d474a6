"""Markdown building blocks for templates: escaping of inlined values, tables, code spans."""

from __future__ import annotations

import bisect
import html
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


class Block(str):
    """Markdown produced by a filter: already escaped, may span lines, inserted as is."""

    __slots__ = ()


class Fragment(Block):
    """A macro's output: Markdown whose values are held for escaping (see :func:`hold`).

    Used as data (compared, looked up), it is the text without the holds.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return strip_held(self) == (strip_held(other) if isinstance(other, str) else other)

    def __hash__(self) -> int:
        return hash(strip_held(self))


_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_BACKTICKS = re.compile(r"`+")


def code_spans(line: str) -> list[tuple[int, int]]:
    """Column ranges of inline code spans on one line, as CommonMark reads them: a backtick
    run opens one and the next run of the same length closes it. Outside code, a backslash
    escapes only the first backtick of a run; inside code, backslashes are literal."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", line)]
    # Per width, the indexes of the runs of that width: finding a closer is then a bisection,
    # so a line of many unmatched runs of different widths stays fast.
    by_width: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_width.setdefault(end - start, []).append(index)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        if escaped(line, start):
            start += 1
        close = None
        if start < end:
            same = by_width.get(end - start, [])
            after = bisect.bisect_right(same, index)
            close = same[after] if after < len(same) else None
        if close is None:
            index += 1
            continue
        spans.append((start, runs[close][1]))
        index = close + 1
    return spans


def escaped(line: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    start = at
    while start and line[start - 1] == "\\":
        start -= 1
    return (at - start) % 2 == 1


def split_front_matter(text: str) -> tuple[str, str]:
    """A page's YAML front matter with its two ``---`` lines, and the rest; ("", text) when it
    has none. Generated notices go right after it."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[: end + 5], text[end + 5 :]
    return "", text


def inline(value: Any) -> str:
    """A fact value on one line, unable to open or close a comment: what every context needs.

    A value cannot add a heading or list item (newlines fold to spaces) or smuggle in a
    managed-block marker (``<!--`` and ``-->`` are written as entities). Escaping for Markdown
    depends on where the value lands: see :func:`text` and :func:`escape_values`.
    """
    if isinstance(value, Block):
        return value
    return _no_comments(_one_line(str(value)))


def _one_line(value: str) -> str:
    value = strip_held(value)
    # isprintable() is False for every line break _NEWLINES knows: most values skip the regex.
    return value if value.isprintable() else _NEWLINES.sub(" ", value)


def _no_comments(value: str) -> str:
    return value.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _no_comments_in_code(value: str) -> str:
    """Where an entity would show as written (code, front matter), a zero-width space breaks
    a comment's opener or closer instead."""
    return value.replace("<!--", "<\u200b!--").replace("-->", "--\u200b>")


def text(value: Any) -> Block:
    """A value as literal prose: on one line, with Markdown and HTML escaped, so that
    ``__init__``, ``*``, ``[link](x)``, ``<script>`` or ``<!--`` read as written. Code spans
    in it (`` `x` ``) stay code: facts use them on purpose, and templates build text around
    :func:`code` spans. A fragment's held values (see :func:`hold`) are escaped the same way;
    its own text is Markdown already."""
    if isinstance(value, Block) and _OPEN not in value:
        return value
    raw = str(value)
    if _OPEN in raw:
        return Block(_HELD.sub(lambda held: _escape_prose(held.group(1)), raw))
    return Block(_escape_prose(_one_line(raw)))


def cell(value: Any) -> Block:
    """A value made safe for a table cell: :func:`text`, with pipes escaped."""
    if value is None or value == "":
        return Block("—")
    return Block(text(value).replace("|", "\\|"))


def code(value: Any) -> Block:
    """A code span that survives any backticks inside the value."""
    text = _NEWLINES.sub(" ", strip_held(str(value)))
    runs = [len(m) for m in _BACKTICKS.findall(text)] if "`" in text else []
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    # A comment opener inside a code span is still a comment opener to HTML-unaware tools.
    text = _no_comments_in_code(text)
    return Block(f"{fence}{pad}{text}{pad}{fence}")


# What could start Markdown or HTML in prose, escaped with a backslash: mdformat keeps the
# escapes a place needs and drops the rest ("&" mid-word, say). "\<" and "\&" are CommonMark
# escapes that Python-Markdown learns from generator.markdown_escapes.
_SPECIAL = re.compile(r"([\\*_\[\]<>&#!])")
# Python-Markdown's attribute lists ({: onclick=...}) end a block with "}": mdformat drops a
# backslash before it, but a zero-width space after it ends the block with something else.
_ATTR_LIST_END = re.compile(r"\}")


def _escape_prose(value: str) -> str:
    """``value`` as literal prose; code spans in it stay code."""
    parts, at = [], 0
    for start, end in code_spans(value):
        parts += [_escape_text(value[at:start]), value[start:end]]
        at = end
    parts.append(_escape_text(value[at:]))
    return "".join(parts)


def _escape_text(value: str) -> str:
    if "}" in value:
        value = _ATTR_LIST_END.sub("}\u200b", value)
    return _SPECIAL.sub(r"\\\1", value)


# A value a template writes with {{ }} is held between these (private use) characters until
# the page is rendered, then escaped for the place it landed in: only then is that known.
_OPEN, _CLOSE = "\ue000", "\ue001"
_HELD = re.compile(f"{_OPEN}([^{_CLOSE}]*){_CLOSE}")


def hold(value: Any) -> str:
    """A value written by ``{{ }}``, held for :func:`escape_values`. A Block (a filter's
    Markdown) and a fragment (a macro's output, whose values are held already) go as they are."""
    if isinstance(value, Block):
        return value
    raw = str(value)
    if _OPEN in raw:
        return raw
    return f"{_OPEN}{_one_line(raw)}{_CLOSE}"


def strip_held(value: str) -> str:
    """The text with each held value as it was: for a fragment used as data (a key, a name)."""
    return _HELD.sub(r"\1", value) if _OPEN in value else str.__str__(value)


def escape_values(rendered: str) -> str:
    """Each held value of a rendered page, escaped for where it stands: as is in front matter,
    fenced code and code spans (where Markdown is not read, and a backslash would show); as an
    attribute inside an HTML tag; as literal prose elsewhere, pipes escaped in table rows."""
    if _OPEN not in rendered:
        return rendered
    front, body = split_front_matter(rendered)
    lines = body.splitlines(keepends=True)
    fenced = in_code_fence(lines) if "```" in body or "~~~" in body else itertools.repeat(False)
    out = [_as_is(front)]
    for line, in_code in zip(lines, fenced, strict=False):
        if _OPEN not in line:
            out.append(line)
        else:
            out.append(_as_is(line) if in_code else _escape_line(line))
    return "".join(out)


def _as_is(text: str) -> str:
    """The held values of text where Markdown is not read: unescaped, but still unable to open
    or close a comment (a marker would be worse than a comment)."""
    return _HELD.sub(lambda held: _no_comments_in_code(held.group(1)), text)


def _escape_line(line: str) -> str:
    """One line's held values, escaped as the template's own text around them decides."""
    row = line.lstrip().startswith("|")  # a table row starts with the template's own pipe
    # The template's code spans: read with each held value blanked, whatever it holds.
    spans = code_spans(_HELD.sub(lambda held: " " * len(held.group()), line))
    parts, at, in_tag = [], 0, False
    for held in _HELD.finditer(line):
        before = line[at : held.start()]
        opened, closed = before.rfind("<"), before.rfind(">")
        if opened != closed:  # both -1 when the text between holds neither
            in_tag = opened > closed
        value = held.group(1)
        if any(start < held.start() < end for start, end in spans):
            escaped = _no_comments_in_code(value)  # in a code span the template wrote
            # GFM splits a row before it reads code spans: a pipe is escaped even there
            # (shown as a pipe; generator.markdown_escapes teaches Python-Markdown that).
            escaped = escaped.replace("|", "\\|") if row else escaped
        elif in_tag:
            escaped = html.escape(value)
        else:
            escaped = _escape_prose(value)
            escaped = escaped.replace("|", "\\|") if row else escaped
        parts += [before, escaped]
        at = held.end()
    parts.append(line[at:])
    return "".join(parts)


def table(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> Block:
    """A GFM table; cells are escaped unless they are Blocks (e.g. code spans or links)."""
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    for row in rows:
        cells = [c.replace("|", "\\|") if isinstance(c, Block) else cell(c) for c in row]
        if len(cells) != len(header):
            n = len(cells)
            raise ValueError(f"table row has {n} cell{'s' * (n != 1)}, header has {len(header)}")
        lines.append("| " + " | ".join(cells) + " |")
    return Block("\n".join(lines))


def bullet_list(items: Iterable[Any]) -> Block:
    return Block("\n".join(f"- {text(item)}" for item in items))


_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")


def in_code_fence(lines: Iterable[str]) -> Iterator[bool]:
    """Per line, whether it is part of a fenced code block, its fences included.

    As CommonMark has it: a fence closes only with the character that opened it, at least as
    many times, and nothing after; a backtick fence's info string holds no backtick. So a
    ```` fence around a ``` example stays open over it.
    """
    fence = ""
    for line in lines:
        found = _FENCE.match(line)
        if fence:
            marks, rest = found.groups() if found else ("", "x")
            if marks[:1] == fence[0] and len(marks) >= len(fence) and not rest.strip():
                fence = ""
            yield True
        elif found and not (found.group(1)[0] == "`" and "`" in found.group(2)):
            fence = found.group(1)
            yield True
        else:
            yield False
