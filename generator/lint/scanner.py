"""One regex pass over a Markdown file: candidate literals, with lazy lines, sentences and blocks.

Code spans and fenced code are scanned like prose (commands in code are a main place of drift);
managed blocks (``<!-- BEGIN GENERATED: name -->`` ... ``<!-- END GENERATED: name -->``) are
skipped, since ``check`` covers them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

_FIELD = r"(?:\\?\*|\d)(?:\\?\*|[\d/,-])*"
_PATTERNS = {
    "ip": r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\d)",
    "cron": rf"(?<![\w*/,.\\-]){_FIELD}(?:[ \t]+{_FIELD}){{4}}(?![\w*/,.-]|[ \t]+\\?[\d*])",
    "port": r"\b(?:[Pp]ort[ \t]*[:=]?[ \t]*\d{2,5}|on[ \t]+\d{3,5}|localhost:\d{2,5})\b",
    "docker": r"\b[Dd]ocker[ \t]+(?:exec|compose|run|logs|start|stop|restart|rm|attach|kill|cp)\b",
}
_BEGIN = re.compile(r"<!--\s*BEGIN GENERATED:\s*([A-Za-z0-9][\w.-]*)")
_IGNORE = re.compile(r"<!--\s*drift:\s*ignore\s+([\w,*-]+)[^\n]*?-->")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_BLOCK_START = re.compile(r"[ \t]{0,3}(?:[-*+][ \t]|\d+[.)][ \t]|>|#|\|)")
_SENTENCE_END = re.compile(r"[.!?](?=\s)")


@dataclass(frozen=True)
class Token:
    kind: str  # ip, path, cron, port, docker or name
    start: int
    end: int
    text: str


_Trie = dict[str, "_Trie"]


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` (longest first), factored as a trie for speed.

    A space in a word matches any run of spaces and hyphens.
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [
            (r"[-\s]+" if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def words_regex(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word, ignoring case."""
    listed = sorted(set(words))
    if not listed:
        return re.compile(r"(?!x)x")
    return re.compile(rf"(?<![\w-])(?i:{trie_pattern(listed)})(?![\w-])")


def anchor_regex(names: Iterable[str], path_roots: Iterable[str]) -> re.Pattern[str]:
    """The one pattern each file is scanned with: every kind of literal a rule looks at."""
    parts = dict(_PATTERNS)
    roots = "|".join(re.escape(r) for r in path_roots)
    if roots:
        parts["path"] = rf"(?<![\w.-])(?:{roots})[\w.*<>{{}}/-]*"
    words = sorted(set(names))
    if words:
        parts["name"] = rf"(?<![\w-])(?i:{trie_pattern(words)})(?![\w-])"
    order = ("ip", "path", "cron", "port", "docker", "name")
    return re.compile("|".join(f"(?P<{k}>{parts[k]})" for k in order if k in parts))


class Document:
    """A file's text with positions, blocks and sentences computed only when a rule asks."""

    def __init__(self, text: str) -> None:
        self.text = text

    def tokens(self, pattern: re.Pattern[str]) -> Iterator[Token]:
        skipped = self.skipped
        for match in pattern.finditer(self.text):
            start = match.start()
            if skipped and any(a <= start < b for a, b in skipped):
                continue
            yield Token(match.lastgroup or "", start, match.end(), match.group())

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        find = self.text.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        return starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def line_span(self, offset: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return start, len(self.text) if end == -1 else end

    def line(self, offset: int) -> str:
        start, end = self.line_span(offset)
        return self.text[start:end]

    @cached_property
    def skipped(self) -> list[tuple[int, int]]:
        """Managed blocks: from a BEGIN marker to the END marker of the same name."""
        if "GENERATED:" not in self.text:
            return []
        spans = []
        for begin in _BEGIN.finditer(self.text):
            end = re.compile(rf"<!--\s*END GENERATED:\s*{re.escape(begin.group(1))}\s*-->")
            found = end.search(self.text, begin.end())
            if found:
                spans.append((begin.start(), found.end()))
        return spans

    @cached_property
    def fences(self) -> list[tuple[int, int]]:
        """Fenced code blocks, fence lines included."""
        spans = []
        opening: re.Match[str] | None = None
        for fence in _FENCE.finditer(self.text):
            if opening is None:
                opening = fence
            elif fence.group(1)[0] == opening.group(1)[0] and len(fence.group(1)) >= len(
                opening.group(1)
            ):
                spans.append((opening.start(), self.line_span(fence.start())[1]))
                opening = None
        if opening is not None:
            spans.append((opening.start(), len(self.text)))
        return spans

    def fence_at(self, offset: int) -> tuple[int, int] | None:
        for span in self.fences:
            if span[0] <= offset < span[1]:
                return span
        return None

    def block(self, offset: int) -> tuple[int, int]:
        """The fenced block or paragraph holding ``offset`` (a table row or heading alone)."""
        fence = self.fence_at(offset)
        if fence:
            return fence
        start, end = self.line_span(offset)
        line = self.text[start:end]
        if line.lstrip().startswith(("|", "#")):
            return start, end
        while start > 0 and not _BLOCK_START.match(self.text, start):
            previous = self.line_span(start - 1)
            text = self.text[previous[0] : previous[1]]
            if not text.strip() or text.lstrip().startswith(("|", "#", "```", "~~~")):
                break
            start = previous[0]
        while end < len(self.text):
            following = self.line_span(end + 1)
            text = self.text[following[0] : following[1]]
            if (
                not text.strip()
                or _BLOCK_START.match(text)
                or text.lstrip().startswith(("```", "~~~"))
            ):
                break
            end = following[1]
        return start, end

    def sentence(self, offset: int) -> str:
        """The sentence holding ``offset``; in code a line, in a table its row."""
        if self.fence_at(offset):
            return self.line(offset)
        start, end = self.block(offset)
        for stop in _SENTENCE_END.finditer(self.text, start, end):
            if stop.end() <= offset:
                start = stop.end()
            else:
                end = stop.end()
                break
        return self.text[start:end]

    @cached_property
    def ignores(self) -> dict[int, frozenset[str]]:
        """Line number -> rules an inline ``<!-- drift: ignore RULE reason -->`` silences."""
        if "drift:" not in self.text:
            return {}
        found: dict[int, frozenset[str]] = {}
        for comment in _IGNORE.finditer(self.text):
            line, _ = self.position(comment.start())
            if self.line(comment.start()).strip() == comment.group().strip():
                # Alone on its line: it applies to the next line that has text.
                while line < len(self.line_starts):
                    start = self.line_starts[line]
                    line += 1
                    if self.line(start).strip():
                        break
            rules = frozenset(comment.group(1).split(","))
            found[line] = found.get(line, frozenset()) | rules
        return found

    def ignored(self, line: int, rule: str) -> bool:
        rules = self.ignores.get(line, frozenset())
        return rule in rules or "all" in rules or "*" in rules
