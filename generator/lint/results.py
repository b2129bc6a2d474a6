"""A persistent per-file result cache: linting an unchanged file costs a read, a hash, a lookup.

One file in the project's cache folder (``.cache/generator/lint/results.json``) maps keys to
findings. A key is the sha256 of everything a file's findings depend on: the salt (a digest of
the linter's code, the installed libraries and the facts file, see ``generator.cache``), the
path as shown and as linted, the repo key, the rules applied to the file, and its bytes. So an
entry can only be found by a run that would compute exactly those findings.

The file's first line is the sha256 of the rest: a missing, unreadable, tampered or foreign
file is an empty cache, and writing it is best effort. Deleting it at any time is safe.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from generator import cache
from generator.lint.findings import Finding

FORMAT = 1
LIMIT = 50_000  # entries kept: those this run used, then the rest in their previous order


def salt_for(facts: bytes) -> str:
    """What every entry of a run depends on besides the file: code, libraries and facts.

    Not the templates: the linter never reads them, so editing one keeps the lint cache.
    """
    return f"lint {FORMAT}\0" + cache.input_digest(cache.source_digest(), facts)


def results_path(root: Path) -> Path:
    return cache.cache_dir(root) / "lint" / "results.json"


class ResultCache:
    """Findings per file key; ``save`` writes back what this run used and learnt."""

    def __init__(self, path: Path, salt: str) -> None:
        self.path = path
        self.salt = salt
        self._stored = _load(path, salt)
        self._used: dict[str, list[list[Any]]] = {}
        self.hits = 0
        self.misses = 0

    def key(
        self, data: bytes, shown: str, path: str, repo: str | None, rules: frozenset[str]
    ) -> str:
        head = "\0".join((self.salt, shown, path, repo or "", ",".join(sorted(rules))))
        return cache.file_sha(head.encode() + b"\0" + data)

    def get(self, key: str) -> list[Finding] | None:
        """The findings stored under ``key``, counted as a hit or a miss."""
        rows: Any = self._stored.get(key)
        findings = _decode(rows)
        if findings is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = rows
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        self._used[key] = [_encode(f) for f in findings]

    def save(self) -> None:
        """Write the entries (best effort: a cache that cannot be written costs time only)."""
        if not self.misses:
            return  # nothing new was learnt: the file already holds every entry used
        entries = dict(self._used)
        for key, rows in self._stored.items():
            if len(entries) >= LIMIT:
                break
            entries.setdefault(key, rows)
        body = json.dumps(
            {"format": FORMAT, "salt": self.salt, "entries": entries},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
        with contextlib.suppress(OSError):
            cache.write_checked(self.path, body)


def _load(path: Path, salt: str) -> dict[str, Any]:
    body = cache.read_checked(path)
    if body is None:
        return {}
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("salt") != salt:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


_OPTIONAL = (str, type(None))
_TYPES: tuple[type | tuple[type, ...], ...] = (
    str,
    int,
    int,
    str,
    str,
    str,
    _OPTIONAL,
    _OPTIONAL,
    str,
)


def _encode(finding: Finding) -> list[Any]:
    return [
        finding.shown,
        finding.line,
        finding.column,
        finding.rule,
        finding.literal,
        finding.message,
        finding.suggestion,
        finding.fact,
        finding.path,
    ]


def _decode(rows: Any) -> list[Finding] | None:
    """The findings an entry records, or None when it is not a well-formed entry."""
    if not isinstance(rows, list):
        return None
    found = []
    for row in rows:
        if not (
            isinstance(row, list)
            and len(row) == len(_TYPES)
            and all(isinstance(v, t) for v, t in zip(row, _TYPES, strict=True))
        ):
            return None
        found.append(Finding(*row))
    return found
