"""Baselines: record today's findings once, then report only findings that are new."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from generator.errors import Diagnostic, decode_error_at
from generator.files import write_atomic
from generator.lint.config import LintInputError
from generator.lint.findings import Finding

VERSION = 1
# A finding is known by path, rule and literal, not by line: edits elsewhere in the file do not
# revive it, and a count per key lets a second copy of a known mistake show.
Key = tuple[str, str, str]


def _key(finding: Finding) -> Key:
    return (finding.shown, finding.rule, finding.literal)


def baseline_bytes(findings: Iterable[Finding]) -> bytes:
    counts = Counter(_key(f) for f in findings)
    entries = [
        {"path": path, "rule": rule, "literal": literal, "count": count}
        for (path, rule, literal), count in sorted(counts.items())
    ]
    text = json.dumps({"version": VERSION, "findings": entries}, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    write_atomic(path, baseline_bytes(findings))


def load_baseline(path: Path) -> Counter[Key]:
    shown = path.as_posix()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LintInputError(
            Diagnostic(shown, 0, 0, "no such baseline file", "create it with --write-baseline")
        ) from None
    except IsADirectoryError:
        raise LintInputError(
            Diagnostic(shown, 0, 0, "a folder, not a baseline file", "name the JSON file")
        ) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line, column = decode_error_at(raw, exc)
        raise LintInputError(
            Diagnostic(
                shown,
                line,
                column,
                f"not UTF-8: byte 0x{raw[exc.start]:02x} is an {exc.reason}",
                "write a new one with --write-baseline",
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise LintInputError(
            Diagnostic(shown, exc.lineno, exc.colno, f"not JSON: {exc.msg}")
        ) from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("version") != VERSION:
        raise LintInputError(
            Diagnostic(
                shown,
                1,
                1,
                f"not a version {VERSION} lint baseline",
                "write a new one with --write-baseline",
            )
        )
    counts: Counter[Key] = Counter()
    for entry in entries:
        try:
            counts[(entry["path"], entry["rule"], entry["literal"])] += int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError, OverflowError):  # 1e400 is inf: no int
            raise LintInputError(
                Diagnostic(shown, 0, 0, f"bad baseline entry {entry!r}", "write a new baseline")
            ) from None
    return counts


def new_findings(findings: Iterable[Finding], known: Counter[Key]) -> list[Finding]:
    """The findings beyond what the baseline records, in order."""
    left = Counter(known)
    fresh = []
    for finding in sorted(findings):
        key = _key(finding)
        if left[key] > 0:
            left[key] -= 1
        else:
            fresh.append(finding)
    return fresh
