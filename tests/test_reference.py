"""The reference pages come from the argument parser and the schema, and check guards them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.cli import build_parser
from generator.reference import cli_reference, facts_reference, undescribed_keys
from generator.schema import facts_schema
from tests.conftest import run

CLI_PAGE = "docs/reference/cli.md"
FACTS_PAGE = "docs/reference/facts.md"


def _parsers(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every (command path, parser) pair, walked independently of generator.reference."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}".strip())


@pytest.fixture
def rendered_cli(project: Path) -> str:
    result = run(["render"], project)
    assert result.code == 0, result.err
    return (project / CLI_PAGE).read_text("utf-8")


def test_every_command_and_option_appears_in_the_cli_reference(rendered_cli: str) -> None:
    missing = []
    for path, parser in _parsers(build_parser()):
        if path and f"\n## {path}\n" not in rendered_cli:
            missing.append(f"command {path!r}")
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            for flag in action.option_strings:
                if flag in ("-h", "--help"):
                    continue
                if f"`{flag}" not in rendered_cli and f", {flag}" not in rendered_cli:
                    missing.append(f"option {flag} of {path or 'the program'}")
            positional = not action.option_strings
            if positional and not isinstance(action, argparse._SubParsersAction):
                name = action.metavar or action.dest
                if f"`{name}`" not in rendered_cli:
                    missing.append(f"argument {name} of {path}")
    assert missing == []


def test_every_command_shows_its_usage_and_example(rendered_cli: str) -> None:
    for command in cli_reference().commands:
        assert f"```text\n{command.usage}\n```" in rendered_cli
        for example in command.examples:
            assert f"```sh\n{example}\n```" in rendered_cli


def test_check_fails_when_the_cli_reference_is_edited(project: Path) -> None:
    assert run(["render"], project).code == 0
    page = project / CLI_PAGE
    page.write_text(page.read_text("utf-8").replace("--quiet", "--silent"), encoding="utf-8")
    result = run(["check"], project)
    assert result.code == 1
    assert f"{CLI_PAGE}: hand-edited" in result.out
    assert "-| `-q, --silent` | print only results and errors |" in result.out
    assert "then run `python -m generator render`" in result.out  # the copy has no Makefile


def _toy_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="say less")
    parser = argparse.ArgumentParser(prog="toy", description="A toy.", parents=[common])
    parser.add_argument("--version", action="version", version="1")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sync = sub.add_parser(
        "sync", description="Sync the repos.", parents=[common], epilog="example: toy sync a"
    )
    sync.add_argument("repo", nargs="*", help="repos to sync")
    sync.add_argument("--mode", choices=["fast", "safe"], default="safe", help="how, %(prog)s")
    sync.add_argument("--hidden", help=argparse.SUPPRESS)
    inner = sync.add_subparsers(dest="what")
    inner.add_parser("now", description="Right now.", parents=[common])
    return parser


def test_cli_reference_reads_options_choices_defaults_and_nested_commands() -> None:
    reference = cli_reference(_toy_parser())
    assert [o.flags for o in reference.common] == [("-q", "--quiet")]
    assert [o.flags for o in reference.top_only] == [("--version",)]
    assert [c.name for c in reference.commands] == ["sync", "sync now"]
    sync = reference.commands[0]
    assert sync.summary == "Sync the repos."
    assert sync.examples == ("toy sync a",)
    assert [(a.synopsis, a.help) for a in sync.arguments] == [("repo", "repos to sync")]
    assert [(o.synopsis, o.help, o.default) for o in sync.options] == [
        ("--mode MODE", "how, toy sync (one of: fast, safe)", "safe")
    ]
    assert sync.usage == "toy sync [-h] [-q] [--mode {fast,safe}] [repo ...] {now} ..."


def test_cli_reference_does_not_depend_on_the_terminal_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    narrow = cli_reference()
    monkeypatch.setenv("COLUMNS", "300")
    assert cli_reference() == narrow
    assert max(len(line) for c in narrow.commands for line in c.usage.splitlines()) <= 90


def _property_paths(node: dict[str, Any], path: str, within: tuple[str, ...] = ()) -> Iterator[str]:
    defs = facts_schema()["$defs"]
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in within:
            return  # a definition inside itself (extra's values nest): listed once
        node, within = {**defs[name], **node}, (*within, name)
    for name, child in node.get("properties", {}).items():
        yield f"{path}.{name}".lstrip(".")
        yield from _property_paths(child, f"{path}.{name}".lstrip("."), within)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _property_paths(node["additionalProperties"], f"{path}.<key>", within)
    if isinstance(node.get("items"), dict):
        yield from _property_paths(node["items"], f"{path}[]", within)


def test_every_schema_key_is_in_the_facts_reference(project: Path) -> None:
    assert run(["render"], project).code == 0
    page = (project / FACTS_PAGE).read_text("utf-8")
    keys = list(_property_paths(facts_schema(), ""))
    assert len(keys) > 50
    missing = [key for key in keys if f"`{key}`" not in page and f"## {key}\n" not in page]
    assert missing == []
    assert "- `feeds.<key>`: give exactly one of `feeds.<key>.cron`, " in page


def test_every_schema_key_has_a_description() -> None:
    assert undescribed_keys() == []


def test_a_key_without_description_is_found() -> None:
    schema = json.loads(json.dumps(facts_schema()))
    del schema["properties"]["deploy"]["properties"]["host"]["description"]
    assert undescribed_keys(schema) == ["deploy.host"]


def test_facts_reference_describes_types_in_plain_words() -> None:
    entries = {e.key: e for s in facts_reference().sections for e in s.entries}
    assert entries["hosts.<key>.services.<key>.port"].kind == "whole number, 1 to 65535"
    assert entries["hosts.<key>.ip"].kind == "IPv4 address"
    assert entries["repos.<key>.deploy_role"].kind == "one of: `deploys`, `opens-prs`, `none`"
    # An open kind: any word, the values templates know given as examples.
    assert entries["hosts.<key>.kind"].kind == (
        "word (lower case, hyphens), e.g. `fly-app`, `vm`, `workstation`"
    )
    assert entries["hosts.<key>.extra"].required is False
    assert entries["hosts.<key>.extra.<key>"].kind == (
        "any of: text, number, true or false, list, mapping"
    )
    assert "hosts.<key>.extra.<key>.<key>" not in entries  # free-form below: listed once
    assert entries["project.audit"].required is False
    assert entries["project.audit.title"].required is True
    # A description beside a $ref wins over the definition's generic one.
    assert entries["hosts.<key>.ip"].description.startswith("The host's IP address")
