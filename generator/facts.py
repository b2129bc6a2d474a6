"""Load facts.yaml in phases (YAML, shape, meaning, model) and report every problem at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import FactsError
from generator.model import Facts, build_facts
from generator.rules import check_meaning
from generator.schema import validate_shape
from generator.yamlsource import YamlDocument, load_yaml, parse_yaml


@dataclass(frozen=True)
class LoadedFacts:
    """Validated facts with the document they came from (for positions)."""

    facts: Facts
    document: YamlDocument


def load_facts(path: Path, display: str | None = None) -> LoadedFacts:
    """Read, validate and model ``path``; raise FactsError listing every problem, sorted."""
    return _validated(load_yaml(path, display))


def parse_facts(raw: bytes, display: str) -> LoadedFacts:
    """Validate facts given as bytes (e.g. facts.yaml at another git revision)."""
    return _validated(parse_yaml(raw, display))


def _validated(doc: YamlDocument) -> LoadedFacts:
    problems = list(doc.problems)
    problems += validate_shape(doc)
    # Meaning rules walk the data defensively, so they run even when the shape is off:
    # one run reports a wrong type and a dangling reference together.
    problems += check_meaning(doc)
    if problems:
        raise FactsError(sorted(set(problems)))
    return LoadedFacts(build_facts(doc.data), doc)
