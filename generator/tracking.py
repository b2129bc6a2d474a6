"""Read-only views of the facts that record which keys a template reads (its provenance).

Templates see these views instead of the records themselves, so every attribute, key and item
access is noted as a dotted facts.yaml key, e.g. ``hosts.home_vm.ip``.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# Record fields that are not facts.yaml keys: reading them reads the record itself.
_SYNTHETIC_FIELDS = {"key"}
# The untyped document behind the records: templates would bypass read tracking through it.
_HIDDEN_FIELDS = {"raw"}


class Reads:
    """The dotted keys read so far, in first-read order.

    A container that was only iterated, counted or probed for a key had its *shape* read (its
    keys, or its length), not its whole value: the values it gave were read one by one. Knowing
    that lets incremental rendering keep a page that lists the hosts when one host's address
    changes, yet render it again when a host is added.
    """

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        self._whole: set[str] = set()
        # The last key read that holds no value (None): what a template printing None printed,
        # unless the None came from elsewhere since.
        self.unset: str | None = None

    def add(self, key: str) -> None:
        if key:
            self._keys.setdefault(key, None)
            self._whole.add(key)

    def add_shape(self, key: str) -> None:
        if key:
            self._keys.setdefault(key, None)

    def ordered(self) -> list[str]:
        return list(self._keys)

    def shapes_only(self) -> frozenset[str]:
        """The keys whose shape alone was read."""
        return frozenset(self._keys.keys() - self._whole)


def track(value: Any, path: str, reads: Reads) -> Any:
    """Wrap ``value`` (found at dotted ``path``) so reads below it are recorded."""
    kind = type(value)
    view = _VIEWS.get(kind)
    if view is None:
        view = _VIEWS[kind] = _view_for(kind)
    if view is _PLAIN:
        reads.add(path)
        if value is None:
            reads.unset = path
        return value
    return view(value, path, reads)


def _view_for(kind: type) -> Any:
    # Decided once per type: templates read hundreds of thousands of values on a large site.
    if dataclasses.is_dataclass(kind):
        return TrackedRecord
    if issubclass(kind, Mapping):
        return TrackedMapping
    if issubclass(kind, (list, tuple)):
        return TrackedSequence
    return _PLAIN


_PLAIN = object()
_UNSEEN = object()
_VIEWS: dict[type, Any] = {}
_FIELD_NAMES: dict[type, frozenset[str]] = {}


def field_names(kind: type) -> frozenset[str]:
    """The field names of a dataclass type (none for other types), looked up once per type."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        is_data = dataclasses.is_dataclass(kind)
        names = frozenset(f.name for f in dataclasses.fields(kind)) if is_data else frozenset()
        _FIELD_NAMES[kind] = names
    return names


def _join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


class TrackedRecord:
    """A frozen record; its fields are facts keys, its properties and methods derived views."""

    __slots__ = ("_fields", "_path", "_reads", "_record", "_seen")

    def __init__(self, record: Any, path: str, reads: Reads) -> None:
        self._record = record
        self._path = path
        self._reads = reads
        self._fields = field_names(type(record))
        # What each attribute gave, its read already recorded: records are frozen, and a page
        # reads the same few hundred values over and over.
        self._seen: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        seen = self._seen.get(name, _UNSEEN)
        if seen is not _UNSEEN and seen is not None:  # None is read again, to note it as unset
            return seen
        if name in _HIDDEN_FIELDS:
            raise AttributeError(f"{self._path or 'facts'} has no attribute {name!r}")
        value = getattr(self._record, name)
        if name in self._fields and name not in _SYNTHETIC_FIELDS:
            value = track(value, _join(self._path, name), self._reads)
        else:
            self._reads.add(self._path)
            if value is None:  # derived, not a facts key: naming an older one would mislead
                self._reads.unset = None
        self._seen[name] = value
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
    __slots__ = ("_data", "_path", "_reads", "_seen")

    def __init__(self, data: Mapping[str, Any], path: str, reads: Reads) -> None:
        self._data = data
        self._path = path
        self._reads = reads
        self._seen: dict[str, Any] = {}  # as in TrackedRecord

    def __getitem__(self, key: str) -> Any:
        seen = self._seen.get(key, _UNSEEN)
        if seen is _UNSEEN or seen is None:  # None is read again, to note it as unset
            try:
                value = self._data[key]
            except KeyError:
                self._reads.add_shape(self._path)  # absent now; adding the key changes that
                raise
            seen = self._seen[key] = track(value, _join(self._path, key), self._reads)
        return seen

    def __contains__(self, key: object) -> bool:
        self._reads.add_shape(self._path)
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        self._reads.add_shape(self._path)
        return iter(self._data)

    def __len__(self) -> int:
        self._reads.add_shape(self._path)
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
            self._reads.add_shape(self._path)
            return [
                track(v, _join(self._path, i), self._reads)
                for i, v in list(enumerate(self._items))[index]
            ]
        if not isinstance(index, int) or index < 0:
            self._reads.add_shape(self._path)  # [-1] is the last item, whichever that is
        try:
            value = self._items[index]
        except IndexError:
            self._reads.add_shape(self._path)
            raise
        position = index + len(self._items) if isinstance(index, int) and index < 0 else index
        return track(value, _join(self._path, position), self._reads)

    def __iter__(self) -> Iterator[Any]:
        # Iterating reads how many items there are: a page listing them changes when one is added.
        self._reads.add_shape(self._path)
        for i, v in enumerate(self._items):
            yield track(v, _join(self._path, i), self._reads)

    def __len__(self) -> int:
        self._reads.add_shape(self._path)
        return len(self._items)

    def __repr__(self) -> str:
        return f"<facts {self._path}>"


def missing_key_message(view: Any, name: Any) -> str | None:
    """Why a template found nothing at ``name`` of ``view``, in facts.yaml's keys, with the
    nearest key it may have meant; None when ``view`` is not a facts view."""
    if isinstance(view, TrackedSequence):
        where = _where(view._path)
        if isinstance(name, int):
            count = len(view._items)
            return f"{where} has no item {name} (it has {count} item{'s' * (count != 1)})"
        return f"{where} is a list: it has no key `{name}`"
    if not isinstance(view, (TrackedRecord, TrackedMapping)):
        return None
    nearest = _nearest(view, name)
    suggestion = f" (did you mean `{nearest}`?)" if nearest else ""
    return f"{_where(view._path)} has no key `{name}`{suggestion}"


def _nearest(view: TrackedRecord | TrackedMapping, name: Any) -> str | None:
    nearest = difflib.get_close_matches(str(name), _keys_of(view), n=1)
    return nearest[0] if nearest else None


def nearest_mapping_key(view: Any, name: Any) -> str | None:
    """The dotted key of the key of facts mapping ``view`` spelt nearest to ``name``: a
    mapping's keys are names facts.yaml chose (hosts, services), so the misspelling may be
    there rather than in the template. None for a record, whose fields the schema fixes."""
    if not isinstance(view, TrackedMapping):
        return None
    nearest = _nearest(view, name)
    return _join(view._path, nearest) if nearest is not None else None


def _keys_of(view: TrackedRecord | TrackedMapping) -> list[str]:
    """What a template can read of ``view``: a record's fields and derived views, or a
    mapping's keys. Read directly: an error message records no provenance."""
    if isinstance(view, TrackedMapping):
        return [str(key) for key in view._data]
    kind = type(view._record)
    names = (field_names(kind) | set(dir(kind))) - _HIDDEN_FIELDS
    return sorted(name for name in names if not name.startswith("_"))


def _where(path: str) -> str:
    return f"`{path}`" if path else "facts.yaml"


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
