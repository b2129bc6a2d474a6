"""A Python-Markdown extension for the wiki: "\\<" and "\\&" escape as in CommonMark.

Fact values are escaped for CommonMark (see markdown.text), and mdformat writes a literal "<"
before a letter as "\\<". CommonMark reads that as "<"; Python-Markdown, which MkDocs uses,
knows no such escape: it would show the backslash, then read the rest as an HTML tag. Listed
in mkdocs.yml's markdown_extensions.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# Python-Markdown's own escapes run at 180; these must match first.
PRIORITY = 185
_ENTITIES = {"<": "&lt;", "&": "&amp;"}


class _EntityEscape(InlineProcessor):
    """``\\<`` and ``\\&`` as the entity of the character, stashed as raw HTML: so the page, and
    the table of contents built from a heading, show the character and never a tag."""

    # The stubs give InlineProcessor the one-argument signature of Pattern, which it replaces.
    def handleMatch(  # type: ignore[override]  # noqa: N802  # Python-Markdown's name
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        return self.md.htmlStash.store(_ENTITIES[m.group(1)]), m.start(0), m.end(0)


class CommonMarkEscapes(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802  # Python-Markdown's name
        md.inlinePatterns.register(_EntityEscape(r"\\([<&])", md), "commonmark_escape", PRIORITY)


def makeExtension(**kwargs: Any) -> CommonMarkEscapes:  # noqa: N802  # the name it looks for
    return CommonMarkEscapes(**kwargs)
