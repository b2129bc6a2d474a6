"""A fast scan of a Markdown file for candidate literals, with lazy lines, sentences, blocks."""

# Code spans and fenced code are scanned like prose (commands in code are a main place of drift);
# managed blocks (<!-- BEGIN GENERATED: name --> ... <!-- END GENERATED: name -->) are skipped,
# since `check` covers them.

from __future__ import annotations

import bisect
import operator
import re
import sys
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import NamedTuple

from generator.blocks import marked_spans
from generator.lint.tables import port_cells
from generator.markdown import code_spans

_FIELD = r"(?:\\?\*|\d)(?:\\?\*|[\d/,-])*"
_CRON = re.compile(rf"(?<![\w*/,.\\-]){_FIELD}(?:[ \t]+{_FIELD}){{4}}(?![\w*/,.-]|[ \t]+\\?[\d*])")
# Each finder starts with a literal, so that the regex engine skips ahead at memchr speed;
# what comes before the literal is checked in Python, on the few hits.
_IP = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d{1,5})?(?!\w|\.\d)")
_PREFIX_LENGTH = re.compile(r"/\d{1,2}(?![\w/]|\.\d)")  # CIDR: 10.0.0.0/8
# "port N", "on N" and "docker CMD" in one pass: all three start with "o" and cannot overlap.
# N is no address's first number: "on 192.168.1.81" would hide the address from the rules.
_PORT_ON_DOCKER = re.compile(
    r"o(?:rt[ \t]*(?:[:=]|is\b)?[ \t]*\d{2,5}\b(?!\.\d)|n[ \t]+\d{3,5}\b(?!\.\d)"
    r"|cker[ \t]+(?:exec|compose|run|logs|start|stop|restart|rm|attach|kill|cp)\b)"
)
# ":N" right after a word (tinyproxy:8889), "(N)" after one (tinyproxy (8889)); the rules
# judge them only right beside a service name.
_NAME_PORT = re.compile(r":\d{2,5}\b(?![.:])")
_PAREN_PORT = re.compile(r"\(\d{2,5}\)")
# A schedule in words, searched in the lower-cased text: "every 15 minutes", "every hour".
_OF_EVERY = re.compile(r"\b(?:of|in)[ \t]+$", re.IGNORECASE)
CADENCE = re.compile(r"every[ \t]+(?:(\d{1,4})[ \t]*)?(minutes?|mins?|hours?|hrs?)\b")
PORT_NUMBER = re.compile(r"\d+(?=\)?$)")  # the number of any port literal above
_IGNORE = re.compile(r"<!--\s*drift:\s*ignore\s+([\w,*-]+)[^\n]*?-->")
_DRIFT_COMMENT = re.compile(r"<!--\s*drift:([^\n]*?)-->")  # any, well-formed or not
# A fence opens a line, after at most 3 whitespace characters (as str.strip() counts them);
# group 2 is the rest of its line (a closing fence has nothing there but spaces and tabs).
# Led by the newline before the line: a literal, so that the search skips ahead fast.
_FENCE_LINE = re.compile(r"\n[^\S\n]{0,3}(```+|~~~+)([^\n]*)")
_BLOCK_START = re.compile(r"[ \t]{0,3}(?:[-*+][ \t]|\d+[.)][ \t]|>|#|\|)")
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)  # unclosed: to the end of the text
_NOT_NEWLINE = re.compile(r"[^\n]")
_SPACE = re.compile(r"\s*")  # what str.strip() strips


def _opens(mark: str, rest: str) -> bool:
    """Whether a fence line opens a block. A backtick fence's info string holds no backtick:
    "``` `x` ```" is a code span."""
    return mark[0] != "`" or "`" not in rest


def _closes(opening: str, mark: str, rest: str) -> bool:
    """Whether a fence line closes the block ``opening`` opened, as CommonMark closes one: the
    same character, as many times or more, and nothing after ("```python" inside a ``` block
    is a line of its code)."""
    return mark[0] == opening[0] and len(mark) >= len(opening) and not rest.strip(" \t")


def fence_spans(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks, from the start of the opening line to the end of the closing one
    (a block never closed runs to the end of the text)."""
    if "```" not in text and "~~~" not in text:
        return []
    spans = []
    opened: tuple[int, str] | None = None  # where the open block starts, and its mark
    # Searched with a newline put before the text, so that its first line is led by one too:
    # a match starts at its line's start in the text, and ends one after its line's end.
    for line in _FENCE_LINE.finditer("\n" + text):
        mark, rest = line.groups()
        if opened is None:
            if _opens(mark, rest):
                opened = (line.start(), mark)
        elif _closes(opened[1], mark, rest):
            spans.append((opened[0], line.end() - 1))
            opened = None
    if opened is not None:
        spans.append((opened[0], len(text)))
    return spans


def blank_comments(text: str) -> str:
    """``text`` with each HTML comment blanked to spaces (newlines kept): the same offsets."""
    if "<!--" not in text:
        return text
    return _COMMENT.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)


class Token(NamedTuple):
    # ip, path, cron, port ("port N", "on N", ":N" after a word, "(N)", or a number in a
    # table's Port column), docker, name or cadence ("every 15 minutes")
    kind: str
    start: int
    end: int
    text: str


_Trie = dict[str, "_Trie"]


def trie_pattern(words: Iterable[str], gap: str = r"[-\s]+") -> str:
    """A regex matching any of ``words`` (longest first), factored as a trie for speed.

    A space in a word matches ``gap``: by default any run of whitespace and hyphens.
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [
            (gap if char == " " else re.escape(char)) + emit(child)
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


def _word_before(text: str, at: int) -> bool:
    if at <= 0:
        return False
    char = text[at - 1]
    return char.isalnum() or char in "_-"  # [\w-]: \w is isalnum() or "_" for str patterns


_PATH_CHAR = r"[\w.*<>{}/-]"


def path_regex(roots: Iterable[str]) -> re.Pattern[str] | None:
    """Paths under any of ``roots``: a root, then path characters; the root is the last group
    that matched, so a path starts at ``m.start(m.lastindex)``.

    The regex starts at the root's final slash, a character rare in prose, and checks the root
    behind it: a search led by a literal skips ahead fast, where an alternation of roots stops
    at every letter a root starts with. Both find the same paths when every root ends with a
    slash and is made of path characters (so a path swallows a root inside it), and no root
    ends at a slash inside another one after that one's start (the leftmost root would start
    first but end later); roots that fail this keep the alternation.
    """
    listed = sorted(set(roots), key=lambda r: (-len(r), r))  # the longest root at an offset
    if not listed:
        return None
    if not _slash_led(listed):
        alternatives = "|".join(re.escape(r) for r in listed)
        return re.compile(rf"({alternatives}){_PATH_CHAR}*")
    behind = "|".join(f"(?<=({re.escape(r)}))" for r in listed)
    return re.compile(rf"/(?:{behind}){_PATH_CHAR}*")


def _slash_led(roots: list[str]) -> bool:
    """Whether a search from each root's final slash finds what the alternation finds."""
    if not all(r.endswith("/") and re.fullmatch(f"{_PATH_CHAR}+", r) for r in roots):
        return False
    heads = {r[: i + 1] for r in roots for i, char in enumerate(r[:-1]) if char == "/"}
    return not any(head.endswith(r) and head != r for head in heads for r in roots)


_GAP_IN_LINE = r"[-\t ]+"
_START = operator.attrgetter("start")
_NO_END = sys.maxsize  # sorts after any (start, end) with the same start


class Scanner:
    """Finds every candidate literal of a text: one literal-led regex per kind, no backtracking
    over plain prose. Overlaps keep the earlier literal (an IP before a path before a name)."""

    def __init__(self, names: Iterable[str], path_roots: Iterable[str]) -> None:
        self.path = path_regex(path_roots)
        groups: dict[str, list[str]] = {}
        for name in sorted(set(names)):
            groups.setdefault(name.split(" ", 1)[0], []).append(name)
        # One regex per first word: each starts with a literal, and names sharing it share it.
        # A name's words stay on one line, so that a literal (and its place) is within a line.
        self.names = [
            re.compile(trie_pattern(group, _GAP_IN_LINE)) for _, group in sorted(groups.items())
        ]
        self.names_folded = [re.compile(p.pattern, re.IGNORECASE) for p in self.names]

    def tokens(self, text: str) -> list[Token]:
        """Candidate literals in order; at one offset the kinds rank ip, path, cron, port,
        docker, name (the passes below run in that order and the sort is stable)."""
        found: list[Token] = []
        add = found.append
        for m in _IP.finditer(text):
            dot, end = m.span()
            start = dot
            while start > dot - 3 and start > 0 and text[start - 1].isdigit():
                start -= 1
            before = text[start - 1 : start]
            address = start < dot and before not in (".", "_") and not _word_before(text, start)
            # A network (192.168.1.0/24) is no host address, and facts describe no networks;
            # a /32 is one host, its address (the token stops before the prefix length).
            if address:
                prefix = _PREFIX_LENGTH.match(text, end)
                if prefix is None or prefix.group() == "/32":
                    add(Token("ip", start, end, text[start:end]))
        if self.path is not None:
            for m in self.path.finditer(text):
                start, end = m.start(m.lastindex or 0), m.end()
                if not (_word_before(text, start) or text[start - 1 : start] == "."):
                    add(Token("path", start, end, text[start:end]))
        star = text.find("*")
        while star >= 0:  # each line holding a star, once: the next star after its end
            line_start = text.rfind("\n", 0, star) + 1
            line_end = text.find("\n", star)
            for c in _CRON.finditer(text, line_start, len(text) if line_end < 0 else line_end):
                add(Token("cron", c.start(), c.end(), c.group()))
            star = -1 if line_end < 0 else text.find("*", line_end)
        for m in _PORT_ON_DOCKER.finditer(text):
            start = m.start()
            second = text[start + 1]
            if second == "n":
                if not _word_before(text, start):
                    add(Token("port", start, m.end(), m.group()))
                continue
            # "port" and "docker" begin one letter before the match
            first, kind = ("Pp", "port") if second == "r" else ("Dd", "docker")
            start -= 1
            if start >= 0 and text[start] in first and not _word_before(text, start):
                add(Token(kind, start, m.end(), text[start : m.end()]))
        for m in _NAME_PORT.finditer(text):
            if text[m.start() - 1 : m.start()].isalnum():
                add(Token("port", m.start(), m.end(), m.group()))
        for m in _PAREN_PORT.finditer(text):
            add(Token("port", m.start(), m.end(), m.group()))
        if "|" in text:
            for start, end in port_cells(text):
                add(Token("port", start, end, text[start:end]))
        lower = text.lower()
        if len(lower) == len(text):  # lower() keeps offsets for all but a few letters
            for pattern in self.names:
                self._names(text, pattern.finditer(lower), add)
            cadences = CADENCE.finditer(lower)
        else:
            for pattern in self.names_folded:
                self._names(text, pattern.finditer(text), add)
            cadences = re.finditer(CADENCE.pattern, text, re.IGNORECASE)
        for m in cadences:
            # "at minute 5 of every hour" tells when within the period, not the period.
            start = m.start()
            if not _word_before(text, start) and not _OF_EVERY.search(
                text[max(0, start - 8) : start]
            ):
                add(Token("cadence", start, m.end(), text[start : m.end()]))
        found.sort(key=_START)
        kept: list[Token] = []
        reach = 0
        for token in found:
            if token.start >= reach:
                kept.append(token)
                reach = token.end
        return kept

    @staticmethod
    def _names(text: str, matches: Iterable[re.Match[str]], add: Callable[[Token], None]) -> None:
        for m in matches:
            start, end = m.span()
            if not (_word_before(text, start) or (end < len(text) and _word_before(text, end + 1))):
                add(Token("name", start, end, text[start:end]))


class Document:
    """A file's text with positions, blocks and sentences computed only when a rule asks."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Counts the questions asked about more than one line (blocks, sentences, fences),
        # so that a caller can tell whether an answer depended only on a line.
        self.reach = 0
        self._last_line = (1, 0)  # the span ``line_span`` found last (none yet)
        # The offset, line and line start ``position`` gave last; None once asked out of order.
        self._last_position: tuple[int, int, int] | None = (0, 1, 0)
        # What the questions below found, per line, block or sentence (by its offsets).
        self._blocks: dict[int, tuple[int, int]] = {}
        self._lines: dict[int, str] = {}
        self._block_texts: dict[tuple[int, int], str] = {}
        self._surroundings: dict[int, tuple[int, str, bool]] = {}
        self._paragraph_starts: dict[int, int] = {}
        self._paragraph_ends: dict[int, int] = {}
        self._block_stops: dict[tuple[int, int], list[int]] = {}
        self._sentences: dict[tuple[int, int], str] = {}
        self._prose_texts: dict[tuple[int, int], str] = {}
        self._code_spans: dict[int, list[tuple[int, int]]] = {}  # per line start
        self._line_stops: dict[int, list[int]] = {}  # sentence ends on a line, per line start

    def tokens(self, scanner: Scanner) -> list[Token]:
        found = scanner.tokens(self.text)
        skipped = self.skipped
        if not skipped:
            return found
        starts = [a for a, _ in skipped]  # in order, none overlapping: as marked_spans finds them

        def outside(at: int) -> bool:
            i = bisect.bisect_right(starts, at) - 1
            return i < 0 or at >= skipped[i][1]

        return [t for t in found if outside(t.start)]

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
        """1-based line and column of ``offset``.

        Findings come mostly in order, a few per file: each counts the newlines since the one
        before, so that the text is read once, and no list of line starts is built unless an
        offset comes before the last one asked about.
        """
        last = self._last_position
        if last is not None and offset >= last[0]:
            after, line, start = last
            newlines = self.text.count("\n", after, offset)
            if newlines:
                line += newlines
                start = self.text.rfind("\n", after, offset) + 1
            self._last_position = (offset, line, start)
            return line, offset - start + 1
        self._last_position = None
        line = bisect.bisect_right(self.line_starts, offset)  # the lines starting at or before
        return line, offset - self.line_starts[line - 1] + 1

    def line_span(self, offset: int) -> tuple[int, int]:
        """Start and end (its newline, or the end of the text) of the line holding ``offset``."""
        start, end = self._last_line
        if start <= offset <= end:  # literals come in order: mostly the line asked about last
            return start, end
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        span = self._last_line = (start, len(self.text) if end == -1 else end)
        return span

    def line(self, offset: int) -> str:
        start, end = self.line_span(offset)
        return self.text[start:end]

    @cached_property
    def skipped(self) -> list[tuple[int, int]]:
        """Managed blocks, found as `check` and `sync` find them (markers in code do not count)."""
        if "GENERATED:" not in self.text:
            return []
        return marked_spans(self.text)

    @cached_property
    def fences(self) -> list[tuple[int, int]]:
        """Fenced code blocks, fence lines included."""
        return fence_spans(self.text)

    def fence_at(self, offset: int) -> tuple[int, int] | None:
        self.reach += 1
        return self._fence_holding(offset)

    def _fence_holding(self, offset: int) -> tuple[int, int] | None:
        spans = self.fences  # in order, none overlapping: the last one starting at or before
        at = bisect.bisect_right(spans, (offset, _NO_END)) - 1
        if at >= 0 and offset < spans[at][1]:
            return spans[at]
        return None

    def block(self, offset: int) -> tuple[int, int]:
        """The fenced block or paragraph holding ``offset`` (a table row or heading alone)."""
        self.reach += 1
        line_start, _ = self.line_span(offset)
        found = self._blocks.get(line_start)
        if found is None:
            found = self._blocks[line_start] = self._block(offset)
        return found

    def clause(self, offset: int) -> tuple[int, int]:
        """Where the part of ``offset``'s sentence on its line starts and ends, as the line alone
        tells: between the sentence ends on it (one in a comment too, so it may be less than
        that part, never more). No look past the line; the ends are found once per line."""
        start, end = self.line_span(offset)
        stops = self._line_stops.get(start)
        if stops is None:
            stops = self._line_stops[start] = [
                m.end() for m in _SENTENCE_END.finditer(self.text, start, end)
            ]
        after = bisect.bisect_right(stops, offset)
        return (stops[after - 1] if after else start), (stops[after] if after < len(stops) else end)

    def line_at(self, offset: int) -> tuple[int, str]:
        """Start and text of the line holding ``offset``; one string per line, however many
        literals it holds (callers may keep it)."""
        start, end = self.line_span(offset)
        found = self._lines.get(start)
        if found is None:
            found = self._lines[start] = self.text[start:end]
        return start, found

    def surroundings(self, offset: int) -> tuple[int, str, bool]:
        """Start and text of the block holding ``offset``, and whether it is fenced code:
        everything a rule may look at beyond the line (see ``reach``). One string per block."""
        line_start, _ = self.line_span(offset)
        found = self._surroundings.get(line_start)
        if found is None:
            start, end = self.block(offset)
            text = self._block_texts.get((start, end))
            if text is None:
                text = self._block_texts[start, end] = self.text[start:end]
            found = (start, text, self.fence_at(offset) is not None)
            self._surroundings[line_start] = found
        return found

    def _block(self, offset: int) -> tuple[int, int]:
        fence = self.fence_at(offset)
        if fence:
            return fence
        start, end = self.line_span(offset)
        line = self.text[start:end]
        if line.lstrip().startswith(("|", "#")):
            return start, end
        return self._paragraph_start(start), self._paragraph_end(end)

    # A paragraph's ends are walked to line by line; each walk stops where one made before
    # stopped (or passed), so that a paragraph of many lines holding literals is walked once.

    def _paragraph_start(self, start: int) -> int:
        """Where the paragraph holding the line at ``start`` begins."""
        text, known = self.text, self._paragraph_starts
        if start <= 1 or text[start - 2] == "\n":
            return start  # the first line, or one after an empty line: most paragraphs
        walked = []
        while start > 0 and not _BLOCK_START.match(text, start):
            previous, end = self.line_span(start - 1)
            line = text[previous:end]
            if (
                not line.strip()
                or line.lstrip().startswith(("|", "#"))
                or self._fence_holding(previous)  # a closing fence, not any line led by ```
            ):
                break
            walked.append(start)
            start = previous
            if start in known:  # a walk from there went on to the start
                start = known[start]
                break
        for line_start in walked:
            known[line_start] = start
        return start

    def _paragraph_end(self, end: int) -> int:
        """Where the paragraph holding the line ending at ``end`` ends."""
        text, known = self.text, self._paragraph_ends
        if end + 1 >= len(text) or text[end + 1] == "\n":
            return end  # the last line, or one before an empty line: most paragraphs
        walked = []
        while end < len(text):
            following, following_end = self.line_span(end + 1)
            line = text[following:following_end]
            if (
                not line.strip()
                or _BLOCK_START.match(line)
                or self._fence_holding(following)  # an opening fence, not any line led by ```
            ):
                break
            walked.append(end)
            end = following_end
            if end in known:  # a walk from there went on to the end
                end = known[end]
                break
        for line_end in walked:
            known[line_end] = end
        return end

    def sentence_span(self, offset: int) -> tuple[int, int]:
        """Where the sentence holding ``offset`` starts and ends (see ``sentence``)."""
        if self.fence_at(offset):
            return self.line_span(offset)
        start, end = self.block(offset)
        stops = self._stops(start, end)
        after = bisect.bisect_right(stops, offset)  # the sentences that end at or before it
        return (stops[after - 1] if after else start), (stops[after] if after < len(stops) else end)

    def sentence(self, offset: int) -> str:
        """The sentence holding ``offset``; in code a line, in a table its row.

        HTML comments are blanked (a ``<!-- drift: ignore retired-value -->`` is no word of the
        sentence): within the block, so that the answer depends on the block's text alone.
        One string per sentence, however many literals it holds.
        """
        start, end = span = self.sentence_span(offset)
        found = self._sentences.get(span)
        if found is None:
            if self.fence_at(offset):
                found = blank_comments(self.text[start:end])
            elif self.has_comments:
                first, last = self.block(offset)
                found = self._prose(first, last)[start - first : end - first]
            else:
                found = self.text[start:end]
            self._sentences[span] = found
        return found

    def _stops(self, start: int, end: int) -> list[int]:
        """Where the sentences of the block ``start:end`` end, found once per block: a long
        table row holds many literals."""
        found = self._block_stops.get((start, end))
        if found is None:
            if self.has_comments:
                found = [start + m.end() for m in _SENTENCE_END.finditer(self._prose(start, end))]
            else:
                found = [m.end() for m in _SENTENCE_END.finditer(self.text, start, end)]
            self._block_stops[start, end] = found
        return found

    @cached_property
    def has_comments(self) -> bool:
        return "<!--" in self.text

    def _prose(self, start: int, end: int) -> str:
        """The block ``start:end`` with its comments blanked, once per block."""
        found = self._prose_texts.get((start, end))
        if found is None:
            found = self._prose_texts[start, end] = blank_comments(self.text[start:end])
        return found

    @cached_property
    def ignores(self) -> dict[int, frozenset[str]]:
        """Line number -> rules an inline ``<!-- drift: ignore RULE reason -->`` silences."""
        if "drift:" not in self.text:
            return {}
        found: dict[int, frozenset[str]] = {}
        for comment in _IGNORE.finditer(self.text):
            at, after = comment.span()
            if self.in_code(at):  # an example of the comment, not one
                continue
            line, _ = self.position(at)
            start, end = self.line_span(at)
            # Only space around it (read up to the comment, not the whole line, however many
            # comments the line holds).
            if (
                after <= end
                and _SPACE.fullmatch(self.text, start, at)
                and _SPACE.fullmatch(self.text, after, end)
            ):
                # Alone on its line: it applies to the next line that has text.
                while line < len(self.line_starts):
                    start = self.line_starts[line]
                    line += 1
                    if self.line(start).strip():
                        break
            rules = frozenset(comment.group(1).split(","))
            found[line] = found.get(line, frozenset()) | rules
        return found

    def drift_comments(self) -> list[tuple[int, str]]:
        """Every ``<!-- drift: ... -->`` comment outside code, as the offset of the text after
        ``drift:`` and that text."""
        if "drift:" not in self.text:
            return []
        return [
            (comment.start(1), comment.group(1))
            for comment in _DRIFT_COMMENT.finditer(self.text)
            if not self.in_code(comment.start())
        ]

    def in_code(self, at: int) -> bool:
        """Whether offset ``at`` is in a fenced block or a code span (asked of drift comments)."""
        if self.fence_at(at) is not None:
            return True
        start, end = self.line_span(at)
        spans = self._code_spans.get(start)
        if spans is None:
            spans = self._code_spans[start] = code_spans(self.text[start:end])
        # The last span opening at or before the column (spans are in order and apart).
        before = bisect.bisect_right(spans, (at - start, sys.maxsize))
        return bool(before) and at - start < spans[before - 1][1]

    def ignored(self, line: int, rule: str) -> bool:
        rules = self.ignores.get(line, frozenset())
        return rule in rules or "all" in rules or "*" in rules


def port_reach(token: str) -> int | None:
    """How far before a port literal the service it belongs to may end: "on N", ":N" and
    "(N)" only beside it ("tinyproxy runs on 8888", "tinyproxy:8888", "tinyproxy (8888)");
    "port N" and a table's Port column anywhere on the line (None)."""
    if token.startswith("on"):
        return 40
    if token.startswith(":"):
        return 0
    if token.startswith("("):
        return 1
    return None
