"""Managed blocks in hand-written files: find, check and replace them, keeping every other byte."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt

from generator.errors import Diagnostic, MarkerError, decode_error_at
from generator.markdown import code_spans, escaped, split_front_matter
from generator.outputs import NOTICE_MARK

HOW_TO_CHANGE = "edit facts.yaml, then make render"
HASH_LENGTH = 8
BOM = "\ufeff"

# Anything that looks like the start of a marker; a candidate must then parse exactly.
_CANDIDATE = re.compile(r"<!--\s*(?:BEGIN|END)\s+GENERATED\b")
_NAME = r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
_BEGIN = re.compile(
    r"<!--\s*BEGIN GENERATED:\s*"
    + _NAME
    + r"(?:\s+\([^()]*\))?(?:\s+hash=(?P<hash>[0-9a-f]+))?\s*-->"
)
_END = re.compile(r"<!--\s*END GENERATED:\s*" + _NAME + r"\s*-->")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_HINT = (
    "a marker stands alone on its line: <!-- BEGIN GENERATED: NAME (...) hash=... --> "
    "or <!-- END GENERATED: NAME -->; to write one as text, put it in `code`"
)


_FILE_NOTICE = re.compile(
    re.escape(f"<!-- {NOTICE_MARK} (") + r"[^()]*\) hash=(?P<hash>[0-9a-f]{8}): [^\n]*-->"
)


def body_hash(body: str) -> str:
    """The short hash a BEGIN marker records of its body (LF line endings)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def normal_body(text: str) -> str:
    """Block body text as stored: LF endings, one final newline, or empty."""
    text = text.replace("\r\n", "\n").strip("\n")
    return f"{text}\n" if text else ""


def begin_marker(name: str, body: str) -> str:
    return f"<!-- BEGIN GENERATED: {name} ({HOW_TO_CHANGE}) hash={body_hash(body)} -->"


def end_marker(name: str) -> str:
    return f"<!-- END GENERATED: {name} -->"


def block_text(name: str, body: str, newline: str = "\n", indent: str = "") -> str:
    """The marker pair around ``body``, without a final newline: the lines to paste.

    ``indent`` starts every line but the blank ones, which stay empty: a block in a list item
    stays in it.
    """
    body = normal_body(body)
    inner = body[:-1].split("\n") if body else []
    lines = [begin_marker(name, body), *inner, end_marker(name)]
    return newline.join(indent + line if line else "" for line in lines)


@dataclass(frozen=True)
class Block:
    """One well-formed block found in a file; line numbers are 0-based indexes."""

    name: str
    begin: int
    end: int
    recorded_hash: str | None
    body: str  # normal_body of the lines between the markers, each without ``indent``
    indent: str = ""  # what comes before the BEGIN marker on its line
    # Whether the END marker and every non-blank line between carry ``indent``, as sync
    # writes them; one that does not was re-indented by hand.
    aligned: bool = True

    @property
    def hand_edited(self) -> bool:
        """The block is no longer as generated: its body does not match the recorded hash, or
        its lines lost the BEGIN marker's indent."""
        if not self.aligned:
            return True
        if self.recorded_hash is None:
            return bool(self.body.strip())
        return body_hash(self.body) != self.recorded_hash

    def holds(self, body: str) -> bool:
        """Whether the block already reads ``body`` (then only its hash may be out of date)."""
        return self.aligned and self.body == body


@dataclass(frozen=True)
class HostFile:
    """A hand-written text file split into lines that keep their own endings."""

    path: str  # as shown in messages
    bom: bool
    lines: tuple[str, ...]
    blocks: dict[str, Block]

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def encode(self) -> bytes:
        return ((BOM if self.bom else "") + self.text).encode("utf-8")

    @property
    def newline(self) -> str:
        """The file's usual line ending (see :func:`usual_newline`)."""
        return usual_newline(self.text)

    def segment(self, name: str) -> str:
        """The exact text of a block, markers included, as it is in the file."""
        block = self.blocks[name]
        return "".join(self.lines[block.begin : block.end + 1])

    def with_block(self, name: str, body: str) -> HostFile:
        """The file with block ``name`` holding ``body``; nothing outside the block changes."""
        block = self.blocks[name]
        first = self.lines[block.begin]
        newline = _ending(first) or self.newline
        last_ending = _ending(self.lines[block.end])
        new = _split(block_text(name, body, newline, block.indent) + last_ending)
        lines = self.lines[: block.begin] + new + self.lines[block.end + 1 :]
        return _reparsed(self, lines)

    def without_block(self, name: str) -> HostFile:
        """The file with block ``name`` cut out, its marker lines included; every other line,
        and so every byte outside the block, stays as it is."""
        block = self.blocks[name]
        return _reparsed(self, self.lines[: block.begin] + self.lines[block.end + 1 :])

    def with_added_block(
        self, name: str, body: str, anchor: str | None = None, after: str | None = None
    ) -> HostFile:
        """The file with a new block where :meth:`placement` puts it."""
        newline = self.newline
        at, indent, _ = self.placement(anchor, after)
        pasted = block_text(name, body, newline, indent)
        lines = list(self.lines)
        if at is not None and not _ending(lines[at]):
            lines[at] += newline  # the heading ended the file: the block now does
            lines.extend(_split(newline + pasted))
        elif at is not None:
            after = lines[at + 1] if at + 1 < len(lines) else ""
            gap = "" if not after.strip() else newline
            insert = _split(newline + pasted + newline + gap)
            lines[at + 1 : at + 1] = insert
        elif not lines:
            lines = list(_split(pasted + newline))
        else:
            gap = newline if lines[-1].strip() else ""
            final = _ending(lines[-1])
            if not final:
                lines[-1] += newline  # the new block then ends the file without a newline
            lines.extend(_split(gap + pasted + final))
        return _reparsed(self, tuple(lines))

    def placement(
        self, anchor: str | None = None, after: str | None = None
    ) -> tuple[int | None, str, str]:
        """Where a new block goes: the index of the line it follows (None: the end of the
        file), its indent, and the place in words. After block ``after`` when the file has it,
        with that block's indent (in its list item); else after heading ``anchor`` when present;
        else at the end."""
        if after in self.blocks:
            block = self.blocks[after]
            return block.end, block.indent, f"after block {after}"
        at = self.heading_line(anchor) if anchor else None
        if at is not None:
            return at, "", f"after the heading {anchor!r}"
        return None, "", "at the end"

    def code_start(self, index: int) -> int:
        """The first line of the code block that holds line ``index`` (``index`` itself when
        it is outside code), by the same CommonMark reading that hides markers in code."""
        code = _read(self.lines).code
        while index - 1 in code and index in code:
            index -= 1
        return index

    def heading_line(self, heading: str) -> int | None:
        """Index of the first heading line whose text equals ``heading`` (outside code)."""
        code = _read(self.lines).code
        wanted = heading.strip()
        for index, line in enumerate(self.lines):
            content = _content(line)
            if index in code or not _HEADING.match(content):
                continue
            if content.strip().rstrip("#").strip() == wanted.rstrip("#").strip():
                return index
        return None


def parse(data: bytes, path: str) -> HostFile:
    """Split ``data`` into lines and find its blocks; MarkerError lists every problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = decode_error_at(data, exc)
        raise MarkerError(
            Diagnostic(path, line, column, f"not UTF-8 text ({exc.reason})", "save it as UTF-8")
        ) from None
    bom = text.startswith(BOM)
    lines = _split(text[1:] if bom else text)
    return HostFile(path, bom, lines, _find_blocks(lines, path))


def may_hold_blocks(data: bytes) -> bool:
    """Whether ``data`` has anything like a marker; when not, :func:`parse` finds no block (a
    quick test that spares parsing Markdown)."""
    return b"GENERATED" in data  # every candidate holds it, whatever white space it has


def marked_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the managed blocks, each from its BEGIN marker to the end of its END.

    The markers are found as :func:`parse` finds them (never inside code), but nothing is
    judged: for readers that only step over the blocks, such as the drift linter.
    """
    lines = _split(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans: list[tuple[int, int]] = []
    opened: _Marker | None = None
    for marker in _markers(lines, "")[0]:
        if marker.kind == "BEGIN":
            opened = marker
        elif opened is not None and marker.name == opened.name:
            end = starts[marker.index] + len(_content(lines[marker.index]))
            spans.append((starts[opened.index], end))
            opened = None
    return spans


def _reparsed(host: HostFile, lines: tuple[str, ...]) -> HostFile:
    return replace(host, lines=lines, blocks=_find_blocks(lines, host.path))


def _split(text: str) -> tuple[str, ...]:
    """Lines with their endings; only LF ends a line (a CR before it belongs to the ending)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return tuple(lines)


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def _content(line: str) -> str:
    return line[: len(line) - len(_ending(line))]


@dataclass(frozen=True)
class _Reading:
    """How CommonMark reads a file's lines (as 0-based indexes)."""

    code: frozenset[int]  # inside fenced or indented code blocks
    html_starts: frozenset[int]  # first lines of HTML blocks: a marker line starts one


def _read(lines: tuple[str, ...]) -> _Reading:
    # A lone CR would count as a line break to the parser and shift every line after it.
    source = "\n".join(_content(line).replace("\r", " ") for line in lines)
    code: set[int] = set()
    html_starts: set[int] = set()
    for token in MarkdownIt("commonmark").parse(source):
        if token.type in ("fence", "code_block") and token.map:
            code.update(range(token.map[0], token.map[1]))
        elif token.type == "html_block" and token.map:
            html_starts.add(token.map[0])
    return _Reading(frozenset(code), frozenset(html_starts))


@dataclass(frozen=True)
class _Marker:
    kind: str  # "BEGIN" or "END"
    name: str
    index: int
    hash: str | None
    indent: str = ""  # what comes before its comment on the line

    @property
    def column(self) -> int:
        """1-based, where its comment starts."""
        return len(self.indent) + 1


def indent_of(line: str) -> int:
    """How many white-space characters come before the text of ``line``: a column less one."""
    return len(line) - len(line.lstrip())


def _markers(lines: tuple[str, ...], path: str) -> tuple[list[_Marker], list[Diagnostic]]:
    reading = _read(lines)
    code = reading.code
    markers: list[_Marker] = []
    problems: list[Diagnostic] = []
    for index, line in enumerate(lines):
        content = _content(line)
        if index in code or not _CANDIDATE.search(content):
            continue
        spans = code_spans(content)
        # Not a marker: in a code span, or "\<!--" (text: an escaped fact value, say).
        hits = [
            m
            for m in _CANDIDATE.finditer(content)
            if not any(a <= m.start() < b for a, b in spans) and not escaped(content, m.start())
        ]
        if not hits:
            continue
        stripped = content.strip()
        indent = content[: indent_of(content)]
        column = len(indent) + 1
        begin, end = _BEGIN.fullmatch(stripped), _END.fullmatch(stripped)
        if len(hits) == 1 and begin:
            recorded = begin.group("hash")
            if recorded is not None and len(recorded) != HASH_LENGTH:
                problems.append(
                    Diagnostic(
                        path,
                        index + 1,
                        column,
                        f"malformed marker: hash={recorded} is not {HASH_LENGTH} hex digits",
                        "copy the marker line again from the generator's output",
                    )
                )
                continue
            if indent and index not in reading.html_starts:
                problems.append(_buried(path, index, column, begin.group("name")))
            markers.append(_Marker("BEGIN", begin.group("name"), index, recorded, indent))
        elif len(hits) == 1 and end:
            markers.append(_Marker("END", end.group("name"), index, None, indent))
        else:
            problems.append(
                Diagnostic(
                    path, index + 1, hits[0].start() + 1, f"malformed marker: {stripped}", _HINT
                )
            )
    return markers, problems


def _buried(path: str, index: int, column: int, name: str) -> Diagnostic:
    """An indented BEGIN marker that CommonMark reads as part of the paragraph or HTML above it.

    sync keeps a block's indent on every line, and lines indented that deep after a blank one
    would read as code and hide the END marker: so the block is refused before it is written.
    """
    return Diagnostic(
        path,
        index + 1,
        column,
        f"indented BEGIN marker of block {name!r} continues the text above it, so the"
        " block's indented lines could read as code",
        "indent the markers as far as the text of their list item (or not at all),"
        " with a blank line before the BEGIN marker",
    )


def _outdented(lines: tuple[str, ...], indent: str) -> tuple[str, bool]:
    """The body between two markers without ``indent``, and whether every non-blank line
    carried it (a line that does not is kept whole)."""
    texts = [_content(line) for line in lines]
    aligned = all(text.startswith(indent) or not text for text in texts)
    return normal_body("".join(text.removeprefix(indent) + "\n" for text in texts)), aligned


def _find_blocks(lines: tuple[str, ...], path: str) -> dict[str, Block]:
    markers, problems = _markers(lines, path)
    blocks: dict[str, Block] = {}
    opened: _Marker | None = None

    def problem(marker: _Marker, message: str, hint: str) -> None:
        if any(known.line == marker.index + 1 for known in problems):
            return  # one error a marker: a buried BEGIN's hidden END follows from it
        problems.append(Diagnostic(path, marker.index + 1, marker.column, message, hint))

    for position, marker in enumerate(markers):
        if marker.kind == "BEGIN":
            if opened is not None:
                problem(
                    marker,
                    f"block {marker.name!r} begins inside block {opened.name!r}"
                    f" (opened at line {opened.index + 1}); blocks cannot nest",
                    f"end block {opened.name!r} before beginning another",
                )
                break
            opened = marker
            continue
        if opened is None:
            later = next(
                (m for m in markers[position:] if m.kind == "BEGIN" and m.name == marker.name),
                None,
            )
            if later is not None:
                problem(
                    marker,
                    f"END marker of block {marker.name!r} comes before its BEGIN marker"
                    f" (line {later.index + 1})",
                    "swap the two markers so BEGIN comes first",
                )
            else:
                problem(
                    marker,
                    f"END marker of block {marker.name!r} has no BEGIN marker",
                    "delete the stray END marker, or add its BEGIN marker above",
                )
            break
        if marker.name != opened.name:
            problem(
                marker,
                f"END marker names {marker.name!r} but the open block is {opened.name!r}"
                f" (opened at line {opened.index + 1})",
                "make the END marker name the same block as its BEGIN marker",
            )
            break
        if marker.name in blocks:
            first = blocks[marker.name].begin + 1
            problem(
                opened,
                f"block {marker.name!r} appears more than once (first at line {first})",
                "keep one copy of the block and delete the others",
            )
            break
        body, aligned = _outdented(lines[opened.index + 1 : marker.index], opened.indent)
        aligned = aligned and marker.indent == opened.indent
        blocks[marker.name] = Block(
            marker.name, opened.index, marker.index, opened.hash, body, opened.indent, aligned
        )
        opened = None
    else:
        if opened is not None:
            problem(
                opened,
                f"block {opened.name!r} is not closed: no END marker after it",
                f"add {end_marker(opened.name)} after the block, or delete the BEGIN marker",
            )
    if problems:
        raise MarkerError(problems)
    return blocks


def file_notice(template: str, digest: str) -> str:
    """The first comment of a whole generated file in a sibling repo, with its content hash."""
    return (
        f"<!-- {NOTICE_MARK} (templates/{template}) hash={digest}: do not edit;"
        " change facts.yaml, then run make render -->"
    )


def protected_file(template: str, text: str) -> str:
    """A whole file (LF text) with its notice after any front matter, hashing everything else.

    The hash is of the file's text without the notice line, exactly as written: the front
    matter, then the blank line and the body after the notice (UTF-8, LF line endings).
    """
    head, body = split_front_matter(text)
    body = body.lstrip("\n")
    digest = body_hash(f"{head}\n{body}")
    return f"{head}{file_notice(template, digest)}\n\n{body}"


def file_hand_edited(data: bytes) -> bool:
    """A whole generated file whose text no longer matches its notice's hash, or lacks one.

    The file is read as :func:`protected_file` hashed it (a BOM dropped, CRLF read as LF, so a
    checkout's line endings are no edit)."""
    text = data.decode("utf-8", errors="replace").removeprefix(BOM).replace("\r\n", "\n")
    lines = _split(text)
    for index, line in enumerate(lines):
        found = _FILE_NOTICE.fullmatch(_content(line))
        if found:
            rest = "".join(lines[:index] + lines[index + 1 :])
            return body_hash(rest) != found.group("hash")
    return True


def usual_newline(text: str) -> str:
    """CRLF when most line endings in ``text`` are CRLF, else LF: what generated text follows."""
    return "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"


def copy_hand_edited(data: bytes, whole: bool) -> bool:
    """Whether generated text on disk was edited by hand since it was written."""
    if whole:
        return file_hand_edited(data)
    try:
        found = parse(data, "")
    except MarkerError:
        return True
    return any(block.hand_edited for block in found.blocks.values())
