"""Findings as compiler-style text, as a JSON array, or as SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from generator import __version__
from generator.lint.context import Rule
from generator.lint.findings import Finding
from generator.report import Reporter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def as_records(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "path": f.path,
            "line": f.line,
            "column": f.column,
            "literal": f.literal,
            "rule": f.rule,
            "message": f.message,
            "suggestion": f.suggestion,
            "fact": f.fact,
        }
        for f in findings
    ]


def as_json(findings: Iterable[Finding]) -> str:
    return json.dumps(as_records(findings), indent=2, ensure_ascii=False) + "\n"


def as_sarif(findings: Sequence[Finding], rules: Sequence[Rule]) -> str:
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    for f in findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.shown)}}
        if f.line:
            location["region"] = {
                "startLine": f.line,
                "startColumn": f.column,
                "endColumn": f.column + len(f.literal),
                "snippet": {"text": f.literal},
            }
        text = f"{f.literal}: {f.message}"
        if f.suggestion:
            text += f" (did you mean {f.suggestion}?)"
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": "error",
                "message": {"text": text},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {"driftLiteral/v1": f"{f.rule}:{f.literal}"},
                "properties": {"literal": f.literal, "suggestion": f.suggestion, "fact": f.fact},
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "generator lint",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule.id,
                                "shortDescription": {"text": rule.summary},
                                "fullDescription": {"text": rule.explanation},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rule in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(shown: str) -> str:
    """A path as SARIF wants it: relative (to where lint ran) as a URI reference with a space
    or % percent-encoded ("/" kept); absolute as a file:// URI, not a bare /path."""
    if PurePath(shown).is_absolute():
        return PurePath(shown).as_uri()
    return quote(shown)


def print_text(
    findings: Sequence[Finding], files: int, reporter: Reporter, generated: int = 0
) -> None:
    """The findings, then a summary: how many files were linted, and skipped as generated."""
    for f in findings:
        hint = f" (did you mean {reporter.paint(f.suggestion, 'green')}?)" if f.suggestion else ""
        rule = reporter.paint(f.rule, "yellow")
        place = reporter.paint(f.location(), "bold")
        reporter.line(f"{place}: {rule} `{f.literal}` {f.message}{hint}")
    skipped = f" ({generated} generated skipped)" if generated else ""
    if findings:
        places = len({f.shown for f in findings})
        reporter.info(
            f"{len(findings)} finding(s) in {places} file(s); {files} file(s) linted{skipped}"
        )
    else:
        reporter.info(f"no drift found in {files} file(s){skipped}")
