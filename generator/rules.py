"""Meaning checks that a schema cannot express: addresses, ports, cron, and references by key.

Whether a date exists on the calendar is the schema's ``format: date`` (see generator.schema).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from generator import agreement
from generator.cronspec import cron_problem
from generator.errors import Diagnostic
from generator.yamlsource import Key, YamlDocument, indexed, named

_INDEX = re.compile(r"[0-9]+")  # ASCII digits: str.isdigit also takes "²", which int() refuses
# The records that may carry `extra`, by the key of the table that holds them.
_RECORD_TABLES = (("hosts",), ("repos",), ("feeds",), ("components",), ("hosts", "*", "services"))


def is_table(key: Key) -> bool:
    """Whether ``key`` is a mapping whose keys facts.yaml chooses (``hosts``, a host's
    ``services``, ``devops.folders``); every other mapping's keys are the schema's."""
    return key == ("devops", "folders") or any(_matches(key, table) for table in _RECORD_TABLES)


def _matches(key: Key, pattern: tuple[str, ...]) -> bool:
    return len(key) == len(pattern) and all(
        p in ("*", k) for p, k in zip(pattern, key, strict=True)
    )


def in_extra(key: Key) -> bool:
    """Whether ``key`` is a record's ``extra`` or below it: facts of the user's own, which
    no check and no linter rule gives a meaning."""
    return any(
        len(key) > len(table) + 1
        and _matches(key[: len(table)], table)
        and key[len(table) + 1] == "extra"
        for table in _RECORD_TABLES
    )


def resolve(data: Any, dotted: str) -> Any:
    """The value at a dotted key such as ``hosts.home_vm.ip``; KeyError when absent."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and _INDEX.fullmatch(part) and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(dotted)
    return node


class _Checker:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        # The shape may be wrong too (reported by the schema); walk only what is a mapping.
        self.data: Mapping[str, Any] = doc.data if isinstance(doc.data, Mapping) else {}
        self.found: list[Diagnostic] = []

    def error(self, key: Key, message: str, hint: str | None = None) -> None:
        self.found.append(self.doc.diagnostic(key, message, hint))

    def reference(self, key: Key, value: Any, table: str, what: str) -> None:
        """``value`` must name a key of the top-level mapping at dotted path ``table``."""
        if not isinstance(value, str):
            return
        choices = self.table(table)
        if choices is None or value in choices:
            return
        known = sorted(choices)
        if known:
            nearest = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
            hint = (f"did you mean {nearest[0]!r}? " if nearest else "") + (
                f"known {what}s: " + ", ".join(known)
            )
        else:  # a new project: an empty list would read as a cut-off message
            hint = f"no {what} is declared yet: declare {value!r} under `{table}`"
        self.error(key, f"unknown {what} {value!r} ({table}.{value} does not exist)", hint)

    def table(self, dotted: str) -> Mapping[str, Any] | None:
        """The mapping at ``dotted`` whose keys a reference may name. A section facts.yaml
        leaves out is empty (every section but ``project`` is optional), and so are a
        host's services; None when a key on the way names nothing (``hosts.HOST.services`` for
        an unknown HOST: that host is reported on its own) or the value is not a mapping."""
        node: Any = self.data
        parts = dotted.split(".")
        for n, part in enumerate(parts):
            if not isinstance(node, Mapping):
                return None
            if part in node:
                node = node[part]
            elif is_table(tuple(parts[:n])):
                return None  # a key facts.yaml chooses: reported where it is given
            else:
                node = {}
        return node if isinstance(node, Mapping) else None

    def run(self) -> list[Diagnostic]:
        self.hosts()
        self.feeds()
        self.paths_and_steps()
        self.devops_files()
        self.dotted_keys()
        self.former_values()
        agreement.deploy_agreement(self.data, self.error)
        agreement.invariant_subjects(self.data, resolve, self.error)
        agreement.feed_scripts(self.data, self.error)
        return self.found

    def hosts(self) -> None:
        for name, host in named(self.data.get("hosts")):
            base: Key = ("hosts", name)
            self.ipv4((*base, "ip"), host.get("ip"))
            claimed: dict[int, str] = {}
            for service_name, service in named(host.get("services")):
                skey: Key = (*base, "services", service_name)
                self.ipv4((*skey, "address"), service.get("address"))
                port = service.get("port")
                if isinstance(port, int) and not isinstance(port, bool):
                    if port in claimed:
                        self.error(
                            (*skey, "port"),
                            f"port {port} on host {name!r} is already claimed by service "
                            f"{claimed[port]!r}",
                            "each port on a host belongs to one service",
                        )
                    else:
                        claimed[port] = service_name

    def ipv4(self, key: Key, value: Any) -> None:
        if not isinstance(value, str):
            return
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            self.error(
                key,
                f"{value!r} is not a valid IPv4 address",
                "write four numbers 0-255 separated by dots",
            )

    def feeds(self) -> None:
        for name, feed in named(self.data.get("feeds")):
            base: Key = ("feeds", name)
            cron = feed.get("cron")
            if isinstance(cron, str):
                problem = cron_problem(cron)
                if problem:
                    self.error(
                        (*base, "cron"), problem, "use five fields: minute hour day month weekday"
                    )
            writer = feed.get("writer")
            if isinstance(writer, Mapping):
                self.reference((*base, "writer", "host"), writer.get("host"), "hosts", "host")

    def paths_and_steps(self) -> None:
        for i, hop in indexed(self.data.get("network_path")):
            key: Key = ("network_path", i)
            self.reference((*key, "host"), hop.get("host"), "hosts", "host")
            host = hop.get("host")
            if isinstance(host, str) and "service" in hop:
                self.reference(
                    (*key, "service"), hop["service"], f"hosts.{host}.services", "service"
                )
        for i, rule in indexed(self.data.get("change_gate")):
            key = ("change_gate", i)
            self.reference((*key, "folder"), rule.get("folder"), "devops.folders", "devops folder")
            self.reference((*key, "deployer"), rule.get("deployer"), "hosts", "host")
            self.reference((*key, "repo"), rule.get("repo"), "repos", "repo")
        for i, step in indexed(self.data.get("sync_flow")):
            key = ("sync_flow", i)
            self.reference((*key, "actor"), step.get("actor"), "hosts", "host")
            self.reference((*key, "folder"), step.get("folder"), "devops.folders", "devops folder")
        deploy = self.data.get("deploy")
        if isinstance(deploy, Mapping):
            self.reference(("deploy", "host"), deploy.get("host"), "hosts", "host")
            self.reference(("deploy", "repo"), deploy.get("repo"), "repos", "repo")
            self.reference(
                ("deploy", "folder"), deploy.get("folder"), "devops.folders", "devops folder"
            )
        devops = self.data.get("devops")
        if isinstance(devops, Mapping):
            self.reference(("devops", "repo"), devops.get("repo"), "repos", "repo")
        for name, component in named(self.data.get("components")):
            key = ("components", name)
            self.reference((*key, "repo"), component.get("repo"), "repos", "repo")
            self.reference((*key, "replaced_by"), component.get("replaced_by"), "feeds", "feed")
        for i, change in indexed(self.data.get("changes_required")):
            self.reference(("changes_required", i, "repo"), change.get("repo"), "repos", "repo")

    def devops_files(self) -> None:
        """FOLDER/FILE references must name a folder of the layout and a file it lists."""
        for key, value in walk(self.data):
            field = key[-1] if key else None
            if (
                field not in ("config", "program")
                or key[0] == "devops"
                or in_extra(key)  # free-form: a `config` there is the user's own fact
                or not isinstance(value, str)
            ):
                continue
            folder, _, file = value.partition("/")
            try:
                listed = resolve(self.data, f"devops.folders.{folder}.files")
            except KeyError:
                self.reference(key, folder, "devops.folders", "devops folder")
                continue
            if isinstance(listed, list) and file not in listed:
                self.error(
                    key,
                    f"{file!r} is not listed in devops.folders.{folder}.files",
                    "add it to the folder's files, or fix the name",
                )

    def former_values(self) -> None:
        """A former value must differ from what its fact holds now, or the linter would flag
        the current value as stale and the invariants page would forbid what it requires."""
        for i, item in indexed(self.data.get("former_values")):
            value, fact = item.get("value"), item.get("fact")
            if not isinstance(value, str) or not isinstance(fact, str):
                continue
            try:
                current = resolve(self.data, fact)
            except KeyError:
                continue  # reported by dotted_keys
            if _as_text(current) == value:
                self.error(
                    ("former_values", i, "value"),
                    f"former value {value!r} equals the current value of {fact}",
                    f"drop this former value, or correct {fact} if it still holds the old one",
                )

    def dotted_keys(self) -> None:
        for table, field in (("invariants", "subject"), ("former_values", "fact")):
            for i, item in indexed(self.data.get(table)):
                value = item.get(field)
                if not isinstance(value, str):
                    continue
                try:
                    resolve(self.data, value)
                except KeyError:
                    self.error(
                        (table, i, field),
                        f"{value!r} names no fact",
                        _existing_fact_hint(self.data),
                    )
        provenance = self.data.get("provenance")
        for name in provenance if isinstance(provenance, Mapping) else ():
            try:
                resolve(self.data, name)
            except KeyError:
                self.found.append(
                    self.doc.diagnostic(
                        ("provenance", name),
                        f"provenance entry {name!r} names no fact",
                        _existing_fact_hint(self.data),
                        of_key=True,
                    )
                )


def example_key(data: Any) -> str | None:
    """A dotted key that this document holds, for a hint's example: a host's ip if any host
    has one, else the first value two levels down (``project.name``). None in an empty
    document. Taken from the facts at hand, so a hint never names another project's key."""
    fallback = None
    for key, value in walk(data):
        if (
            len(key) < 2
            or key[0] == "provenance"  # its keys are themselves dotted keys
            or any(isinstance(part, int) for part in key)
            or isinstance(value, (Mapping, list))
        ):
            continue
        if len(key) == 3 and key[0] == "hosts" and key[2] == "ip":
            return ".".join(map(str, key))
        fallback = fallback or ".".join(map(str, key))
    return fallback


def _existing_fact_hint(data: Any) -> str:
    example = example_key(data)
    return "write the dotted key of an existing fact" + (f", e.g. {example}" if example else "")


def _as_text(value: Any) -> str | None:
    """A scalar fact as it reads in text; None for a record or a list, which no text equals."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value)


def walk(value: Any, key: Key = ()) -> Iterator[tuple[Key, Any]]:
    """Every node of a document with its key path, parents before children."""
    yield key, value
    if isinstance(value, Mapping):
        for name, child in value.items():
            yield from walk(child, (*key, name))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from walk(child, (*key, i))


def check_meaning(doc: YamlDocument) -> list[Diagnostic]:
    """Every broken rule of meaning in a document whose shape is already valid enough to walk."""
    return _Checker(doc).run()
