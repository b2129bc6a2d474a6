"""Frozen, typed records of validated facts; field names mirror facts.yaml keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Audit:
    title: str
    date: str
    status: str


@dataclass(frozen=True)
class Project:
    name: str
    summary: str
    audit: Audit | None


@dataclass(frozen=True)
class Verified:
    """When a value was last checked against the real system, by whom and how."""

    date: str
    by: str
    how: str


@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from and when it was last checked; either may be unknown."""

    source: str | None
    verified: Verified | None


@dataclass(frozen=True)
class Repo:
    key: str
    slug: str
    role: str
    owns: str
    must_not_contain: tuple[str, ...]
    deploy_role: str
    default_branch: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The repo's name without its owner, as people write it."""
        return self.slug.split("/", 1)[1]


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    purpose: str
    port: int | None
    address: str | None
    config: str | None
    program: str | None
    source: str | None = None
    verified: Verified | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Supervisord:
    config: str
    service_count: int
    stack: tuple[str, ...]


@dataclass(frozen=True)
class Host:
    key: str
    name: str
    kind: str
    role: str
    services: dict[str, Service]
    ip: str | None = None
    poller_id: str | None = None
    memory_mb: int | None = None
    primary_region: str | None = None
    deployed_region: str | None = None
    config: str | None = None
    install_dir: str | None = None
    health_file: str | None = None
    database: str | None = None
    supervisord: Supervisord | None = None
    source: str | None = None
    verified: Verified | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hop:
    hop: str
    host: str | None
    service: str | None


@dataclass(frozen=True)
class Writer:
    host: str
    script: str | None
    via: str | None


@dataclass(frozen=True)
class Feed:
    key: str
    name: str
    file: str
    writer: Writer
    cron: str | None
    every_minutes: int | None
    source: str | None = None
    verified: Verified | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    key: str
    name: str
    kind: str
    status: str
    note: str
    aliases: tuple[str, ...]
    repo: str | None
    path: str | None
    since: str | None
    replaced_by: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Folder:
    key: str
    path: str
    purpose: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Devops:
    repo: str
    root: str
    folders: dict[str, Folder]

    def path_of(self, reference: str) -> str:
        """Repo path of a FOLDER_KEY/FILE reference, e.g. ``devops/fly-poller/fly.toml``."""
        folder, _, file = reference.partition("/")
        return f"{self.root}/{self.folders[folder].path}/{file}"

    def folder_path(self, key: str) -> str:
        """Repo path of a folder, with a trailing slash: ``devops/fly-poller/``."""
        return f"{self.root}/{self.folders[key].path}/"


@dataclass(frozen=True)
class GateRule:
    change: str
    via: str
    deploy: str
    folder: str | None
    branch: str | None
    deployer: str | None
    note: str | None
    repo: str | None = None  # the repo of a branch rule; a folder rule's is the devops repo


@dataclass(frozen=True)
class DeployRule:
    command: str
    host: str
    repo: str
    folder: str | None = None  # a devops folder, when the project has a devops layout


@dataclass(frozen=True)
class SyncStep:
    actor: str
    step: str
    folder: str | None


@dataclass(frozen=True)
class Invariant:
    id: str
    check: str
    subject: str


@dataclass(frozen=True)
class RequiredChange:
    repo: str
    change: str
    status: str
    file: str | None
    skill: str | None
    note: str | None = None


@dataclass(frozen=True)
class FormerValue:
    value: str
    fact: str
    note: str


@dataclass(frozen=True)
class Facts:
    """Everything facts.yaml states, validated.

    Only ``project`` is required: a section facts.yaml leaves out is empty here (``devops``
    and ``deploy``, single records, are None), so templates can test and iterate any of them.
    """

    project: Project
    repos: dict[str, Repo]
    hosts: dict[str, Host]
    network_path: tuple[Hop, ...]
    feeds: dict[str, Feed]
    components: dict[str, Component]
    devops: Devops | None
    change_gate: tuple[GateRule, ...]
    deploy: DeployRule | None
    sync_flow: tuple[SyncStep, ...]
    invariants: tuple[Invariant, ...]
    changes_required: tuple[RequiredChange, ...]
    former_values: tuple[FormerValue, ...]
    raw: dict[str, Any]  # the validated document, for dotted-key lookups
    # Source and last check by dotted key; hosts, services and feeds may carry their own.
    provenance: dict[str, Provenance] = field(default_factory=dict)


def _opt(data: dict[str, Any], name: str) -> Any:
    return data.get(name)


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A mapping section, empty when facts.yaml leaves it out."""
    found: dict[str, Any] = data.get(name) or {}
    return found


def _items(data: dict[str, Any], name: str) -> list[Any]:
    """A list section, empty when facts.yaml leaves it out."""
    found: list[Any] = data.get(name) or []
    return found


def _extra(data: dict[str, Any]) -> dict[str, Any]:
    return _table(data, "extra")


def _verified(data: dict[str, Any]) -> Verified | None:
    v = data.get("verified")
    return Verified(v["date"], v["by"], v["how"]) if v else None


def build_facts(data: dict[str, Any]) -> Facts:
    """Typed records from a document that passed the schema and the rules."""
    audit = data["project"].get("audit")
    devops = data.get("devops")
    deploy = data.get("deploy")
    return Facts(
        project=Project(
            name=data["project"]["name"],
            summary=data["project"]["summary"],
            audit=Audit(**audit) if audit else None,
        ),
        repos={
            key: Repo(
                key=key,
                slug=r["slug"],
                role=r["role"],
                owns=r["owns"],
                must_not_contain=tuple(r.get("must_not_contain", ())),
                # Left out, it follows the deploy rule: only deploy.repo deploys.
                deploy_role=r.get(
                    "deploy_role", "deploys" if deploy and deploy["repo"] == key else "none"
                ),
                default_branch=r.get("default_branch", "main"),
                extra=_extra(r),
            )
            for key, r in _table(data, "repos").items()
        },
        hosts={key: _host(key, h) for key, h in _table(data, "hosts").items()},
        network_path=tuple(
            Hop(h["hop"], _opt(h, "host"), _opt(h, "service")) for h in _items(data, "network_path")
        ),
        feeds={
            key: Feed(
                key=key,
                name=f["name"],
                file=f["file"],
                writer=Writer(
                    f["writer"]["host"], _opt(f["writer"], "script"), _opt(f["writer"], "via")
                ),
                cron=_opt(f, "cron"),
                every_minutes=_opt(f, "every_minutes"),
                source=_opt(f, "source"),
                verified=_verified(f),
                extra=_extra(f),
            )
            for key, f in _table(data, "feeds").items()
        },
        components={
            key: Component(
                key=key,
                name=c["name"],
                kind=c["kind"],
                status=c["status"],
                note=c["note"],
                aliases=tuple(c.get("aliases", ())),
                repo=_opt(c, "repo"),
                path=_opt(c, "path"),
                since=_opt(c, "since"),
                replaced_by=_opt(c, "replaced_by"),
                extra=_extra(c),
            )
            for key, c in _table(data, "components").items()
        },
        devops=Devops(
            repo=devops["repo"],
            root=devops["root"],
            folders={
                key: Folder(key, f["path"], f["purpose"], tuple(f["files"]))
                for key, f in devops["folders"].items()
            },
        )
        if devops
        else None,
        change_gate=tuple(
            GateRule(
                change=g["change"],
                via=g["via"],
                deploy=g["deploy"],
                folder=_opt(g, "folder"),
                branch=_opt(g, "branch"),
                deployer=_opt(g, "deployer"),
                repo=_opt(g, "repo"),
                note=_opt(g, "note"),
            )
            for g in _items(data, "change_gate")
        ),
        deploy=DeployRule(**deploy) if deploy else None,
        sync_flow=tuple(
            SyncStep(s["actor"], s["step"], _opt(s, "folder")) for s in _items(data, "sync_flow")
        ),
        invariants=tuple(Invariant(**i) for i in _items(data, "invariants")),
        changes_required=tuple(
            RequiredChange(
                c["repo"],
                c["change"],
                c["status"],
                _opt(c, "file"),
                _opt(c, "skill"),
                _opt(c, "note"),
            )
            for c in _items(data, "changes_required")
        ),
        former_values=tuple(FormerValue(**f) for f in _items(data, "former_values")),
        raw=data,
        provenance={
            key: Provenance(_opt(p, "source"), _verified(p))
            for key, p in data.get("provenance", {}).items()
        },
    )


def _host(key: str, h: dict[str, Any]) -> Host:
    sup = h.get("supervisord")
    return Host(
        key=key,
        name=h["name"],
        kind=h["kind"],
        role=h["role"],
        services={
            name: Service(
                key=name,
                name=s["name"],
                purpose=s["purpose"],
                port=_opt(s, "port"),
                address=_opt(s, "address"),
                config=_opt(s, "config"),
                program=_opt(s, "program"),
                source=_opt(s, "source"),
                verified=_verified(s),
                extra=_extra(s),
            )
            for name, s in _table(h, "services").items()
        },
        ip=_opt(h, "ip"),
        poller_id=_opt(h, "poller_id"),
        memory_mb=_opt(h, "memory_mb"),
        primary_region=_opt(h, "primary_region"),
        deployed_region=_opt(h, "deployed_region"),
        config=_opt(h, "config"),
        install_dir=_opt(h, "install_dir"),
        health_file=_opt(h, "health_file"),
        database=_opt(h, "database"),
        supervisord=Supervisord(sup["config"], sup["service_count"], tuple(sup["stack"]))
        if sup
        else None,
        source=_opt(h, "source"),
        verified=_verified(h),
        extra=_extra(h),
    )
