"""Where each fact goes: the facts each output reads, down to the lines that state them."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from markdown.extensions.toc import slugify, unique
from markdown_it import MarkdownIt

from generator.markdown import cell, in_code_fence, inline
from generator.model import Facts, Provenance, Verified
from generator.rules import walk
from generator.targets import BLOCK_COPIES

if TYPE_CHECKING:
    from generator.render import Rendered

INDEX_PAGE = "docs/facts-index.md"
# Top-level keys that configure the generator or describe other facts: not facts themselves.
NOT_FACTS = frozenset({"provenance", "targets"})
# Records that may carry their own source and last check (hosts, services, feeds).
_META_FIELDS = frozenset({"source", "verified"})
_META_PARENTS = (("hosts", "*"), ("hosts", "*", "services", "*"), ("feeds", "*"))


def _carries_meta(parts: Sequence[str]) -> bool:
    """Whether the record at ``parts`` may carry its own source and last check."""
    return any(
        len(parts) == len(p) and all(w in ("*", s) for w, s in zip(p, parts, strict=True))
        for p in _META_PARENTS
    )


def _is_meta(parts: tuple[str, ...]) -> bool:
    return bool(parts) and parts[-1] in _META_FIELDS and _carries_meta(parts[:-1])


def fact_leaves(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every scalar fact in facts.yaml by dotted key, in document order."""
    found: dict[str, Any] = {}
    for key, value in walk(data):
        parts = tuple(map(str, key))
        if (
            parts
            and parts[0] not in NOT_FACTS
            and value is not None
            and not isinstance(value, Mapping | list)
            and not any(_is_meta(parts[:n]) for n in range(2, len(parts) + 1))
        ):
            found[".".join(parts)] = value
    return found


def record_paths(facts: Facts) -> frozenset[str]:
    """Dotted keys of the typed records: reading one whole (a property, say) reads its fields."""
    found: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            if path:
                found.add(path)
            for f in dataclasses.fields(value):
                if f.name not in ("raw", "provenance", "key"):
                    walk(getattr(value, f.name), _join(path, f.name))
        elif isinstance(value, Mapping):
            for name, child in value.items():
                walk(child, _join(path, str(name)))
        elif isinstance(value, tuple):
            for i, child in enumerate(value):
                walk(child, _join(path, str(i)))

    walk(facts, "")
    return frozenset(found)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _ancestors(key: str) -> Iterator[str]:
    parts = key.split(".")
    for n in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:n])


class LeafIndex:
    """Which leaves an output uses, in document order, in time proportional to its reads."""

    def __init__(self, leaves: Iterable[str], records: frozenset[str]) -> None:
        self.leaves = list(leaves)
        # Per key, the leaves reading it uses: itself, or every leaf below a whole record.
        self.expand: dict[str, list[int]] = {}
        for i, leaf in enumerate(self.leaves):
            self.expand.setdefault(leaf, []).append(i)
            for above in _ancestors(leaf):
                if above in records:
                    self.expand.setdefault(above, []).append(i)

    def used(self, reads: Iterable[str]) -> list[str]:
        """The leaves read themselves, or through a whole-record read above them."""
        found: set[int] = set()
        expand = self.expand
        for key in reads:
            hit = expand.get(key)
            if hit:
                found.update(hit)
        return [self.leaves[i] for i in sorted(found)]


def distinctive(value: Any) -> bool:
    """Whether finding the value on a line means the line states this fact.

    A plain lower-case word (``none``, ``main``, ``deploys``) or a number under 100 also occurs
    as ordinary text, so such values are located to their output only, never to a line.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) >= 100
    return not re.fullmatch(r"[a-z]*|\d{1,2}", str(value))


@cache
def value_forms(value: Any) -> tuple[str, ...]:
    """The ways a template can state a value verbatim: as written, inlined, or in a cell."""
    if not distinctive(value):
        return ()
    text = str(value)
    forms = {text, inline(text), cell(text)}
    return tuple(sorted((f for f in forms if f.strip()), key=lambda f: (-len(f), f)))


@cache
def value_pattern(form: str) -> re.Pattern[str]:
    # A value must stand alone: 8889 is not stated by 88890, nor 1.4 by 192.168.1.48.
    before = r"(?<![\w.])" if re.match(r"[\w.]", form) else ""
    after = r"(?!\w|\.\w)" if re.search(r"[\w.]$", form) else ""
    return re.compile(before + re.escape(form) + after)


class Text:
    """An output's text with the offsets where its lines start, for locating many values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.found: dict[tuple[type, Any], list[int]] = {}

    def locate(self, value: Any) -> list[int]:
        """1-based numbers of the lines that state ``value`` verbatim."""
        key = (type(value), value)
        if key not in self.found:
            self.found[key] = self._locate(value)
        return self.found[key]

    @cached_property
    def hashed_lines(self) -> list[int]:
        """Lines holding a managed block's hash marker."""
        return [n for n, line in enumerate(self.text.split("\n"), 1) if _HASH.match(line)]

    def _locate(self, value: Any) -> list[int]:
        hits: set[int] = set()
        text = self.text
        for form in value_forms(value):
            if form not in text:  # a plain substring test first: most values are absent
                continue
            # The literal alone is found at memchr speed; the character before is checked
            # here, since a pattern that starts with a look-behind is tried at every offset.
            guard_before = bool(_WORDISH.match(form))
            for match in _trailing_pattern(form).finditer(text):
                at = match.start()
                if guard_before and at and (text[at - 1].isalnum() or text[at - 1] in "_."):
                    continue
                hits.add(bisect.bisect_right(self.starts, at))
        return sorted(hits)


_WORDISH = re.compile(r"[\w.]")


@cache
def _trailing_pattern(form: str) -> re.Pattern[str]:
    """``form`` with the look-ahead of :func:`value_pattern`, without its look-behind."""
    after = r"(?!\w|\.\w)" if re.search(r"[\w.]$", form) else ""
    return re.compile(re.escape(form) + after)


@dataclass(frozen=True, order=True)
class Place:
    """A line of an output that states a fact, or the output alone (line 0: read, line unknown)."""

    path: str
    line: int
    key: str
    anchor: str = ""  # id of the heading above the line, for links to the section

    def describe(self) -> str:
        return f"{self.path}:{self.line}" if self.line else f"{self.path}: read, line unknown"


_ATX = re.compile(r"#{1,6}(\s|$)")


@cache
def heading_ids(text: str) -> list[tuple[int, str]]:
    """(1-based line, id) of each heading, with the ids MkDocs' toc extension gives them.

    Generated pages are mdformat's output, so every heading is an ATX line (``# ...``);
    only those lines outside code fences are parsed, which keeps this cheap on big sites.
    """
    lines = text.split("\n")
    numbers = [
        n
        for n, (line, in_code) in enumerate(zip(lines, in_code_fence(lines), strict=True), 1)
        if not in_code and _ATX.match(line)
    ]
    tokens = MarkdownIt("commonmark").parse("\n\n".join(lines[n - 1] for n in numbers))
    used: set[str] = set()
    found: list[tuple[int, str]] = []
    headings = (t for i, t in enumerate(tokens) if t.type == "heading_open")
    inlines = [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open"]
    # Every line picked is an ATX heading, so the headings parsed pair up with them one to one.
    for (_, content), n in zip(zip(headings, inlines, strict=True), numbers, strict=True):
        children = content.children or []
        name = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        ident = unique(slugify(name, "-"), used)  # unique() records the id in ``used``
        found.append((n, ident))
    return found


_HASH = re.compile(r"<!--.*\bhash=[0-9a-f]+\b.*-->\s*$")


def _section(headings: list[tuple[int, str]], line: int) -> str:
    """The id of the last heading at or above ``line`` (headings are in line order)."""
    at = bisect.bisect_right(headings, (line, "\uffff"))
    return headings[at - 1][1] if at else ""


def places(
    rendered: Iterable[Rendered], facts: Facts, keys: Iterable[str] | None = None
) -> list[Place]:
    """Where each fact (or only ``keys``) is stated in each output, sorted by path and line.

    Only the facts an output read (as tracking recorded) are searched for in it; a fact read
    but not found verbatim (used in a computation, say) gives one Place with line 0.
    """
    # A key function compares plain tuples in C; the dataclass's own ordering is Python code.
    return sorted(set(iter_places(rendered, facts, keys)), key=_place_order)


def iter_places(
    rendered: Iterable[Rendered], facts: Facts, keys: Iterable[str] | None = None
) -> Iterator[Place]:
    """The places of :func:`places`, output by output, each output's in line order per key."""
    leaves = fact_leaves(facts.raw)
    wanted = leaves if keys is None else {k: leaves[k] for k in keys if k in leaves}
    index = LeafIndex(wanted, record_paths(facts))
    finder = LineFinder()
    for item in rendered:
        for key in index.used(item.reads):
            at = finder.lines(item, wanted[key])
            if not at:
                yield Place(item.output.path, 0, key)
            for n, anchor in at:
                yield Place(item.output.path, n, key, anchor)


class LineFinder:
    """The lines of an output that state a value, with the heading id of each line's section.

    Outputs with the same text (the same partial in many places) are searched once.
    """

    def __init__(self) -> None:
        self.texts: dict[str, Text] = {}

    def lines(self, item: Rendered, value: Any) -> list[tuple[int, str]]:
        """(1-based line, section id) of each line stating ``value``; empty when none does."""
        text = self.texts.get(item.text) or self.texts.setdefault(item.text, Text(item.text))
        at = text.locate(value)
        if not at:
            return []
        if not item.output.is_page:
            # A sibling-repo copy records a hash of its text: a changed value changes it too.
            return [(n, "") for n in sorted({*at, *text.hashed_lines})]
        headings = heading_ids(item.text)
        return [(n, _section(headings, n)) for n in at]


def _place_order(place: Place) -> tuple[str, int, str, str]:
    return (place.path, place.line, place.key, place.anchor)


def select(key: str, facts: Facts) -> list[str]:
    """The fact leaves at or below dotted ``key``; empty when it names no fact."""
    leaves = fact_leaves(facts.raw)
    return [k for k in leaves if k == key or k.startswith(key + ".")]


def provenance_of(key: str, facts: Facts) -> tuple[Provenance, str]:
    """The source and last check that cover ``key``, and the key they are recorded on.

    The most specific wins: the ``provenance`` entry or the record's own fields nearest to the
    key; source and check are looked up separately, so a record's source can stand beside a
    check recorded for one of its keys.
    """
    source: tuple[str, str] | None = None
    verified: tuple[Verified, str] | None = None
    for probe in (key, *_ancestors(key)):
        entry = facts.provenance.get(probe)
        own = _own(probe, facts)
        for candidate in (entry, own):
            if candidate is None:
                continue
            if source is None and candidate.source:
                source = (candidate.source, probe)
            if verified is None and candidate.verified:
                verified = (candidate.verified, probe)
    where = verified[1] if verified else (source[1] if source else "")
    return Provenance(source[0] if source else None, verified[0] if verified else None), where


def _own(path: str, facts: Facts) -> Provenance | None:
    """The source and last check recorded on the record at ``path`` itself, if it has any."""
    parts = path.split(".")
    if not _carries_meta(parts):
        return None
    record: Any = facts
    for part in parts:  # typed records by attribute, their mappings by key
        record = record.get(part) if isinstance(record, Mapping) else getattr(record, part, None)
        if record is None:
            return None
    return Provenance(record.source, record.verified)


def usage_counts(rendered: Iterable[Rendered], facts: Facts) -> dict[str, int]:
    """How many outputs use each fact (the fact index excluded), for every fact."""
    leaves = fact_leaves(facts.raw)
    records = record_paths(facts)
    counts = dict.fromkeys(leaves, 0)
    index = LeafIndex(leaves, records)
    for item in rendered:
        if item.output.path == INDEX_PAGE:
            continue
        for key in index.used(item.reads):
            counts[key] += 1
    return counts


def dead_facts(rendered: Iterable[Rendered], facts: Facts) -> list[str]:
    """Facts that no output reads, in document order."""
    return [k for k, n in usage_counts(rendered, facts).items() if n == 0]


def idle_outputs(rendered: Iterable[Rendered]) -> list[str]:
    """Outputs that read no fact at all, sorted."""
    return sorted(r.output.path for r in rendered if not r.reads and r.output.path != INDEX_PAGE)


def anchor_ids(facts: Facts) -> frozenset[str]:
    """Ids the fact index gives its rows: every fact key and each key above it (two parts up)."""
    found: set[str] = set()
    for key in fact_leaves(facts.raw):
        found.add(key)
        found.update(_ancestors(key))  # top-level keys are the index's section headings
    return frozenset(found)


@dataclass(frozen=True)
class ShownOn:
    """A page that uses a fact, and the sections (heading ids) whose lines state it."""

    page: str  # output path, docs/...
    sections: tuple[str, ...]  # empty when the page uses the fact without stating it verbatim


# A fact on hundreds of pages makes an unreadable row and a page that takes long to build.
SHOWN_LIMIT = 12


@dataclass(frozen=True)
class CarriedBy:
    """This repo's copy of a sibling repo's file or managed block that uses a fact."""

    repo: str  # the repo's name, as its copy folder is named
    name: str  # a file path in the repo, or a block name
    block: bool


def carried_by(path: str) -> CarriedBy:
    """What the copy at ``path`` (``repos/REPO/...``) stands for."""
    parts = path.split("/")
    if len(parts) == 4 and parts[2] == BLOCK_COPIES:
        return CarriedBy(parts[1], parts[3].removesuffix(".md"), True)
    return CarriedBy(parts[1] if len(parts) > 2 else "", "/".join(parts[2:]) or path, False)


@dataclass(frozen=True)
class IndexRow:
    """One fact on the index page."""

    key: str
    ids: tuple[str, ...]  # anchors this row carries: the key, and keys above it seen first here
    value: str
    source: str | None
    verified: Verified | None
    recorded_on: str  # the key the source or check is recorded on, when not this one
    shown: tuple[ShownOn, ...]  # the first SHOWN_LIMIT pages
    carried: tuple[CarriedBy, ...]
    more: int = 0  # pages beyond SHOWN_LIMIT, for `where` to list


@dataclass(frozen=True)
class IndexSection:
    name: str
    rows: tuple[IndexRow, ...]


@dataclass(frozen=True)
class FactIndex:
    """What the fact index page shows; built from every other output's reads."""

    sections: tuple[IndexSection, ...]
    dead: tuple[str, ...]
    idle: tuple[str, ...]
    keys: tuple[str, ...]  # every fact listed: the index page's own reads


def build_index(rendered: Sequence[Rendered], facts: Facts) -> FactIndex:
    """The fact index from the outputs rendered in the first phase.

    Which outputs use a fact comes from their reads alone; only the pages a row shows (the
    first SHOWN_LIMIT) are searched for the lines that state it, so a fact stated on a
    thousand pages costs a dozen searches.
    """
    others = sorted(
        (r for r in rendered if r.output.path != INDEX_PAGE), key=lambda r: r.output.path
    )
    leaves = fact_leaves(facts.raw)
    index = LeafIndex(leaves, record_paths(facts))
    pages: dict[str, list[Rendered]] = {}  # key -> the pages using it, in path order
    carried: dict[str, list[str]] = {}  # key -> the sibling-repo copies using it
    for item in others:
        for key in index.used(item.reads):
            if item.output.path.startswith("docs/"):
                pages.setdefault(key, []).append(item)
            else:
                carried.setdefault(key, []).append(item.output.path)
    finder = LineFinder()
    seen: set[str] = set()
    sections: dict[str, list[IndexRow]] = {}
    for key, value in leaves.items():
        ids = [a for a in (*reversed(list(_ancestors(key))), key) if "." in a and a not in seen]
        seen.update(ids)
        prov, recorded_on = provenance_of(key, facts)
        using = pages.get(key, [])
        shown = tuple(
            ShownOn(item.output.path, tuple(dict.fromkeys(a for _, a in finder.lines(item, value))))
            for item in using[:SHOWN_LIMIT]
        )
        sections.setdefault(key.split(".")[0], []).append(
            IndexRow(
                key=key,
                ids=tuple(ids),
                value=str(value).lower() if isinstance(value, bool) else str(value),
                source=prov.source,
                verified=prov.verified,
                recorded_on="" if recorded_on == key else recorded_on,
                shown=shown,
                more=max(0, len(using) - SHOWN_LIMIT),
                carried=tuple(carried_by(p) for p in carried.get(key, [])),
            )
        )
    return FactIndex(
        sections=tuple(IndexSection(name, tuple(rows)) for name, rows in sections.items()),
        dead=tuple(k for k in leaves if k not in pages and k not in carried),
        idle=tuple(idle_outputs(others)),
        keys=tuple(leaves),
    )


def usage_report(rendered: Sequence[Rendered], facts: Facts) -> list[str]:
    """Dead facts and outputs that read no fact, as `check --verbose` prints them."""
    dead = dead_facts(rendered, facts)
    idle = idle_outputs(rendered)
    lines = [f"facts no output reads: {len(dead)}", *(f"  {key}" for key in dead)]
    lines += [f"outputs that read no fact: {len(idle)}", *(f"  {path}" for path in idle)]
    return lines


def last_verified(key: str, facts: Facts) -> str:
    """The date the fact at ``key`` was last verified, by whom and how (short, for a table
    cell: "2026-02-25 (Ops: over SSH)"), or "not checked yet"."""
    verified = provenance_of(key, facts)[0].verified
    if not verified:
        return "not checked yet"
    how = f": {verified.how}" if verified.how else ""
    return f"{verified.date} ({verified.by}{how})"
