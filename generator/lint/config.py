"""Lint configuration: per-path excludes and rule ignores from a small YAML file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

from generator.errors import Diagnostic, GeneratorError
from generator.yamlsource import YamlDocument, load_yaml

DEFAULT_NAME = ".drift.yaml"
UNKNOWN_LITERAL = "unknown-literal"  # the one rule ``allow`` applies to


class LintInputError(GeneratorError):
    """A lint configuration or baseline file that cannot be used."""


@dataclass
class LintConfig:
    exclude: pathspec.GitIgnoreSpec = field(
        default_factory=lambda: pathspec.GitIgnoreSpec.from_lines([])
    )
    ignores: list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]] = field(default_factory=list)
    # Literals no fact holds on purpose (a router, a public resolver): never "unknown".
    allow: frozenset[str] = frozenset()

    def excluded(self, *paths: str) -> bool:
        return bool(self.exclude.patterns) and any(self.exclude.match_file(p) for p in paths)

    def allowed(self, rule: str, literal: str) -> bool:
        return rule == UNKNOWN_LITERAL and literal in self.allow

    def ignored_rules(self, *paths: str) -> frozenset[str]:
        rules: frozenset[str] = frozenset()
        for spec, names in self.ignores:
            if any(spec.match_file(p) for p in paths):
                rules |= names
        return rules


_EMPTY_HINT = "write a `lint:` mapping of exclude, per-path-ignores and allow, or delete the file"


def load_config(path: Path | None, rules: Iterable[str], *, required: bool) -> LintConfig:
    """The configuration at ``path`` (or ``.drift.yaml`` when present); empty otherwise.

    The file looks like this; a pattern matches the path as shown (relative to the working
    folder) or the path relative to the folder linted::

        lint:
          exclude:                  # files never linted (gitignore-style patterns)
            - archive/**
          per-path-ignores:         # rules not applied to matching files
            CHANGELOG.md: [retired-value, retired-component]
          allow: [1.1.1.1]          # literals that are no fact on purpose: never unknown
    """
    path = path or Path(DEFAULT_NAME)
    if not path.is_file():
        if required:
            raise LintInputError(Diagnostic(str(path), 0, 0, "no such configuration file"))
        return LintConfig()
    doc = load_yaml(path, path.as_posix(), empty_hint=_EMPTY_HINT)
    problems: list[Diagnostic] = []
    known = set(rules)
    data = doc.data if doc.data is not None else {}
    lint = _mapping(doc, data, (), "the file", problems).get("lint", {})
    section = _mapping(doc, lint, ("lint",), "lint", problems)
    for key in section:
        if key not in ("exclude", "per-path-ignores", "allow"):
            problems.append(
                doc.diagnostic(
                    ("lint", key),
                    f"unknown setting {key!r}",
                    "use exclude, per-path-ignores or allow",
                    of_key=True,
                )
            )
    config = LintConfig()
    excludes = _strings(doc, section.get("exclude", []), ("lint", "exclude"), problems)
    good = [p for i, p in enumerate(excludes) if _pattern(doc, p, ("lint", "exclude", i), problems)]
    config.exclude = pathspec.GitIgnoreSpec.from_lines(good)
    allowed = section.get("allow", [])
    if isinstance(allowed, list):  # an unquoted port (3000) is read as a number: its text
        allowed = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in allowed]
    config.allow = frozenset(_strings(doc, allowed, ("lint", "allow"), problems))
    ignores = _mapping(
        doc, section.get("per-path-ignores", {}), ("lint", "per-path-ignores"), "it", problems
    )
    for pattern, names in ignores.items():
        where = ("lint", "per-path-ignores", pattern)
        listed = _strings(doc, names, where, problems)
        for i, name in enumerate(listed):
            if name not in known:
                problems.append(
                    doc.diagnostic(
                        (*where, i), f"unknown rule {name!r}", "rules: " + ", ".join(sorted(known))
                    )
                )
        if _pattern(doc, str(pattern), where, problems, of_key=True):
            spec = pathspec.GitIgnoreSpec.from_lines([str(pattern)])
            config.ignores.append((spec, frozenset(listed)))
    if problems:
        raise LintInputError(problems)
    return config


def _mapping(
    doc: YamlDocument, value: Any, key: tuple[str, ...], what: str, problems: list[Diagnostic]
) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    problems.append(doc.diagnostic(key, f"{what} must be a mapping", "see lint --help"))
    return {}


def _strings(
    doc: YamlDocument, value: Any, key: tuple[str, ...], problems: list[Diagnostic]
) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    problems.append(doc.diagnostic(key, "expected a list of strings", "write [a, b]"))
    return []


def _pattern(
    doc: YamlDocument,
    pattern: str,
    key: tuple[str | int, ...],
    problems: list[Diagnostic],
    *,
    of_key: bool = False,
) -> bool:
    """Whether ``pattern`` is a gitignore-style pattern pathspec can compile; if not, a problem
    at its place (pathspec raises its own ValueError, or re.error for a bad [range])."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (ValueError, re.error) as exc:
        problems.append(
            doc.diagnostic(
                key,
                f"bad pattern {pattern!r}: {exc.msg if isinstance(exc, re.error) else exc}",
                "write a gitignore-style pattern (escape a literal [ or \\ with \\)",
                of_key=of_key,
            )
        )
        return False
    return True
