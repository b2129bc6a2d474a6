"""What the linter knows, all derived from the loaded facts: values, names, paths and patterns."""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from generator.lint.scanner import Scanner, trie_pattern, words_regex
from generator.model import Component, Devops, Facts, Feed
from generator.rules import resolve, walk

RETIRED_STATUSES = ("retired", "removed")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_PLACEHOLDER = re.compile(r"[A-Z]{2,}|<[^<>/]*>|\{[^{}/]*\}")  # YYYY, <file>, {name}: any text


@dataclass(frozen=True)
class ServiceFact:
    """A service people may name beside a port or an address."""

    host: str
    label: str
    spellings: tuple[str, ...]  # lower case
    port: int | None
    address: str | None
    fact: str  # dotted key of the service


@dataclass(frozen=True)
class HostFact:
    key: str
    label: str
    spellings: tuple[str, ...]
    ip: str | None
    addresses: frozenset[str]  # its own IP and its services' addresses


@dataclass(frozen=True)
class CronFact:
    """The schedule facts give a feed, as a cron expression or as every N minutes."""

    script: str | None  # the feed's writer script, if it has one
    feed: Feed
    cron: str | None
    every: int | None

    @property
    def fact(self) -> str:
        return f"feeds.{self.feed.key}.{'cron' if self.cron else 'every_minutes'}"


@dataclass(frozen=True)
class FeedFact:
    feed: Feed
    pattern: re.Pattern[str]  # the file template, placeholders as wildcards
    spellings: tuple[str, ...]  # its name and its writer script, lower case

    @property
    def fact(self) -> str:
        return f"feeds.{self.feed.key}.file"


@dataclass(frozen=True)
class FormerFact:
    value: str
    fact: str
    note: str
    current: str | None
    is_path: bool  # a repo path; a repo's former slug (owner/name) is a name, not a path


@dataclass(frozen=True)
class RetiredFact:
    component: Component
    spellings: tuple[str, ...]  # name and aliases, lower case, "-" and spaces as one space
    replacement: str | None
    docker_name: str | None  # what a docker command would call the container

    @property
    def fact(self) -> str:
        return f"components.{self.component.key}"


@dataclass
class Knowledge:
    """Everything a rule compares text with; built once per facts file."""

    facts: Facts
    ips: dict[str, str] = field(default_factory=dict)  # address -> dotted key
    hosts: list[HostFact] = field(default_factory=list)
    services: list[ServiceFact] = field(default_factory=list)
    schedules: dict[str, CronFact] = field(default_factory=dict)  # feed key -> schedule
    scripts: tuple[str, ...] = ()
    feeds: list[FeedFact] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)  # known repo paths, no trailing slash
    path_patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    path_roots: tuple[str, ...] = ()  # where a path no fact holds is reported
    feed_roots: tuple[str, ...] = ()
    former_roots: tuple[str, ...] = ()  # scanned only for former paths, whatever else they hold
    former: list[FormerFact] = field(default_factory=list)
    retired: list[RetiredFact] = field(default_factory=list)
    invariants: dict[str, list[str]] = field(default_factory=dict)  # check -> subjects
    deploy_folder: str = ""  # e.g. devops/fly-poller; "" when the deploy rule names none
    deploy_program: str = ""  # the deploy command without its options, e.g. "fly deploy"
    repo_names: dict[str, str] = field(default_factory=dict)  # repo key -> name

    @cached_property
    def scanner(self) -> Scanner:
        """What each file is scanned with, once."""
        words = [
            spelling(f.value) for f in self.former if not f.is_path and not _IPV4.fullmatch(f.value)
        ]
        words += [s for r in self.retired for s in r.spellings]
        if self.deploy_program:  # a project without a deploy rule has no command to watch
            words.append(spelling(self.deploy_program))
        return Scanner(words, (*self.path_roots, *self.former_roots))

    @cached_property
    def former_said(self) -> re.Pattern[str] | None:
        """Any former value, as it may be written: its own words ("stakscrapr-old") must not
        make a sentence tell a change."""
        if not self.former:
            return None
        return re.compile(f"(?i:{trie_pattern(spelling(f.value) for f in self.former)})")

    @cached_property
    def inert(self) -> frozenset[tuple[str, str]]:
        """Literals that are right in any context: known addresses and known paths outside
        the feed folders. The engine skips them without asking the rules."""
        literals = {("ip", address) for address in self.ips}
        for path in self.paths:
            if path.startswith(self.feed_roots) or any(
                f.is_path and (path + "/").startswith(f.value) for f in self.former
            ):
                continue
            literals.update({("path", path), ("path", path + "/")})
        return frozenset(literals)

    @cached_property
    def repo_names_lower(self) -> frozenset[str]:
        return frozenset(name.lower() for name in self.repo_names.values())

    @cached_property
    def known_crons(self) -> dict[str, str]:
        """Cron expressions that facts hold -> their dotted keys."""
        return {c.cron: c.fact for c in self.schedules.values() if c.cron}

    @cached_property
    def service_names(self) -> re.Pattern[str]:
        return words_regex(s for service in self.services for s in service.spellings)

    @cached_property
    def host_names(self) -> re.Pattern[str]:
        return words_regex(s for host in self.hosts for s in host.spellings)

    @cached_property
    def feed_names(self) -> re.Pattern[str]:
        return words_regex(s for feed in self.feeds for s in feed.spellings)

    @cached_property
    def schedule_names(self) -> re.Pattern[str]:
        """What a cron beside it is the schedule of: a feed's name, writer script or file (a
        concrete one of its template too), or any script."""
        names = words_regex([*(s for f in self.feeds for s in f.spellings), *self.scripts])
        if not self.feeds:  # no file to name: an empty alternative would match everywhere
            return names
        files = "|".join(f.pattern.pattern for f in self.feeds)
        return re.compile(rf"{names.pattern}|(?<![\w/.-])(?:{files})(?![\w/-]|\.\w)")

    def schedule_of(self, said: str) -> CronFact | None:
        """The schedule of the feed ``said`` names (see ``schedule_names``); None for a script
        that writes no feed."""
        feed: FeedFact | None = self._by_spelling.get(f"FeedFact:{spelling(said)}")
        if feed is None:
            feed = next((f for f in self.feeds if f.pattern.fullmatch(said)), None)
        return None if feed is None else self.schedules[feed.feed.key]

    @cached_property
    def _by_spelling(self) -> dict[str, Any]:
        table: dict[str, Any] = {}
        for items in (self.hosts, self.feeds):
            for item in items:
                for said in item.spellings:
                    table.setdefault(f"{type(item).__name__}:{spelling(said)}", item)
        return table

    @cached_property
    def _services_by_spelling(self) -> dict[str, tuple[ServiceFact, ...]]:
        table: dict[str, list[ServiceFact]] = {}
        for service in self.services:
            for said in {spelling(s) for s in service.spellings}:
                table.setdefault(said, []).append(service)
        return {said: tuple(services) for said, services in table.items()}

    def services_named(self, name: str) -> tuple[ServiceFact, ...]:
        """Every service ``name`` may stand for, in facts order: hosts may run services of
        the same name (a tinyproxy on each VM), each with its own port and address."""
        return self._services_by_spelling.get(spelling(name), ())

    def host(self, name: str) -> HostFact:
        found: HostFact = self._by_spelling[f"HostFact:{spelling(name)}"]
        return found

    def feed(self, name: str) -> FeedFact:
        found: FeedFact = self._by_spelling[f"FeedFact:{spelling(name)}"]
        return found

    def fact_of_path(self, path: str) -> str | None:
        """The dotted key of the fact naming ``path`` (no trailing slash), if any."""
        for pattern, key in self.path_patterns:
            if pattern.fullmatch(path):
                return key
        return None


def build_knowledge(facts: Facts) -> Knowledge:
    """Index the facts for the rules. Every section but ``project`` may be absent (empty, or
    None for ``devops`` and ``deploy``). What a record's ``extra`` holds is no rule's input,
    but an address there is a fact all the same: prose stating it is not "unknown"."""
    know = Knowledge(facts=facts)
    former_values = {f.value for f in facts.former_values}
    for path, value in walk(facts.raw):
        key = ".".join(map(str, path))
        if key.startswith("former_values") or not isinstance(value, str):
            continue
        if _IPV4.fullmatch(value) and value not in former_values:
            know.ips.setdefault(value, key)
    _hosts(know, facts)
    _feeds(know, facts)
    _paths(know, facts)
    _former(know, facts)
    _retired(know, facts)
    for invariant in facts.invariants:
        know.invariants.setdefault(invariant.check, []).append(invariant.subject)
    deploy = facts.deploy
    if deploy is not None:
        if deploy.folder and facts.devops is not None:
            know.deploy_folder = facts.devops.folder_path(deploy.folder).rstrip("/")
        know.deploy_program = program(deploy.command)
    know.repo_names = {key: repo.name for key, repo in facts.repos.items()}
    return know


def _hosts(know: Knowledge, facts: Facts) -> None:
    for host in facts.hosts.values():
        addresses = {host.ip} if host.ip else set()
        for service in host.services.values():
            spellings = {service.key, service.name}
            if service.program:
                spellings.add(service.program.rsplit("/", 1)[-1])
            know.services.append(
                ServiceFact(
                    host=host.key,
                    label=service.name,
                    spellings=_lower(spellings),
                    port=service.port,
                    address=service.address,
                    fact=f"hosts.{host.key}.services.{service.key}",
                )
            )
            if service.address:
                addresses.add(service.address)
        if host.supervisord:
            for name in host.supervisord.stack:
                know.services.append(
                    ServiceFact(
                        host.key, name, (name.lower(),), None, None, f"hosts.{host.key}.supervisord"
                    )
                )
        know.hosts.append(
            HostFact(
                key=host.key,
                label=host.name,
                spellings=_lower({host.name, host.key.replace("_", " ")}),
                ip=host.ip,
                addresses=frozenset(addresses),
            )
        )


def _feeds(know: Knowledge, facts: Facts) -> None:
    scripts: set[str] = set()
    for feed in facts.feeds.values():
        spellings = {feed.name}
        if feed.writer.script:
            scripts.add(feed.writer.script)
            spellings.add(feed.writer.script)
        # Spaced as the text it is compared with is: "*  *" in facts is "* *".
        cron = " ".join(feed.cron.split()) if feed.cron else None
        know.schedules[feed.key] = CronFact(feed.writer.script, feed, cron, feed.every_minutes)
        know.feeds.append(FeedFact(feed, _template(feed.file), _lower(spellings)))
    for folder in facts.devops.folders.values() if facts.devops else ():
        scripts.update(f.rsplit("/", 1)[-1] for f in folder.files if f.endswith(".sh"))
    know.scripts = tuple(sorted(scripts, key=lambda s: (-len(s), s)))


def _paths(know: Knowledge, facts: Facts) -> None:
    devops = facts.devops
    roots: set[str] = set()
    if devops is not None:
        _devops_paths(know, devops)
        roots.add(f"{devops.root}/")
    for feed in know.feeds:
        where = feed.feed.file.rsplit("/", 1)[0]
        if _PLACEHOLDER.search(where):
            where = _PLACEHOLDER.split(where, 1)[0].rstrip("/")
        roots.add(f"{where}/")
        know.feed_roots = tuple(sorted({*know.feed_roots, f"{where}/"}))
        know.paths.add(where)
        know.path_patterns.append((feed.pattern, feed.fact))
    for component in facts.components.values():
        if component.path:
            know.paths.update(_with_parents(component.path))
            know.path_patterns.append(
                (re.compile(re.escape(component.path)), f"components.{component.key}.path")
            )
    know.path_roots = tuple(sorted(roots, key=lambda r: (-len(r), r)))


def _devops_paths(know: Knowledge, devops: Devops) -> None:
    know.paths.add(devops.root)
    know.path_patterns.append((re.compile(re.escape(devops.root)), "devops.root"))
    for key, folder in devops.folders.items():
        base = devops.folder_path(key).rstrip("/")
        know.paths.add(base)
        know.path_patterns.append((re.compile(re.escape(base)), f"devops.folders.{key}"))
        for name in folder.files:
            path = f"{base}/{name}"
            know.paths.update(_with_parents(path, stop=base))
            know.path_patterns.append((re.compile(re.escape(path)), f"devops.folders.{key}.files"))


def _former(know: Knowledge, facts: Facts) -> None:
    roots = set()
    for former in facts.former_values:
        current = current_value(facts, former.fact)
        is_path = "/" in former.value and not _is_slug_fact(facts, former.fact)
        know.former.append(FormerFact(former.value, former.fact, former.note, current, is_path))
        root = former.value.split("/", 1)[0] + "/"
        if is_path and root not in know.path_roots:
            # Scanned so that the former path is found, but not a root of the paths facts
            # describe: other paths under it ("scripts/x.sh") are none of the linter's business.
            roots.add(root)
    know.former_roots = tuple(sorted(roots, key=lambda r: (-len(r), r)))


def _is_slug_fact(facts: Facts, key: str) -> bool:
    """Whether ``key`` is a repo's slug: a former value of it is a renamed repo (owner/name)."""
    return any(key == f"repos.{repo}.slug" for repo in facts.repos)


def _retired(know: Knowledge, facts: Facts) -> None:
    for component in facts.components.values():
        if component.status not in RETIRED_STATUSES:
            continue
        spellings = {spelling(component.name), *(spelling(a) for a in component.aliases)}
        docker_name = None
        if "docker" in component.kind:
            kind_words = set(component.kind.lower().split("-"))
            words = [w for w in component.name.split() if w.lower() not in kind_words]
            docker_name = " ".join(words).lower() or None
        know.retired.append(
            RetiredFact(
                component,
                tuple(sorted(spellings)),
                replacement_of(facts, component),
                docker_name,
            )
        )


@lru_cache(maxsize=4096)
def spelling(name: str) -> str:
    """A name as the linter compares it: lower case, hyphens and spaces as one space."""
    return re.sub(r"[-\s]+", " ", name.strip().lower())


def program(command: str) -> str:
    """A command's leading words up to its first option: "fly deploy --remote-only" is an
    invocation of "fly deploy", as is any "fly deploy" whatever options follow it."""
    words = list(itertools.takewhile(lambda w: not w.startswith("-"), command.split()))
    return " ".join(words) or command.strip()


def replacement_of(facts: Facts, component: Component) -> str | None:
    """What took a retired component's place, in words, from its ``replaced_by``."""
    feed = facts.feeds.get(component.replaced_by or "")
    if feed is None:
        return None
    host = facts.hosts.get(feed.writer.host)
    where = f" on the {host.name}" if host else ""
    if feed.writer.script:
        return f"{feed.writer.script}{where} ({feed.name} feed)"
    return f"the {feed.name} feed{where}"


def current_value(facts: Facts, key: str) -> str | None:
    """The value now held by the fact a former value points at, as text people write."""
    parts = key.split(".")
    devops = facts.devops
    if (
        parts[:2] == ["devops", "folders"]
        and len(parts) >= 3
        and devops
        and parts[2] in devops.folders
    ):
        return devops.folder_path(parts[2])
    if parts[0] == "components" and len(parts) == 2 and parts[1] in facts.components:
        return replacement_of(facts, facts.components[parts[1]])
    try:
        value = resolve(facts.raw, key)
    except KeyError:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"])
    return None


def same_network(address: str, known: Iterable[str]) -> str | None:
    """The known address sharing the longest network prefix (at least /16) with ``address``."""
    best, best_bits = None, 15
    value = int(ipaddress.IPv4Address(address))
    for candidate in sorted(known):
        bits = 32 - (value ^ int(ipaddress.IPv4Address(candidate))).bit_length()
        if bits > best_bits:
            best, best_bits = candidate, bits
    return best


def _template(path: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(path)
    return re.compile(r"[^/\s]+".join(re.escape(p) for p in parts))


def _with_parents(path: str, stop: str = "") -> Iterator[str]:
    yield path
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        if path == stop:
            return
        yield path


def _lower(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v.lower() for v in values if v}, key=lambda s: (-len(s), s)))
