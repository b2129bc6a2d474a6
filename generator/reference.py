"""Reference data for the wiki: the CLI from the argument parser, facts.yaml from its schema.

Both pages are rendered from these records, so they change when the parser or the schema does
and ``check`` fails until they are rendered again.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.markdown import Block
from generator.schema import facts_schema

_USAGE_WIDTH = 90  # fixed, whatever the terminal: the page must not depend on it


@dataclass(frozen=True)
class CliOption:
    """One option or positional argument."""

    flags: tuple[str, ...]  # e.g. ("-q", "--quiet"); the name alone for a positional
    metavar: str  # "" for a switch
    help: str
    default: str  # "" when there is none worth showing

    @property
    def synopsis(self) -> str:
        names = ", ".join(self.flags)
        return f"{names} {self.metavar}" if self.metavar and self.flags[0][:1] == "-" else names


@dataclass(frozen=True)
class CliCommand:
    """One subcommand, with the options it adds to those every command takes."""

    name: str  # "render", or "a b" for a nested command
    summary: str
    examples: tuple[str, ...]
    usage: str
    arguments: tuple[CliOption, ...]
    options: tuple[CliOption, ...]


@dataclass(frozen=True)
class CliReference:
    prog: str
    description: str
    usage: str
    common: tuple[CliOption, ...]  # options every command takes
    top_only: tuple[CliOption, ...]  # options only the bare program takes, e.g. --version
    commands: tuple[CliCommand, ...]


def _help(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {**vars(action), "prog": prog}
    return " ".join(text.split())


def _default(action: argparse.Action) -> str:
    if action.option_strings and action.nargs == 0:
        return ""  # switches: the default is "off"
    if action.default in (None, argparse.SUPPRESS, False, [], ""):
        return ""
    return str(action.default)


def _option(action: argparse.Action, prog: str) -> CliOption:
    if action.option_strings:
        flags = tuple(action.option_strings)
        metavar = "" if action.nargs == 0 else str(action.metavar or action.dest.upper())
    else:
        flags = (str(action.metavar or action.dest),)
        metavar = ""
    text = _help(action, prog)
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        text = f"{text} (one of: {', '.join(str(c) for c in action.choices)})".strip()
    return CliOption(flags, metavar, text, _default(action))


def _usage(parser: argparse.ArgumentParser) -> Block:
    """The usage lines as ``--help`` prints them, wrapped at a fixed width (a code block)."""
    formatter = argparse.HelpFormatter(parser.prog, width=_USAGE_WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, "")
    lines = formatter.format_help().strip("\n").splitlines()
    return Block("\n".join(line.rstrip() for line in lines))


def _visible(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        yield action


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            choices: Mapping[str, argparse.ArgumentParser] = action.choices
            seen: set[int] = set()
            for name, sub in choices.items():
                if id(sub) not in seen:  # aliases map several names to one parser
                    seen.add(id(sub))
                    yield name, sub


def _examples(parser: argparse.ArgumentParser) -> tuple[str, ...]:
    from generator.cli import EXAMPLE_PREFIX  # the CLI writes it, see build_parser

    lines = (parser.epilog or "").splitlines()
    return tuple(
        line.strip().removeprefix(EXAMPLE_PREFIX)
        for line in lines
        if line.strip().startswith(EXAMPLE_PREFIX)
    )


def _commands(
    parser: argparse.ArgumentParser, common: frozenset[tuple[str, ...]], path: str
) -> Iterator[CliCommand]:
    for name, sub in _subparsers(parser):
        full = f"{path} {name}".strip()
        own = [
            _option(a, sub.prog)
            for a in _visible(sub)
            if not isinstance(a, argparse._SubParsersAction)
        ]
        yield CliCommand(
            name=full,
            summary=" ".join((sub.description or "").split()),
            examples=_examples(sub),
            usage=_usage(sub),
            arguments=tuple(o for o in own if not o.flags[0].startswith("-")),
            options=tuple(o for o in own if o.flags[0].startswith("-") and o.flags not in common),
        )
        yield from _commands(sub, common, full)


def cli_reference(parser: argparse.ArgumentParser | None = None) -> CliReference:
    """The CLI as data; by default from the generator's own parser."""
    if parser is None:
        from generator.cli import build_parser  # here, not at the top: the CLI imports us

        parser = build_parser()
    top = [
        _option(a, parser.prog)
        for a in _visible(parser)
        if not isinstance(a, argparse._SubParsersAction)
    ]
    subs = [sub for _, sub in _subparsers(parser)]
    # Common options are those the program and every subcommand accept under the same flags.
    shared = {o.flags for o in top if o.flags[0].startswith("-")}
    for sub in subs:
        shared &= {tuple(a.option_strings) for a in _visible(sub) if a.option_strings}
    common = frozenset(shared)
    return CliReference(
        prog=parser.prog,
        description=" ".join((parser.description or "").split()),
        usage=_usage(parser),
        common=tuple(o for o in top if o.flags in common),
        top_only=tuple(o for o in top if o.flags not in common),
        commands=tuple(_commands(parser, common, "")),
    )


@dataclass(frozen=True)
class SchemaEntry:
    """One key of facts.yaml, in dotted form with ``<key>`` for names you choose."""

    key: str
    kind: str  # the value's type in plain words
    required: bool
    description: str


@dataclass(frozen=True)
class SchemaSection:
    """A top-level key of facts.yaml and every key below it."""

    key: str
    description: str
    required: bool
    entries: tuple[SchemaEntry, ...]
    notes: tuple[str, ...]  # rules the table cannot show, e.g. "give exactly one of"


@dataclass(frozen=True)
class FactsReference:
    title: str
    description: str
    sections: tuple[SchemaSection, ...]


_TYPE_WORDS = {
    "string": "text",
    "number": "number",
    "integer": "whole number",
    "boolean": "true or false",
    "array": "list",
    "object": "mapping",
}


class _Walker:
    """Flattens the schema into entries, resolving local ``$ref``s."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.entries: list[SchemaEntry] = []
        self.notes: list[str] = []
        self.within: list[str] = []  # the definitions being walked: one may contain itself

    def resolve(self, node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
        """The node with its ``$ref`` followed, and the name of the definition (or "")."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, ""
        name = ref.rsplit("/", 1)[-1]
        target = self.defs[name]
        # Keywords beside $ref (e.g. a more specific description) win over the definition's.
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}, name

    def kind(self, node: Mapping[str, Any]) -> str:
        node, name = self.resolve(node)
        if "enum" in node:
            return "one of: " + ", ".join(f"`{v}`" for v in node["enum"])
        if name == "word":
            known = ", ".join(f"`{v}`" for v in node.get("examples", ()))
            return "word (lower case, hyphens)" + (f", e.g. {known}" if known else "")
        kind = node.get("type", "")
        if isinstance(kind, list):
            return "any of: " + ", ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kind)
        if kind == "string":
            words = {"ipv4": "IPv4 address", "date": "date (YYYY-MM-DD)", "key": "key"}
            words["devops_file"] = "devops file (FOLDER_KEY/FILE)"
            return f"{words.get(name, 'text')}"
        if kind == "integer":
            low, high = node.get("minimum"), node.get("maximum")
            if low is not None and high is not None:
                return f"whole number, {low} to {high}"
            return f"whole number, at least {low}" if low is not None else "whole number"
        if kind == "boolean":
            return "true or false"
        if kind == "array":
            item = self.kind(node.get("items", {}))
            least = node.get("minItems")
            return f"list of {item}" + (f" (at least {least})" if least else "")
        if kind == "object":
            if isinstance(node.get("additionalProperties"), dict):
                return "mapping of `<key>` to " + self.kind(node["additionalProperties"])
            return f"mapping ({name})" if name else "mapping"
        return str(kind) or "any"

    def walk(self, original: Mapping[str, Any], key: str, required: bool) -> None:
        node, name = self.resolve(original)
        if name and name in self.within:
            return  # a definition inside itself (extra's values): listed once, above
        description = " ".join(str(node.get("description", "")).split())
        self.entries.append(SchemaEntry(key, self.kind(original), required, description))
        self.within.append(name)
        self._below(node, key)
        self.within.pop()

    def _below(self, node: Mapping[str, Any], key: str) -> None:
        needed = set(node.get("required", []))
        for name, child in node.get("properties", {}).items():
            self.walk(child, f"{key}.{name}", name in needed)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            self.walk(extra, f"{key}.<key>", True)
        if isinstance(node.get("items"), dict):
            self.walk(node["items"], f"{key}[]", True)
        alternatives = node.get("oneOf")
        if isinstance(alternatives, list):
            names = [f"`{key}.{n}`" for alt in alternatives for n in alt.get("required", [])]
            self.notes.append(f"`{key}`: give exactly one of " + ", ".join(names) + ".")


def facts_reference(schema: Mapping[str, Any] | None = None) -> FactsReference:
    """facts.yaml as documented by its JSON Schema; by default the schema the package ships."""
    schema = facts_schema() if schema is None else schema
    needed = set(schema.get("required", []))
    sections = []
    for name, node in schema.get("properties", {}).items():
        walker = _Walker(schema)
        walker.walk(node, name, name in needed)
        first, rest = walker.entries[0], walker.entries[1:]
        sections.append(
            SchemaSection(name, first.description, first.required, tuple(rest), tuple(walker.notes))
        )
    return FactsReference(
        title=str(schema.get("title", "facts.yaml")),
        description=" ".join(str(schema.get("description", "")).split()),
        sections=tuple(sections),
    )


def undescribed_keys(schema: Mapping[str, Any] | None = None) -> list[str]:
    """Keys that an editor would show without a description when hovered."""
    reference = facts_reference(schema)
    return [
        entry.key
        for section in reference.sections
        for entry in (SchemaEntry(section.key, "", True, section.description), *section.entries)
        if not entry.description
    ]


@dataclass(frozen=True)
class Reference:
    """What reference templates see as ``reference``."""

    cli: CliReference
    facts: FactsReference


def reference() -> Reference:
    return Reference(cli_reference(), facts_reference())
