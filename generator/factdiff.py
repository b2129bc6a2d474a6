"""What changed between two versions of the facts, with list items matched by content.

Comparing lists by position would make one item inserted at the top look like every item
below it changed; difflib's SequenceMatcher aligns the items instead, so an insertion is one
added item and an edit inside an item is reported field by field.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.rules import walk

Path = tuple[str | int, ...]


class _Absent:
    """The side of an edit where the value does not exist (added, or removed)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

# Fields that name a list item (invariants by id, former values by value, hops by hop...):
# two items that agree on one are the same item, however many of its other fields changed.
IDENTITY_FIELDS = ("id", "value", "hop", "path", "change")
# Items that share more than this share of their fields are one item edited, not two items.
_ALIKE = 0.5
# Pairing a run of replaced items tries every pair; beyond this many, report them as removed
# and added rather than spend quadratic time on a list rewritten wholesale.
_MAX_PAIRINGS = 10_000


@dataclass(frozen=True)
class Edit:
    path: Path  # keys and list indices (the new index; the old one for a removed item)
    old: Any  # ABSENT when added
    new: Any  # ABSENT when removed
    moved_from: Path | None = None  # a list item now at ``path``, unchanged, was here

    @property
    def kind(self) -> str:
        if self.moved_from is not None:
            return "moved"
        if self.old is ABSENT:
            return "added"
        return "removed" if self.new is ABSENT else "changed"

    @property
    def dotted(self) -> str:
        """The key as provenance and read tracking name it: ``former_values.0.value``."""
        return ".".join(map(str, self.path))

    @property
    def shown(self) -> str:
        """The key as people read it: ``former_values[0].value``."""
        return shown_key(self.path)


def shown_key(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def diff(old: Any, new: Any, path: Path = ()) -> Iterator[Edit]:
    """Every edit that turns ``old`` into ``new``, in document order (removals in place)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name, value in new.items():
            if name in old:
                yield from diff(old[name], value, (*path, name))
            else:
                yield Edit((*path, name), ABSENT, value)
        for name, value in old.items():
            if name not in new:
                yield Edit((*path, name), value, ABSENT)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _diff_lists(old, new, path)
    elif frozen(old) != frozen(new):
        yield Edit(path, old, new)


def _diff_lists(old: list[Any], new: list[Any], path: Path) -> Iterator[Edit]:
    """The edits of :func:`_aligned`, with an item removed in one place and added unchanged
    in another reported once, as moved (where it is now)."""
    edits = list(_aligned(old, new, path))
    removed: dict[Any, list[int]] = {}
    for n, e in enumerate(edits):
        if e.kind == "removed" and len(e.path) == len(path) + 1:
            removed.setdefault(frozen(e.old), []).append(n)
    gone: set[int] = set()
    for n, e in enumerate(edits):
        if e.kind == "added" and len(e.path) == len(path) + 1 and removed.get(frozen(e.new)):
            was = removed[frozen(e.new)].pop(0)
            gone.add(was)
            edits[n] = Edit(e.path, e.new, e.new, edits[was].path)
    return (e for n, e in enumerate(edits) if n not in gone)


def _aligned(old: list[Any], new: list[Any], path: Path) -> Iterator[Edit]:
    matcher = difflib.SequenceMatcher(
        a=[frozen(x) for x in old], b=[frozen(x) for x in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i, j = i1, j1
        for pi, pj in _pairs(old, new, i1, i2, j1, j2):
            yield from (Edit((*path, n), old[n], ABSENT) for n in range(i, pi))
            yield from (Edit((*path, n), ABSENT, new[n]) for n in range(j, pj))
            yield from diff(old[pi], new[pj], (*path, pj))
            i, j = pi + 1, pj + 1
        yield from (Edit((*path, n), old[n], ABSENT) for n in range(i, i2))
        yield from (Edit((*path, n), ABSENT, new[n]) for n in range(j, j2))


def _pairs(
    old: list[Any], new: list[Any], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int, int]]:
    """Which old items of a replaced run were edited into which new ones, in order.

    A run of as many scalars on each side is a one-for-one replacement; records pair with
    the most alike record further on, if alike enough.
    """
    if (i2 - i1) * (j2 - j1) > _MAX_PAIRINGS:
        return []
    if i2 - i1 == j2 - j1 and not any(isinstance(x, Mapping) for x in (*old[i1:i2], *new[j1:j2])):
        return list(zip(range(i1, i2), range(j1, j2), strict=True))
    pairs: list[tuple[int, int]] = []
    start = j1
    for i in range(i1, i2):
        scored = [(likeness(old[i], new[j]), -j) for j in range(start, j2)]
        if not scored:
            break
        score, minus_j = max(scored)
        if score > _ALIKE:
            pairs.append((i, -minus_j))
            start = -minus_j + 1
    return pairs


def likeness(a: Any, b: Any) -> float:
    """1.0 for records naming the same item, else the share of fields they agree on."""
    if not (isinstance(a, Mapping) and isinstance(b, Mapping)):
        return 0.0
    for name in IDENTITY_FIELDS:
        if name in a and name in b and frozen(a[name]) == frozen(b[name]):
            return 1.0
    left, right = _leaves(a), _leaves(b)
    total = len(left) + len(right)
    return 2 * len(left & right) / total if total else 1.0


def _leaves(data: Any) -> set[tuple[Path, Any]]:
    return {
        (path, frozen(value))
        for path, value in walk(data)
        if not isinstance(value, Mapping | list) or not value
    }


def frozen(value: Any) -> Any:
    """A hashable stand-in that is equal exactly when the values are: key order aside, and
    ``true`` never equal to ``1`` (Python's ``True == 1`` would hide that edit)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(frozen(v) for v in value))
    return (type(value).__name__, value)


def quoted(value: Any, limit: int = 0) -> str:
    """A value as plan shows it: text in double quotes, so no arrow or colon inside it can be
    read as plan's own; records and lists inline. ``limit`` > 0 cuts longer output with "…"."""
    text = _quoted(value)
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def _quoted(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_quoted(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_quoted(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return str(value)
