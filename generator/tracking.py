"""Read-only views of the facts that record which keys a template reads (its provenance).

Templates see these views instead of the records themselves, so every attribute, key and item
access is noted as a dotted facts.yaml key, e.g. ``hosts.home_vm.ip``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# Record fields that are not facts.yaml keys: reading them reads the record itself.
_SYNTHETIC_FIELDS = {"key"}
# The untyped document behind the records: templates would bypass read tracking through it.
_HIDDEN_FIELDS = {"raw"}


class Reads:
    """The dotted keys read so far, in first-read order."""

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}

    def add(self, key: str) -> None:
        if key:
            self._keys.setdefault(key, None)

    def ordered(self) -> list[str]:
        return list(self._keys)


def track(value: Any, path: str, reads: Reads) -> Any:
    """Wrap ``value`` (found at dotted ``path``) so reads below it are recorded."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return TrackedRecord(value, path, reads)
    if isinstance(value, Mapping):
        return TrackedMapping(value, path, reads)
    if isinstance(value, (list, tuple)):
        return TrackedSequence(value, path, reads)
    reads.add(path)
    return value


def _join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


class TrackedRecord:
    """A frozen record; its fields are facts keys, its properties and methods derived views."""

    __slots__ = ("_fields", "_path", "_reads", "_record")

    def __init__(self, record: Any, path: str, reads: Reads) -> None:
        self._record = record
        self._path = path
        self._reads = reads
        self._fields = {f.name for f in dataclasses.fields(record)}

    def __getattr__(self, name: str) -> Any:
        if name in _HIDDEN_FIELDS:
            raise AttributeError(f"{self._path or 'facts'} has no attribute {name!r}")
        value = getattr(self._record, name)
        if name in self._fields and name not in _SYNTHETIC_FIELDS:
            return track(value, _join(self._path, name), self._reads)
        self._reads.add(self._path)
        return value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrackedRecord):
            return bool(self._record == other._record)
        return bool(self._record == other)

    def __hash__(self) -> int:
        return hash(self._record)

    def __repr__(self) -> str:
        return f"<facts {self._path}>"


class TrackedMapping(Mapping[str, Any]):
    __slots__ = ("_data", "_path", "_reads")

    def __init__(self, data: Mapping[str, Any], path: str, reads: Reads) -> None:
        self._data = data
        self._path = path
        self._reads = reads

    def __getitem__(self, key: str) -> Any:
        return track(self._data[key], _join(self._path, key), self._reads)

    def __iter__(self) -> Iterator[str]:
        self._reads.add(self._path)
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.add(self._path)
        return len(self._data)

    def __repr__(self) -> str:
        return f"<facts {self._path}>"


class TrackedSequence(Sequence[Any]):
    __slots__ = ("_items", "_path", "_reads")

    def __init__(self, items: Sequence[Any], path: str, reads: Reads) -> None:
        self._items = items
        self._path = path
        self._reads = reads

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            self._reads.add(self._path)
            return [
                track(v, _join(self._path, i), self._reads)
                for i, v in list(enumerate(self._items))[index]
            ]
        return track(self._items[index], _join(self._path, index), self._reads)

    def __iter__(self) -> Iterator[Any]:
        for i, v in enumerate(self._items):
            yield track(v, _join(self._path, i), self._reads)

    def __len__(self) -> int:
        self._reads.add(self._path)
        return len(self._items)

    def __repr__(self) -> str:
        return f"<facts {self._path}>"


def note_reads(view: Any, keys: list[str]) -> None:
    """Record reads made outside the views (by a filter given the plain facts)."""
    reads = getattr(view, "_reads", None)
    if isinstance(reads, Reads):
        for key in keys:
            reads.add(key)


def unwrap(value: Any) -> Any:
    """The plain value behind a tracked view (for filters that need the real record)."""
    if isinstance(value, TrackedRecord):
        return value._record
    if isinstance(value, TrackedMapping):
        return value._data
    if isinstance(value, TrackedSequence):
        return value._items
    return value
