"""The one wrapper around mdformat, with pinned extensions and options."""

from __future__ import annotations

import mdformat

EXTENSIONS = frozenset({"gfm", "tables", "frontmatter", "mkdocs"})
# Compact tables: a changed value rewrites its own row only, not the padding of every row.
OPTIONS = {"wrap": "keep", "number": False, "end_of_line": "lf", "compact_tables": True}


def normalise(markdown: str) -> str:
    """Markdown in its one canonical form; ``normalise(normalise(x)) == normalise(x)``."""
    return str(mdformat.text(markdown, extensions=EXTENSIONS, options=OPTIONS))
