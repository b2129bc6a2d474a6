"""Read a YAML file safely into plain data plus the line and column of every key and value.

PyYAML's loaders keep the last of two duplicate keys and forget positions; we compose the node
graph ourselves so that duplicates are errors and every later diagnostic can point at a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Diagnostic, FactsError, decode_error_at
from generator.project import check_size, read_source

MAX_DEPTH = 64  # facts nest a handful of levels; deeper is an alias loop or a mistake
_DEPTH_HINT = "facts nest a few levels deep: look for a runaway [[[ or {{{"
MAX_NODES = 200_000  # bounds alias expansion ("billion laughs")

Key = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",  # kept as text: facts are text, dates included
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class YamlDocument:
    """Plain data with the position of each value (``values``) and each mapping key (``keys``)."""

    path: str
    data: Any
    lines: list[str]
    values: dict[Key, Position] = field(default_factory=dict)
    keys: dict[Key, Position] = field(default_factory=dict)
    # Problems that still leave usable data (duplicate keys, tags): reported with the
    # schema and rule errors of the same run rather than alone.
    problems: list[Diagnostic] = field(default_factory=list)

    def position(self, key: Key, *, of_key: bool = False) -> Position:
        """Position of ``key``, falling back to its nearest located parent."""
        table = self.keys if of_key else self.values
        probe = key
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return Position(1, 1)

    def diagnostic(
        self, key: Key, message: str, hint: str | None = None, *, of_key: bool = False
    ) -> Diagnostic:
        pos = self.position(key, of_key=of_key)
        source = self.lines[pos.line - 1] if 0 < pos.line <= len(self.lines) else None
        return Diagnostic(self.path, pos.line, pos.column, message, hint, source)


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []
        self.visited = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, key: Key) -> Any:
        if len(key) > MAX_DEPTH:
            raise FactsError(
                self.doc.diagnostic(
                    key[:MAX_DEPTH],
                    f"the document nests deeper than {MAX_DEPTH} levels",
                    "an alias that contains itself (&a [*a]) never ends: remove it",
                )
            )
        self.visited += 1
        if self.visited > MAX_NODES:
            raise FactsError(
                self.doc.diagnostic(
                    key,
                    f"the document expands to more than {MAX_NODES} values",
                    "YAML aliases are expanded when read; remove the alias chain",
                )
            )
        self.doc.values[key] = _position(node)
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(
                self.doc.diagnostic(
                    key,
                    f"unsupported YAML tag {node.tag!r}",
                    "facts are plain data: remove the tag",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*key, i)) for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError:  # Python converts integers of at most 4300 digits (CVE-2020-10735)
            raise FactsError(
                self.doc.diagnostic(
                    key,
                    f"a number of {len(str(node.value))} characters, too long to read",
                    "write it in quotes if it is text, or shorten it",
                )
            ) from None

    def _mapping(self, node: yaml.MappingNode, key: Key) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                self.problems.append(
                    Diagnostic(
                        self.doc.path,
                        *_line_col(key_node),
                        "mapping keys must be plain text",
                        "merge keys (<<) and complex keys are not supported",
                    )
                )
                continue
            name = str(key_node.value)
            child: Key = (*key, name)
            if name in result:
                first = self.doc.keys[child]
                self.problems.append(
                    Diagnostic(
                        self.doc.path,
                        *_line_col(key_node),
                        f"duplicate key {name!r} (first defined on line {first.line})",
                        "YAML keeps only the last value: delete one of the two",
                        self.doc.lines[key_node.start_mark.line],
                    )
                )
                continue
            self.doc.keys[child] = _position(key_node)
            result[name] = self.build(value_node, child)
        return result


def _line_col(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# What to write in an empty facts file: a pointer that exists in any project (the file itself
# is the empty one).
FACTS_EMPTY_HINT = (
    "write the facts as a YAML mapping: `python -m generator schema` lists its keys,"
    " and which of them are required"
)


def load_yaml(
    path: Path, display: str | None = None, *, empty_hint: str = FACTS_EMPTY_HINT
) -> YamlDocument:
    """Read ``path`` as one YAML document; unreadable input raises FactsError at once."""
    shown = display or str(path)
    return parse_yaml(read_source(path, shown), shown, empty_hint=empty_hint)


def parse_yaml(raw: bytes, shown: str, *, empty_hint: str = FACTS_EMPTY_HINT) -> YamlDocument:
    """Parse bytes already read; see :func:`load_yaml`. ``empty_hint`` says what to write in
    a file that holds no document."""
    check_size(len(raw), shown)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = decode_error_at(raw, exc)
        raise FactsError(
            Diagnostic(shown, line, column, "file is not valid UTF-8", "save it as UTF-8")
        ) from None
    doc = YamlDocument(shown, None, text.splitlines())
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:  # PyYAML's parser recurses once per level of nesting
        raise FactsError(
            Diagnostic(
                shown, 1, 1, f"the document nests deeper than {MAX_DEPTH} levels", _DEPTH_HINT
            )
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _inside(doc.lines, mark.line + 1, mark.column + 1) if mark else (0, 0)
        source = doc.lines[line - 1] if 0 < line <= len(doc.lines) else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise FactsError(
            Diagnostic(shown, line, column, message, _syntax_hint(exc), source)
        ) from None
    except yaml.YAMLError as exc:
        raise FactsError(Diagnostic(shown, 0, 0, f"invalid YAML: {exc}")) from None
    if root is None:
        raise FactsError(Diagnostic(shown, 1, 1, "file is empty", empty_hint))
    builder = _Builder(doc)
    doc.data = builder.build(root, ())
    doc.problems = builder.problems
    return doc


def _inside(lines: list[str], line: int, column: int) -> tuple[int, int]:
    """A parser's position moved into the file: PyYAML reports the end of the input on the
    line after the last one (or after trailing blank lines), where there is nothing to show.
    The end of the last line with text stands for it."""
    last = len(lines)
    while last and not lines[last - 1].strip():
        last -= 1
    if last and line > last:
        return last, len(lines[last - 1]) + 1
    return line, column


# What a parser context says was left open, in the words a person wrote it with, and the fix.
_OPENED = {
    "flow sequence": ("the [ list", "close it, or quote the value if the [ is text"),
    "flow mapping": ("the { mapping", "close it, or quote the value if the { is text"),
    "quoted scalar": ("the quoted text", "end it with the same quote"),
}


def _syntax_hint(exc: yaml.MarkedYAMLError) -> str:
    """What to look for, given where the parser was when it failed."""
    context, problem, mark = exc.context or "", exc.problem or "", exc.context_mark
    opened = next((words for name, words in _OPENED.items() if name in context), None)
    if opened and mark is not None:
        what, fix = opened
        return (
            f"{what} opened at line {mark.line + 1}, column {mark.column + 1} is not closed: {fix}"
        )
    if "stream end" in problem or "end of stream" in problem:
        return "the file ends where YAML expects more: close every [, { and quote it opens"
    if "'\\t'" in problem:
        return "indent with spaces: YAML does not allow tabs there"
    return (
        "check the indentation, brackets and quotes here and on the lines above"
        " (a value holding `: ` needs quotes)"
    )


def indexed(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """The mappings of a list with their indexes in it (the shape may be wrong: a checker of
    meaning walks only what the schema will also judge, and keeps each item's real index)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def named(value: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """The mappings of a mapping with their keys."""
    if not isinstance(value, Mapping):
        return []
    return [(name, item) for name, item in value.items() if isinstance(item, Mapping)]
