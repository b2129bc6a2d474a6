"""The JSON Schema of facts.yaml, and shape validation that reports every error at its line."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from generator.errors import Diagnostic
from generator.yamlsource import Key, YamlDocument


@cache
def schema_text() -> str:
    """The schema exactly as shipped in the package."""
    return resources.files("generator").joinpath("facts.schema.json").read_text("utf-8")


@cache
def facts_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


# The schema's date pattern, which reports any other form: only its matches are looked up.
_DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _exists_on_calendar(value: object) -> bool:
    """Whether a YYYY-MM-DD names a real day; raises ValueError saying why not (2026-02-30)."""
    if isinstance(value, str) and _DATE_FORM.fullmatch(value):
        datetime.date.fromisoformat(value)
    return True


# Only the formats facts.yaml uses, checked as this module says (jsonschema's own "date"
# would report the form a second time, beside the pattern).
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date", raises=ValueError)(_exists_on_calendar)
_FORMAT_HINTS = {"date": "write a real YYYY-MM-DD"}


_VALUE_WORDS = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a number",
    float: "a number",
}


def _describe(value: Any) -> str:
    return _VALUE_WORDS.get(type(value), "empty" if value is None else type(value).__name__)


def _unknown_keys(doc: YamlDocument, error: jsonschema.ValidationError) -> list[Diagnostic]:
    allowed = sorted(_schema_of(error).get("properties", {}))
    found: list[Diagnostic] = []
    for name in _instance(error):
        if name in allowed:
            continue
        key: Key = (*error.absolute_path, name)
        nearest = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {nearest[0]!r}? " if nearest else ""
        hint += "allowed keys: " + ", ".join(allowed)
        if "extra" in allowed:  # a fact the schema has no key for goes there, free-form
            hint += f"; put a fact of your own under `extra` (extra: {{{name}: ...}})"
        found.append(doc.diagnostic(key, f"unknown key {name!r}", hint, of_key=True))
    return found


def _schema_of(error: jsonschema.ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _instance(error: jsonschema.ValidationError) -> Any:
    return error.instance


def _value(error: jsonschema.ValidationError) -> Any:
    return error.validator_value


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
}


def _message(error: jsonschema.ValidationError) -> tuple[str, str | None]:
    """A plain-words message and hint for one schema error."""
    validator = error.validator
    description = _schema_of(error).get("description")
    if validator == "type":
        expected = error.validator_value
        kinds = expected if isinstance(expected, list) else [expected]
        words = [_TYPE_WORDS.get(str(kind), str(kind)) for kind in kinds]
        wanted = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        message = f"expected {wanted}, found {_describe(error.instance)}"
        if expected == "string" and isinstance(error.instance, (int, float, bool)):
            return message, "quote the value to keep it as text"
        return message, description
    if validator == "required":
        missing = error.message.split("'")[1]
        return f"missing required key {missing!r}", None
    if validator == "enum":
        options = ", ".join(str(v) for v in _value(error))
        return f"{error.instance!r} is not one of: {options}", description
    if validator in ("minimum", "maximum"):
        return f"{error.instance} is out of range ({error.message.split(' is ')[-1]})", description
    if validator == "pattern":
        return f"{error.instance!r} is not in the expected form", description
    if validator == "oneOf":
        return "exactly one of the alternatives must be given", _one_of_hint(error)
    if validator == "format":
        kind = str(_value(error))
        return f"{error.instance} is not a {kind}: {error.cause}", _FORMAT_HINTS.get(kind)
    if validator == "minItems":
        least = _value(error)
        return f"needs at least {least} item{'s' * (least != 1)}", description
    return error.message, description


def _one_of_hint(error: jsonschema.ValidationError) -> str:
    keys = [next(iter(alt.get("required", [])), "?") for alt in _value(error)]
    return "give exactly one of: " + ", ".join(keys)


def validate_shape(doc: YamlDocument) -> list[Diagnostic]:
    """Every place where the document does not match the schema."""
    validator = jsonschema.Draft202012Validator(facts_schema(), format_checker=_FORMATS)
    found: list[Diagnostic] = []
    for error in validator.iter_errors(doc.data):
        found.extend(_flatten(doc, error))
    return found


def _flatten(doc: YamlDocument, error: jsonschema.ValidationError) -> list[Diagnostic]:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_keys(doc, error)
    if "propertyNames" in error.relative_schema_path:
        # A key itself is wrong: jsonschema reports it at the mapping, with the key as the
        # instance. Shown at the key, not at the mapping's first line.
        return [
            doc.diagnostic(
                (*error.absolute_path, _instance(error)),
                f"invalid key {_instance(error)!r}",
                _schema_of(error).get("description"),  # e.g. "A key: lower case letters..."
                of_key=True,
            )
        ]
    message, hint = _message(error)
    return [doc.diagnostic(tuple(error.absolute_path), message, hint)]
