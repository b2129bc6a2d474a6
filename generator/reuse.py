"""Incremental rendering: reuse an output whose recorded reads show no fact it read changed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.cache import MISSING, Manifest, file_sha, value_digest
from generator.files import read_bytes
from generator.outputs import Output
from generator.render import ALL_FACTS, Rendered
from generator.rules import resolve


class ValueDigests:
    """Digests of facts values by dotted key, computed once per key."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.memo: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.memo:
            self.memo[key] = self._digest(key)
        return self.memo[key]

    def _digest(self, key: str) -> str:
        if key == ALL_FACTS:  # in document order: the fact index lists facts in that order
            return file_sha(json.dumps(self.raw, default=str, ensure_ascii=False).encode())
        if key.endswith(SHAPE):
            return self._shape_digest(key.removesuffix(SHAPE))
        try:
            return value_digest(resolve(self.raw, key))
        except KeyError:
            pass
        parent, _, _ = key.rpartition(".")
        try:
            if parent:
                resolve(self.raw, parent)
        except KeyError:
            return MISSING  # not a facts.yaml key at all: always render again
        # An optional key left out (or a key under a scalar): the default is what was seen.
        return "absent"

    def _shape_digest(self, key: str) -> str:
        try:
            value = resolve(self.raw, key)
        except KeyError:
            return self._digest(key)  # absent or unknown, as a whole read would say
        if isinstance(value, Mapping):
            return value_digest(["keys", *value])
        if isinstance(value, list):
            return value_digest(["length", len(value)])
        return value_digest(value)


# Marks a key whose shape alone was read, in the manifest's reads lists (never in facts keys).
SHAPE = "\0shape"


def _recorded_reads(item: Rendered) -> tuple[str, ...]:
    return tuple(key + SHAPE if key in item.shapes else key for key in item.reads)


def manifest_of(
    rendered: Iterable[Rendered], digests: ValueDigests, inputs: str, code: str
) -> Manifest:
    """What to remember of this render for the next run."""
    outputs: dict[str, tuple[str, tuple[str, ...]]] = {}
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    for item in rendered:
        recorded = _recorded_reads(item)
        reads = shared.setdefault(recorded, recorded)
        outputs[item.output.path] = (file_sha(item.data), reads)
    keys = {key for reads in shared for key in reads}
    return Manifest(inputs, code, {key: digests(key) for key in sorted(keys)}, outputs)


class Reuser:
    """Decides, per output, whether the file on disk is what rendering would make."""

    def __init__(self, root: Path, previous: Manifest | None, digests: ValueDigests) -> None:
        self.root = root
        self.previous = previous
        self.digests = digests
        self.unchanged: dict[tuple[str, ...], bool] = {}  # per reads list: no value changed
        self.paths: set[str] = set()  # the outputs reused

    def _unchanged(self, reads: tuple[str, ...]) -> bool:
        assert self.previous is not None
        recorded = self.previous.digests
        verdict = self.unchanged.get(reads)
        if verdict is None:
            verdict = self.unchanged[reads] = all(
                recorded.get(key, MISSING) != MISSING and self.digests(key) == recorded[key]
                for key in reads
            )
        return verdict

    def __call__(self, output: Output) -> Rendered | None:
        if self.previous is None:
            return None
        record = self.previous.outputs.get(output.path)
        if record is None:
            return None
        sha, reads = record
        if not self._unchanged(reads):
            return None
        data = read_bytes(self.root / output.path)
        if data is None or file_sha(data) != sha:
            return None
        self.paths.add(output.path)
        keys = tuple(key.removesuffix(SHAPE) for key in reads)
        shapes = frozenset(key.removesuffix(SHAPE) for key in reads if key.endswith(SHAPE))
        return Rendered(output, data.decode("utf-8"), keys, shapes)
