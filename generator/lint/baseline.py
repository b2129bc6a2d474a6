"""Baselines: record today's findings once, then report only findings that are new."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic, decode_error_at
from generator.files import write_atomic
from generator.lint.config import LintInputError
from generator.lint.findings import Finding

VERSION = 1
_REWRITE = "write a new one with --write-baseline"
_LONG_NUMBER = re.compile(r"\d{4301,}")
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
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        line, column = decode_error_at(raw, exc)
        raise LintInputError(
            Diagnostic(
                shown,
                line,
                column,
                f"not UTF-8: byte 0x{raw[exc.start]:02x} is an {exc.reason}",
                _REWRITE,
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise LintInputError(
            Diagnostic(shown, exc.lineno, exc.colno, f"not JSON: {exc.msg}")
        ) from None
    except ValueError:  # an integer of more than the 4300 digits Python converts
        digits = _LONG_NUMBER.search(text)
        at = digits.start() if digits else 0
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        raise LintInputError(
            Diagnostic(shown, line, column, "a number too long to read", _REWRITE)
        ) from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("version") != VERSION:
        raise LintInputError(
            Diagnostic(
                shown,
                1,
                1,
                f"not a version {VERSION} lint baseline",
                _REWRITE,
            )
        )
    counts: Counter[Key] = Counter()
    bad: list[tuple[int, str]] = []  # entries ("") or their counts ("count") that are no good
    for index, entry in enumerate(entries):
        try:
            key = (entry["path"], entry["rule"], entry["literal"])
        except (TypeError, KeyError):
            key = None
        if key is None or not all(isinstance(part, str) for part in key):
            bad.append((index, ""))  # a number where the path is would silently match nothing
            continue
        count = entry.get("count", 1)
        if type(count) is int and count > 0:  # not 1.5, not true (a bool is an int)
            counts[key] += count
        else:
            bad.append((index, "count"))
    if bad:
        raise LintInputError(_bad_entries(shown, text, entries, bad))
    return counts


def _bad_entries(
    shown: str, text: str, entries: list[Any], bad: list[tuple[int, str]]
) -> list[Diagnostic]:
    """Each bad entry or count at its line and column in ``text``, the baseline's JSON."""
    places = _places(text)
    found = []
    for index, member in bad:
        at, end = places[index][member]
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        if member:
            count = entries[index]["count"]
            written = text[at:end] if "\n" not in text[at:end] else json.dumps(count)
            message = f"bad count {written}: a count is a whole number of times, 1 or more"
            hint = "write a whole number, or write a new baseline with --write-baseline"
        else:
            message, hint = f"bad baseline entry {entries[index]!r}", "write a new baseline"
        found.append(Diagnostic(shown, line, column, message, hint))
    return found


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _places(text: str) -> list[dict[str, tuple[int, int]]]:
    """Where each entry of the findings is in ``text`` (under "") and its members' values: the
    last of a repeated key, as json.loads keeps it."""
    findings = dict((key, at) for key, at, _ in _members(text, _skip(text, 0)))["findings"]
    places = []
    for at, end in _elements(text, findings):
        found = {"": (at, end)}
        if text[at] == "{":
            found.update((key, (start, stop)) for key, start, stop in _members(text, at))
        places.append(found)
    return places


def _members(text: str, at: int) -> Iterator[tuple[str, int, int]]:
    """Key, start and end of each member's value of the JSON object at ``at``."""
    at = _skip(text, at + 1)  # past "{"
    while text[at] != "}":
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, _skip(text, at) + 1)  # past ":"
        _, end = _DECODER.raw_decode(text, at)
        yield key, at, end
        at = _skip(text, end)
        at = _skip(text, at + 1) if text[at] == "," else at


def _elements(text: str, at: int) -> Iterator[tuple[int, int]]:
    """Start and end of each element of the JSON array at ``at``."""
    at = _skip(text, at + 1)  # past "["
    while text[at] != "]":
        _, end = _DECODER.raw_decode(text, at)
        yield at, end
        at = _skip(text, end)
        at = _skip(text, at + 1) if text[at] == "," else at


def _skip(text: str, at: int) -> int:
    return _JSON_SPACE.match(text, at).end()  # type: ignore[union-attr]  # always matches


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
