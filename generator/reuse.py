"""Incremental rendering: reuse an output whose recorded reads show no fact it read changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.cache import MISSING, OutputRecord, file_sha, value_digest
from generator.files import read_bytes
from generator.outputs import Output
from generator.render import Rendered
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
        if key == "targets" or key.startswith("targets."):
            # The targets plan is derived from several facts: any change re-renders its readers.
            return value_digest(self.raw)
        try:
            return value_digest(resolve(self.raw, key))
        except KeyError:
            pass
        parent, _, _ = key.rpartition(".")
        try:
            container = resolve(self.raw, parent) if parent else self.raw
        except KeyError:
            return MISSING  # not a facts.yaml key at all: always render again
        # An optional key left out (or a key under a scalar): the default is what was seen.
        del container  # it exists: the key below it is simply not there
        return "absent"


def records_of(rendered: Iterable[Rendered], digests: ValueDigests) -> dict[str, OutputRecord]:
    """What to remember of each output for the next run."""
    return {
        item.output.path: OutputRecord(
            file_sha(item.data), tuple((key, digests(key)) for key in item.reads)
        )
        for item in rendered
    }


class Reuser:
    """Decides, per output, whether the file on disk is what rendering would make."""

    def __init__(
        self, root: Path, records: Mapping[str, OutputRecord], digests: ValueDigests
    ) -> None:
        self.root = root
        self.records = records
        self.digests = digests
        self.reused = 0

    def __call__(self, output: Output) -> Rendered | None:
        record = self.records.get(output.path)
        if record is None:
            return None
        if any(digest == MISSING or self.digests(key) != digest for key, digest in record.reads):
            return None
        data = read_bytes(self.root / output.path)
        if data is None or file_sha(data) != record.sha:
            return None
        self.reused += 1
        return Rendered(output, data.decode("utf-8"), tuple(key for key, _ in record.reads))
