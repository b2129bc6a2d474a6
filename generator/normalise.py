"""The one wrapper around mdformat, with pinned extensions and options, and its cache."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path

from generator.cache import read_checked, write_checked
from generator.markdown import in_code_fence

EXTENSIONS = frozenset({"gfm", "tables", "frontmatter", "mkdocs"})
# Compact tables: a changed value rewrites its own row only, not the padding of every row.
OPTIONS = {"wrap": "keep", "number": False, "end_of_line": "lf", "compact_tables": True}


def normalise(markdown: str) -> str:
    """Markdown in its one canonical form; ``normalise(normalise(x)) == normalise(x)``."""
    import mdformat  # imported here: a run served from the cache never needs it

    return str(mdformat.text(markdown, extensions=EXTENSIONS, options=OPTIONS))


def by_section(markdown: str, format_part: Callable[[str], str]) -> str:
    """Format each ``## `` section on its own and join them with one blank line.

    For a long page of independent sections (the fact index): with a cached formatter, a
    changed fact re-formats only its own section. mdformat separates blocks by one blank line,
    so this gives the bytes of formatting the whole page, as long as nothing spans sections
    (a reference-style link defined in another section, say); headings inside fenced code do
    not split.
    """
    parts: list[list[str]] = [[]]
    lines = markdown.splitlines(keepends=True)
    for line, in_code in zip(lines, in_code_fence(lines), strict=True):
        if not in_code and line.startswith("## ") and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    return "\n".join(format_part("".join(part)) for part in parts)


class CachedNormaliser:
    """``normalise`` behind a content-addressed cache: mdformat is most of a render's time.

    An entry is keyed by the exact input and the installed library versions (``salt``), and
    carries the hash of its text, so a damaged entry is recomputed rather than trusted.
    """

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = f"{salt}\0{sorted(EXTENSIONS)}\0{sorted(OPTIONS.items())}\0".encode()

    def __call__(self, markdown: str) -> str:
        key = hashlib.sha256(self.salt + markdown.encode()).hexdigest()
        path = self.folder / key[:2] / key
        body = read_checked(path)
        if body is not None:
            with contextlib.suppress(UnicodeDecodeError):
                return body.decode("utf-8")
        result = normalise(markdown)
        # Best effort: a check runs without the lock, and a cache it cannot write costs time only.
        with contextlib.suppress(OSError):
            write_checked(path, result.encode("utf-8"))
        return result
