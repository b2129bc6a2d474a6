"""Markdown building blocks for templates: escaping of inlined values, tables, code spans."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


class Block(str):
    """Markdown produced by a filter: already escaped, may span lines, inserted as is."""

    __slots__ = ()


_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_BACKTICKS = re.compile(r"`+")


def split_front_matter(text: str) -> tuple[str, str]:
    """A page's YAML front matter with its two ``---`` lines, and the rest; ("", text) when it
    has none. Generated notices go right after it."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[: end + 5], text[end + 5 :]
    return "", text


def inline(value: Any) -> str:
    """A fact value made safe for prose: one line, and unable to open or close a comment.

    A value cannot add a heading or list item (newlines fold to spaces) or smuggle in a
    managed-block marker (``<!--`` and ``-->`` are written as entities).
    """
    if isinstance(value, Block):
        return value
    text = _NEWLINES.sub(" ", str(value))
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def cell(value: Any) -> str:
    """A value made safe for a table cell: inline, with pipes escaped."""
    if value is None or value == "":
        return "—"
    return inline(value).replace("|", "\\|")


def code(value: Any) -> Block:
    """A code span that survives any backticks inside the value."""
    text = _NEWLINES.sub(" ", str(value))
    runs = [len(m) for m in _BACKTICKS.findall(text)] if "`" in text else []
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    # A comment opener inside a code span is still a comment opener to HTML-unaware tools.
    text = text.replace("<!--", "<\u200b!--").replace("-->", "--\u200b>")
    return Block(f"{fence}{pad}{text}{pad}{fence}")


def table(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> Block:
    """A GFM table; cells are escaped unless they are Blocks (e.g. code spans or links)."""
    lines = [
        "| " + " | ".join(cell(h) for h in header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    for row in rows:
        cells = [c.replace("|", "\\|") if isinstance(c, Block) else cell(c) for c in row]
        if len(cells) != len(header):
            raise ValueError(f"table row has {len(cells)} cells, header has {len(header)}")
        lines.append("| " + " | ".join(cells) + " |")
    return Block("\n".join(lines))


def bullet_list(items: Iterable[Any]) -> Block:
    return Block("\n".join(f"- {inline(item)}" for item in items))


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
