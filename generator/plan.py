"""Impact preview: where a fact is stated, and what changed facts would change; writes nothing."""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from generator import sync
from generator.check import Finding, compare, unified_diff
from generator.errors import Diagnostic, UsageError
from generator.factdiff import ABSENT, Edit, diff, quoted, shown_key
from generator.facts import LoadedFacts, load_facts, parse_facts
from generator.lint.discover import markdown_files
from generator.lint.scanner import Document
from generator.model import Verified
from generator.outputs import NOTICE_MARK
from generator.project import Project
from generator.provenance import (
    Place,
    distinctive,
    fact_leaves,
    places,
    provenance_of,
    select,
    value_forms,
    value_pattern,
)
from generator.render import Rendered, Renderer
from generator.rules import example_key
from generator.yamlsource import YamlDocument


@dataclass(frozen=True, order=True)
class HandWritten:
    """A hand-written place (outside generated files and managed blocks) stating a value."""

    path: str  # as shown: relative to the project, or KEY:path in a sibling checkout
    line: int
    column: int
    key: str

    @property
    def at(self) -> str:
        return f"{self.path}:{self.line}"


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
                + "give a dotted key"
                + (f", e.g. {example}" if (example := example_key(loaded.facts.raw)) else ""),
            )
        )
    rendered = Renderer.cached(project, loaded).render_all()
    leaves = fact_leaves(loaded.facts.raw)
    values = {k: leaves[k] for k in keys}
    outputs = {r.output.path for r in rendered}
    folders = _folders(project, _checkouts(project, loaded, repo_options))
    return WhereReport(
        values, places(rendered, loaded.facts, keys), hand_written(folders, values, outputs)
    )


def _checkouts(
    project: Project, loaded: LoadedFacts, repo_options: Sequence[str]
) -> list[sync.Checkout]:
    if not repo_options:
        return []
    return sync.parse_repo_options(repo_options, loaded, project, use_config=False)


def _folders(project: Project, checkouts: Iterable[sync.Checkout]) -> dict[str, Path]:
    """The folders whose hand-written Markdown is searched, by the prefix their paths get."""
    return {"": project.root, **{c.display(""): c.root for c in checkouts}}


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


def facts_at(project: Project, ref: str) -> LoadedFacts | None:
    """facts.yaml as committed at git revision ``ref``, validated; None when the facts file
    is not committed yet (a new project: no commit at all, or none with the file)."""
    folder = project.facts_path.resolve().parent
    spec = f"{ref}:./{project.facts_path.name}"
    done = _git(["show", spec], folder, spec)
    if done.returncode != 0 and _not_committed_yet(ref, spec, folder):
        return None
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


def _not_committed_yet(ref: str, spec: str, folder: Path) -> bool:
    """Whether ``spec`` is missing only because nothing has committed it: ``ref`` is HEAD of
    a repository with no commit yet, or a commit that lacks the file."""
    if _git(["rev-parse", "--git-dir"], folder, spec).returncode != 0:
        return False  # not a git checkout at all
    head = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], folder, spec)
    if head.returncode != 0:
        return ref == "HEAD"  # an unborn branch; any other ref is a mistake
    return _git(["cat-file", "-e", spec], folder, spec).returncode != 0


def _git(args: list[str], folder: Path, spec: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, check=False, timeout=60
        )
    except OSError as exc:
        raise UsageError(f"cannot run git to read {spec}: {exc}") from None


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
    by_hand: tuple[HandWritten, ...] = ()  # hand-written places that state the old value
    former_entry: str = ""  # a former_values item (YAML) recording the old value, for lint
    moved_from: str = ""  # for a list item moved unchanged: where it was

    def describe(self) -> str:
        if self.moved_from:
            return f"moved {self.moved_from} to {self.key}: {quoted(self.new, _SHOWN)}"
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
    # Hand-edited orphans (what no target puts there any more): sync would stop too.
    refused_orphans: list[str] = field(default_factory=list)
    former_at: str = ""  # facts.yaml:LINE of former_values, where suggested items go
    former_indent: str = "  "  # the indent of its items, so they paste as they are printed
    former_none_yet: bool = False  # no item yet (`former_values: []`, or no key): items can't
    # go under it as they are, the whole key is printed to replace it
    first: bool = False  # the facts file is not committed at ``against`` yet: all of it is new


def plan(project: Project, against: str = "HEAD", repo_options: Sequence[str] = ()) -> Plan:
    """Compare facts.yaml with ``against``: per changed fact its places, then render's diff.

    With ``repo_options`` (``NAME=PATH``, as sync takes them), also what sync would change.
    """
    old = facts_at(project, against)
    new = _load(project)
    new_rendered = Renderer.cached(project, new).render_all()
    old_raw = old.facts.raw if old is not None else {}  # not committed yet: every fact is new
    old_leaves, new_leaves = fact_leaves(old_raw), fact_leaves(new.facts.raw)
    # Each edit with the fact leaves it covers: a whole added or removed record covers many.
    edits = [
        (e, _leaves_below(e.dotted, old_leaves if e.new is ABSENT else new_leaves))
        for e in diff(old_raw, new.facts.raw)
    ]
    located = _by_key(
        places(new_rendered, new.facts, [k for e, ks in edits if e.new is not ABSENT for k in ks])
    )
    removed = [k for e, ks in edits if e.new is ABSENT for k in ks]
    located_old: dict[str, list[Place]] = {}
    if (
        removed and old is not None
    ):  # a removed fact is found where it was stated: in the old outputs
        old_rendered = Renderer.cached(project, old).render_all()
        located_old = _by_key(places(old_rendered, old.facts, removed))
    checkouts = _checkouts(project, new, repo_options)
    outputs = {r.output.path for r in new_rendered}
    stated = _by_hand(_folders(project, checkouts), edits, old_leaves, outputs)
    recorded = {f.value for f in new.facts.former_values}
    changes: list[Change] = []
    for e, ks in edits:
        by_hand = tuple(stated.get(e.dotted, ()))
        changed_fact = e.kind == "changed" and e.dotted in new_leaves and not _is_former(e)
        changes.append(
            Change(
                e.shown,
                e.old,
                e.new,
                _gather(located_old if e.new is ABSENT else located, ks),
                stale_check(e.dotted, old, new) if changed_fact and old is not None else None,
                by_hand,
                former_entry(e.dotted, e.old, e.new, recorded, bool(by_hand))
                if changed_fact
                else "",
                shown_key(e.moved_from) if e.moved_from is not None else "",
            )
        )
    preview = _sync_preview(project, new, new_rendered, checkouts)
    former_at, former_indent, former_none_yet = _former_values_at(new.document)
    return Plan(
        against,
        changes,
        compare(project.root, new_rendered),
        preview.synced,
        preview.refused,
        preview.missing,
        preview.refused_orphans,
        former_at,
        former_indent,
        former_none_yet,
        first=old is None,
    )


def _former_values_at(document: YamlDocument) -> tuple[str, str, bool]:
    """facts.yaml:LINE of the ``former_values`` key, the indent of its items' dashes, and
    whether it has no item yet."""
    key = document.keys.get(("former_values",))
    first = document.values.get(("former_values", 0))  # where the item's first key starts
    indent = " " * (first.column - 3) if first and first.column >= 3 else "  "
    return (f"{document.path}:{key.line}" if key else document.path), indent, first is None


def _is_former(edit: Edit) -> bool:
    # A former value already is an old value: recording or hunting its own old text is noise.
    return edit.path[0] == "former_values"


def _by_hand(
    folders: Mapping[str, Path],
    edits: Iterable[tuple[Edit, list[str]]],
    old_leaves: Mapping[str, Any],
    outputs: Iterable[str],
) -> dict[str, list[HandWritten]]:
    """Per changed or removed fact, the hand-written places that state its old value.

    One search for all of them, the one `where` makes: render never touches these places,
    and without this they would surface only in a later `lint` run, if at all.
    """
    olds = {
        e.dotted: e.old
        for e, _ in edits
        if e.kind in ("changed", "removed") and e.dotted in old_leaves and not _is_former(e)
    }
    found: dict[str, list[HandWritten]] = {}
    for place in hand_written(folders, olds, outputs) if olds else ():
        found.setdefault(place.key, []).append(place)
    return found


def former_entry(key: str, old: Any, new: Any, recorded: Iterable[str], stated: bool) -> str:
    """The ``former_values`` item (YAML, not indented) recording ``old`` as the former value
    of fact ``key``; empty when it is recorded already or would make a poor one.

    Lint matches a former value wherever it stands, so only literals are proposed (an
    address, a path, a name): never a plain word or a small number, and a sentence or a
    bare number only when hand-written text states it now (``stated``).
    """
    if isinstance(old, bool) or not isinstance(old, str | int) or not distinctive(old):
        return ""
    text = str(old)
    if text in recorded or not (stated or (isinstance(old, str) and not re.search(r"\s", text))):
        return ""
    entry = {"value": text, "fact": key, "note": f"Held by {key} until it became {new}."}
    return yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1_000_000)


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


class _SyncPreview(NamedTuple):
    synced: list[Finding]
    refused: list[str]
    missing: list[str]
    refused_orphans: list[str]


def _sync_preview(
    project: Project,
    new: LoadedFacts,
    rendered: Sequence[Rendered],
    checkouts: Sequence[sync.Checkout],
) -> _SyncPreview:
    """What sync would change (or remove) in ``checkouts``, refuse, and only report."""
    if not checkouts:
        return _SyncPreview([], [], [], [])
    planned = sync.plan_checkouts(project, new, checkouts, rendered=rendered)
    synced = [
        *(
            Finding(c.display, c.state, unified_diff(c.display, c.old or b"", c.new))
            for c in planned.changes
        ),
        *(
            Finding(r.display, "orphan", unified_diff(r.display, r.old, b""))
            for r in planned.removals
        ),
    ]
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
    return _SyncPreview(
        synced,
        [e.display for e in planned.hand_edits if not e.orphan],
        missing,
        [f"{e.display} ({e.what})" for e in planned.hand_edits if e.orphan],
    )


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
    elif result.first:
        # Where every fact lands is the whole site: the sections and render's files say it.
        lines.append(f"the facts file is not committed at {result.against} yet; every fact is new:")
        lines.extend(f"  added {change.key}" for change in result.changes)
    else:
        lines.append(f"{len(result.changes)} fact(s) changed since {result.against}:")
        for change in result.changes:
            lines.append(f"  {change.describe()}")
            lines.extend(f"    {place.describe()}" for place in change.places)
            if change.by_hand:
                lines.append(
                    f"    hand-written places still state {quoted(change.old)}"
                    " (render does not change them; update them by hand):"
                )
                lines.extend(f"      {at}" for at in dict.fromkeys(h.at for h in change.by_hand))
            if change.stale_check:
                lines.append(f"    warning: {change.stale_check.describe()}")
    entries = [c.former_entry for c in result.changes if c.former_entry]
    if entries:
        # Printed as they go into facts.yaml, so that they paste as they are.
        if result.former_none_yet:
            lines.append(
                "to have lint flag old values in prose, write former_values"
                f" ({result.former_at}) as:"
            )
            lines.append("former_values:")
        else:
            lines.append(
                "to have lint flag old values in prose, paste under former_values"
                f" ({result.former_at}):"
            )
        lines.extend(result.former_indent + x for e in entries for x in e.splitlines())
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
    lines.extend(
        f"  {what}: hand-edited orphan; sync would stop (keep it as hand-written text, or"
        " sync --force removes it)"
        for what in result.refused_orphans
    )
    if result.missing:
        lines.append(f"sync would report {len(result.missing)} missing in the checkouts:")
        lines.extend(f"  {line}" for line in result.missing)
    return lines, [*result.findings, *result.synced]
