"""Impact preview: where a fact is stated, and what changed facts would change; writes nothing."""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import sync
from generator.check import Finding, compare, unified_diff
from generator.errors import Diagnostic, UsageError
from generator.factdiff import ABSENT, diff, quoted
from generator.facts import LoadedFacts, load_facts, parse_facts
from generator.lint.discover import markdown_files
from generator.lint.scanner import Document
from generator.model import Verified
from generator.outputs import NOTICE_MARK
from generator.project import Project
from generator.provenance import (
    Place,
    fact_leaves,
    places,
    provenance_of,
    select,
    value_forms,
    value_pattern,
)
from generator.render import Rendered, Renderer


@dataclass(frozen=True, order=True)
class HandWritten:
    """A hand-written place (outside generated files and managed blocks) stating a value."""

    path: str  # as shown: relative to the project, or KEY:path in a sibling checkout
    line: int
    column: int
    key: str


@dataclass(frozen=True)
class WhereReport:
    values: dict[str, Any]  # each fact asked about, with its value
    places: list[Place]
    hand_written: list[HandWritten]


def _load(project: Project) -> LoadedFacts:
    return load_facts(project.facts_path, project.facts_display)


def where(project: Project, key: str, repo_options: Sequence[str] = ()) -> WhereReport:
    """Every output line stating fact ``key`` (or the facts below it), and hand-written ones.

    Hand-written places are searched in this repo and in the checkouts of ``repo_options``.
    """
    loaded = _load(project)
    keys = select(key, loaded.facts)
    if not keys:
        known = list(fact_leaves(loaded.facts.raw))
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        raise UsageError(
            Diagnostic(
                project.facts_display,
                0,
                0,
                f"{key!r} names no fact",
                (f"did you mean {near[0]}? " if near else "")
                + "give a dotted key, e.g. hosts.home_vm.ip",
            )
        )
    rendered = Renderer.cached(project, loaded).render_all()
    leaves = fact_leaves(loaded.facts.raw)
    values = {k: leaves[k] for k in keys}
    outputs = {r.output.path for r in rendered}
    folders = {"": project.root}
    if repo_options:
        for checkout in sync.parse_repo_options(repo_options, loaded, project, use_config=False):
            folders[checkout.display("")] = checkout.root
    return WhereReport(
        values, places(rendered, loaded.facts, keys), hand_written(folders, values, outputs)
    )


def hand_written(
    folders: Mapping[str, Path], values: Mapping[str, Any], skip: Iterable[str] = ()
) -> list[HandWritten]:
    """Places in the Markdown files of ``folders`` that state one of ``values`` verbatim.

    Files are found and read the way the drift linter reads them: generated files (the notice,
    or a path in ``skip``) are left out, and so are managed blocks, which ``check`` covers.
    """
    patterns = {
        key: re.compile("|".join(f"(?:{value_pattern(f).pattern})" for f in forms))
        for key, value in values.items()
        if (forms := value_forms(value))
    }
    found: list[HandWritten] = []
    skipped = set(skip)
    for prefix, folder in sorted(folders.items()):
        for relative in markdown_files(folder):
            if not prefix and relative in skipped:
                continue
            text = (folder / relative).read_text("utf-8", errors="replace")
            if NOTICE_MARK in text[:4096]:
                continue
            document = Document(text)
            blocks = document.skipped  # managed blocks: check's business, not hand-written
            for key, pattern in patterns.items():
                for match in pattern.finditer(text):
                    if any(a <= match.start() < b for a, b in blocks):
                        continue
                    line, column = document.position(match.start())
                    found.append(HandWritten(f"{prefix}{relative}", line, column, key))
    return sorted(found)


def format_where(report: WhereReport) -> list[str]:
    """The lines `where` prints: each fact and value, then its places."""
    lines = [f"{key} = {value}" for key, value in report.values.items()]
    several = len(report.values) > 1
    for place in report.places:
        lines.append("  " + place.describe() + (f"  ({place.key})" if several else ""))
    if not report.places:
        lines.append("  no output reads it")
    if report.hand_written:
        lines.append("hand-written places that state the value:")
        lines.extend(
            f"  {h.path}:{h.line}:{h.column}" + (f"  ({h.key})" if several else "")
            for h in report.hand_written
        )
    return lines


def facts_at(project: Project, ref: str) -> LoadedFacts:
    """facts.yaml as committed at git revision ``ref``, validated."""
    folder = project.facts_path.resolve().parent
    spec = f"{ref}:./{project.facts_path.name}"
    try:
        done = subprocess.run(
            ["git", "show", spec], cwd=folder, capture_output=True, check=False, timeout=60
        )
    except OSError as exc:
        raise UsageError(f"cannot run git to read {spec}: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            Diagnostic(
                project.facts_display,
                0,
                0,
                f"cannot read {spec} from git: {reason[-1] if reason else 'git failed'}",
                "run plan inside a git checkout, and give --against a commit, branch or tag "
                "that has the facts file",
            )
        )
    return parse_facts(done.stdout, f"{ref}:{project.facts_display}")


@dataclass(frozen=True)
class StaleCheck:
    """A ``verified`` record made while a changed fact still held its old value."""

    verified: Verified
    at: str  # facts.yaml:LINE of the record (the file alone when the line is unknown)
    on: str = ""  # the record above the fact it is kept for; empty when kept for the fact

    def describe(self) -> str:
        recorded = f", recorded for {self.on}" if self.on else ""
        return (
            f"verified {self.verified.date} by {self.verified.by} ({self.at}{recorded}) checked"
            " the old value: check the new one and update that record, or remove it"
        )


@dataclass(frozen=True)
class Change:
    key: str  # as people read it: hosts.home_vm.ip, former_values[0]
    old: Any  # ABSENT when added
    new: Any  # ABSENT when removed
    places: tuple[Place, ...]  # lines of the new outputs (of the old ones, for a removed fact)
    stale_check: StaleCheck | None = None

    def describe(self) -> str:
        if self.old is ABSENT:
            return f"added {self.key}: {quoted(self.new, _SHOWN)}"
        if self.new is ABSENT:
            return f"removed {self.key}: {quoted(self.old, _SHOWN)}"
        return f"{self.key}: {quoted(self.old)} → {quoted(self.new)}"


_SHOWN = 120  # a whole added or removed record is cut here: the diff below shows all of it


@dataclass(frozen=True)
class Plan:
    against: str
    changes: list[Change]
    findings: list[Finding]  # what render would change, with diffs
    synced: list[Finding]  # what sync would change in the checkouts given, with diffs
    refused: list[str]  # checkout files with hand-edited generated text: sync would stop
    missing: list[str] = field(default_factory=list)  # what sync would only report, not write


def plan(project: Project, against: str = "HEAD", repo_options: Sequence[str] = ()) -> Plan:
    """Compare facts.yaml with ``against``: per changed fact its places, then render's diff.

    With ``repo_options`` (``NAME=PATH``, as sync takes them), also what sync would change.
    """
    old = facts_at(project, against)
    new = _load(project)
    new_rendered = Renderer.cached(project, new).render_all()
    old_leaves, new_leaves = fact_leaves(old.facts.raw), fact_leaves(new.facts.raw)
    # Each edit with the fact leaves it covers: a whole added or removed record covers many.
    edits = [
        (e, _leaves_below(e.dotted, old_leaves if e.new is ABSENT else new_leaves))
        for e in diff(old.facts.raw, new.facts.raw)
    ]
    located = _by_key(
        places(new_rendered, new.facts, [k for e, ks in edits if e.new is not ABSENT for k in ks])
    )
    removed = [k for e, ks in edits if e.new is ABSENT for k in ks]
    located_old: dict[str, list[Place]] = {}
    if removed:  # a removed fact is found where it was stated: in the old outputs
        old_rendered = Renderer.cached(project, old).render_all()
        located_old = _by_key(places(old_rendered, old.facts, removed))
    changes = [
        Change(
            e.shown,
            e.old,
            e.new,
            _gather(located_old if e.new is ABSENT else located, ks),
            stale_check(e.dotted, old, new)
            if e.kind == "changed" and e.dotted in new_leaves
            else None,
        )
        for e, ks in edits
    ]
    synced, refused, missing = _sync_preview(project, new, new_rendered, repo_options)
    return Plan(against, changes, compare(project.root, new_rendered), synced, refused, missing)


def stale_check(key: str, old: LoadedFacts, new: LoadedFacts) -> StaleCheck | None:
    """The ``verified`` record covering fact ``key`` if it was made for the value ``key`` had
    in ``old``: one this edit left as it was. None when there is none, or it was updated."""
    record, on = provenance_of(key, new.facts)
    if record.verified is None or provenance_of(key, old.facts)[0].verified != record.verified:
        return None
    entry = new.facts.provenance.get(on)
    # provenance_of prefers the provenance entry to the record's own fields, as here.
    path = ("provenance", on) if entry and entry.verified else tuple(on.split("."))
    position = new.document.keys.get((*path, "verified"))
    shown = new.document.path
    at = f"{shown}:{position.line}" if position else shown
    return StaleCheck(record.verified, at, "" if on == key else on)


def _sync_preview(
    project: Project, new: LoadedFacts, rendered: Sequence[Rendered], repo_options: Sequence[str]
) -> tuple[list[Finding], list[str], list[str]]:
    """What sync would change in the checkouts of ``repo_options``, refuse, and only report."""
    if not repo_options:
        return [], [], []
    checkouts = sync.parse_repo_options(repo_options, new, project, use_config=False)
    planned = sync.plan_checkouts(project, new, checkouts, rendered=rendered)
    synced = [
        Finding(
            c.display,
            "missing" if c.old is None else "stale",
            unified_diff(c.display, c.old or b"", c.new),
        )
        for c in planned.changes
    ]
    refused = [e.display for e in planned.hand_edits]
    missing = [
        *(
            f"{m.display}: block {m.block} missing (sync --add-missing adds it)"
            for m in planned.missing_blocks
        ),
        *(
            f"{shown}: hand-written file missing; sync does not create it"
            for shown, _ in planned.missing_files
        ),
    ]
    return synced, refused, missing


def _leaves_below(key: str, leaves: Iterable[str]) -> list[str]:
    """The fact leaves at or below dotted ``key``, in document order."""
    return [k for k in leaves if k == key or k.startswith(key + ".")]


def _gather(located: Mapping[str, list[Place]], keys: Iterable[str]) -> tuple[Place, ...]:
    """The places of ``keys``, one per line, in path and line order.

    An output that states one field of a record on a line is not also listed as read with
    the line unknown for another field.
    """
    found = {(p.path, p.line): p for k in keys for p in located.get(k, ())}
    lined = {path for path, line in found if line}
    return tuple(found[at] for at in sorted(found) if at[1] or at[0] not in lined)


def _by_key(found: Sequence[Place]) -> dict[str, list[Place]]:
    out: dict[str, list[Place]] = {}
    for place in found:
        out.setdefault(place.key, []).append(place)
    return out


def format_plan(result: Plan) -> tuple[list[str], list[Finding]]:
    """The summary lines `plan` prints, and the findings whose diffs follow them."""
    lines: list[str] = []
    if not result.changes:
        lines.append(f"no fact changed since {result.against}")
    else:
        lines.append(f"{len(result.changes)} fact(s) changed since {result.against}:")
        for change in result.changes:
            lines.append(f"  {change.describe()}")
            lines.extend(f"    {place.describe()}" for place in change.places)
            if change.stale_check:
                lines.append(f"    warning: {change.stale_check.describe()}")
    if not result.findings:
        lines.append("render would change nothing")
    else:
        lines.append(f"render would change {len(result.findings)} file(s):")
        lines.extend(f"  {f.path} ({f.state})" for f in result.findings)
    if result.synced:
        lines.append(f"sync would change {len(result.synced)} file(s) in the checkouts:")
        lines.extend(f"  {f.path} ({f.state})" for f in result.synced)
    lines.extend(
        f"  {path}: hand-edited generated text; sync would stop (move the edit to facts.yaml)"
        for path in result.refused
    )
    if result.missing:
        lines.append(f"sync would report {len(result.missing)} missing in the checkouts:")
        lines.extend(f"  {line}" for line in result.missing)
    return lines, [*result.findings, *result.synced]
