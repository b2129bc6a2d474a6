"""A Python-Markdown extension for the wiki: escapes read as CommonMark and GFM read them.

Fact values are escaped for CommonMark (see markdown.text), and mdformat writes a literal "<"
before a letter as "\\<". CommonMark reads that as "<"; Python-Markdown, which MkDocs uses,
knows no such escape: it would show the backslash, then read the rest as an HTML tag. And GFM
splits a table row before it reads code spans, so a pipe in a cell's code is written "\\|" and
shown as "|"; Python-Markdown shows the backslash. Listed in mkdocs.yml's markdown_extensions.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

# Python-Markdown's own escapes run at 180; these must match first.
PRIORITY = 185
# After the inline patterns (20), which make the code elements.
CELL_CODE_PRIORITY = 15
_ENTITIES = {"<": "&lt;", "&": "&amp;"}


class _EntityEscape(InlineProcessor):
    """``\\<`` and ``\\&`` as the entity of the character, stashed as raw HTML: so the page, and
    the table of contents built from a heading, show the character and never a tag."""

    # The stubs give InlineProcessor the one-argument signature of Pattern, which it replaces.
    def handleMatch(  # type: ignore[override]  # noqa: N802  # Python-Markdown's name
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        return self.md.htmlStash.store(_ENTITIES[m.group(1)]), m.start(0), m.end(0)


class _CellCodePipes(Treeprocessor):
    """``\\|`` in the code of a table cell as ``|``, as GFM shows it."""

    def run(self, root: Any) -> None:
        for cell in (*root.iter("td"), *root.iter("th")):
            for code in cell.iter("code"):
                if code.text and "\\|" in code.text:
                    code.text = AtomicString(code.text.replace("\\|", "|"))


class CommonMarkEscapes(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802  # Python-Markdown's name
        md.inlinePatterns.register(_EntityEscape(r"\\([<&])", md), "commonmark_escape", PRIORITY)
        md.treeprocessors.register(_CellCodePipes(md), "cell_code_pipes", CELL_CODE_PRIORITY)


def makeExtension(**kwargs: Any) -> CommonMarkEscapes:  # noqa: N802  # the name it looks for
    return CommonMarkEscapes(**kwargs)
