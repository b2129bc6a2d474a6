"""Bring the sibling repos' checkouts in line with the facts: plan every file, then write or report.

Nothing is written until the whole plan is known: a marker error or an unsafe path anywhere, or
hand-edited generated text (without ``--force``), leaves every checkout untouched. Nothing is
ever committed or pushed. What no target puts in a checkout any more (orphans, found by
checkout_scan) goes: a whole generated file is deleted, a block is cut out of its file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator import sibling_proof
from generator.blocks import (
    HostFile,
    block_text,
    copy_hand_edited,
    indent_of,
    parse,
    usual_newline,
)
from generator.check import refuse_hand_edits, show_hand_edits, unified_diff
from generator.checkout_scan import Scanned, scan
from generator.errors import (
    Diagnostic,
    ExitCode,
    FactsError,
    GeneratorError,
    MarkerError,
    UnsafePathError,
    UsageError,
    WriteError,
)
from generator.facts import LoadedFacts, load_facts
from generator.files import contained, read_bytes, remove_all, remove_stale_temps, replace_all
from generator.lint.discover import markdown_files
from generator.lock import tree_lock
from generator.outputs import GENERATED_ROOTS
from generator.project import Project
from generator.render import Rendered, Renderer
from generator.repo_options import folder_problem, split_repo_option
from generator.report import Reporter
from generator.targets import Target, declared_targets, file_template, repo_key
from generator.yamlsource import parse_yaml

LOCAL_CONFIG = ".generator.local.yaml"


@dataclass(frozen=True)
class Checkout:
    """A local clone of one sibling repo."""

    repo: str  # repos key
    root: Path  # resolved
    shown: str  # as the user wrote it, for messages

    def display(self, relative: str) -> str:
        return f"{self.shown.rstrip('/')}/{relative}"


@dataclass(frozen=True)
class Change:
    display: str
    path: Path  # resolved, inside its checkout
    old: bytes | None
    new: bytes
    orphans: tuple[str, ...] = ()  # the orphaned blocks it cuts out
    updated: bool = True  # whether it also writes a declared block or file

    @property
    def verb(self) -> str:
        return "created" if self.old is None else "updated"

    @property
    def state(self) -> str:
        """What is wrong with the file now, as check reports it."""
        if self.old is None:
            return "missing"
        if not self.orphans:
            return "stale"
        names = ", ".join(self.orphans)
        orphaned = f"orphaned block(s) {names} (no target puts them in this file)"
        return f"stale, {orphaned}" if self.updated else orphaned


@dataclass(frozen=True)
class Removal:
    """A whole generated file that no target puts in its checkout any more."""

    display: str
    path: Path  # resolved, inside its checkout
    old: bytes
    root: Path  # its checkout's: the folders it empties are removed up to there


@dataclass(frozen=True)
class HandEdit:
    display: str
    what: str  # "block NAME", "file", "orphaned block NAME" or "orphaned file"
    diff: str
    orphan: bool = False  # no target puts it there any more: sync would remove it


@dataclass(frozen=True)
class Missing:
    display: str
    block: str
    where: str  # where in the file, as HostFile.placement words it
    lines: str  # the exact lines to paste


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    hand_edits: list[HandEdit] = field(default_factory=list)
    missing_blocks: list[Missing] = field(default_factory=list)
    missing_files: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    fresh: int = 0
    # Every checkout folder and target path the plan looked at, named as given (not resolved),
    # with where it resolved and what it held when read (see sibling_proof).
    looked_at: dict[Path, tuple[str, str]] = field(default_factory=dict)
    # The resolved folders of every target: where a killed sync may have left temp files.
    folders: set[Path] = field(default_factory=set)


def parse_repo_options(
    options: Sequence[str], loaded: LoadedFacts, project: Project, *, use_config: bool
) -> list[Checkout]:
    """Checkouts from ``--repo NAME=PATH`` options, else (when allowed) from the local config."""
    # (key or name, path text, base folder, where it was given: for errors)
    pairs: list[tuple[str, str, Path, str]] = []
    for option in options:
        name, path = split_repo_option(option)
        pairs.append((name, path, Path.cwd(), f"--repo {name}={path}"))
    example = _example_repo(loaded)
    if not pairs and use_config:
        pairs = _from_config(project.root / LOCAL_CONFIG, _config_hint(example))
    if not pairs:
        raise UsageError(
            f"no checkouts given: pass --repo NAME=PATH (e.g. --repo {example}=../{example})"
            f" or list them under `repos:` in {LOCAL_CONFIG}"
        )
    checkouts: dict[str, Checkout] = {}
    roots: dict[Path, str] = {}
    for name, path, base, given in pairs:
        key = repo_key(name, loaded.facts.repos, given)
        root = (base / path).resolve()
        problem = folder_problem(root)
        if problem:
            raise UsageError(f"{given}: {problem}")
        if key in checkouts:  # the second would silently replace the first, unchecked
            raise UsageError(f"{given}: {key} is already given as {checkouts[key].shown}")
        if root in roots:  # two repos' files would overwrite each other in one folder
            raise UsageError(f"{given}: {root} is already the checkout of {roots[root]}")
        checkouts[key] = Checkout(key, root, path)
        roots[root] = key
    return sorted(checkouts.values(), key=lambda c: c.repo)


def _example_repo(loaded: LoadedFacts) -> str:
    """A repo name for an example in a message: this project's first, not another's."""
    return next((repo.name for repo in loaded.facts.repos.values()), "NAME")


def _config_hint(example: str) -> str:
    return f"e.g. repos: {{{example}: ../{example}}} (paths relative to the project root)"


def _from_config(path: Path, hint: str) -> list[tuple[str, str, Path, str]]:
    """The ``repos:`` entries of the local config, each with the place it was written at.

    Read as facts.yaml is: a duplicate key, a merge key or a tag is an error, not a silent pick.
    """
    raw = read_bytes(path)
    if raw is None:
        return []
    shown = path.name
    try:
        document = parse_yaml(raw, shown, empty_hint=hint)
    except FactsError as exc:  # not UTF-8, not YAML, too large or too deep
        raise UsageError(exc.diagnostics) from None
    if document.problems:
        raise UsageError(document.problems)
    repos = document.data.get("repos") if isinstance(document.data, dict) else None
    if not isinstance(repos, dict):
        raise UsageError(
            document.diagnostic(
                ("repos",), "expected `repos:` mapping repo names to checkout paths", hint
            )
        )
    entries = []
    for name, where in repos.items():
        if not isinstance(where, str):
            raise UsageError(
                document.diagnostic(
                    ("repos", name), f"expected the path of {name}'s checkout", hint
                )
            )
        place = document.keys[("repos", name)]
        entries.append((name, where, path.parent, f"{shown}:{place.line}:{place.column}"))
    return entries


def safe_target(checkout: Checkout, relative: str) -> Path:
    """The resolved path of ``relative`` in the checkout; refuses anything that leaves it.

    Resolved, so that a symlink inside the checkout (AGENTS.md -> CLAUDE.md) is written through,
    not replaced.
    """
    try:
        return contained(checkout.root, relative).resolve()
    except UnsafePathError as exc:
        shown = checkout.display(relative)
        raise UnsafePathError([d._replace(path=shown) for d in exc.diagnostics]) from None


class _Planner:
    def __init__(
        self,
        project: Project,
        loaded: LoadedFacts,
        rendered: Sequence[Rendered] | None,
        *,
        add_missing: bool,
        force: bool,
    ):
        self.add_missing = add_missing
        self.force = force
        self.targets = declared_targets(loaded, project.templates_dir)
        self.bodies: dict[tuple[str, str], str] = {}
        self.files: dict[tuple[str, str], str] = {}
        for item in _repo_copies(project, loaded) if rendered is None else rendered:
            output = item.output
            if not output.repo:
                continue
            if output.block:
                body = parse(item.data, output.path).blocks[output.block].body
                self.bodies[(output.repo, output.block)] = body
            else:
                self.files[(output.repo, output.template)] = item.text
        self.plan = Plan()
        self.problems: list[tuple[type[GeneratorError], Diagnostic]] = []
        # This project's outputs are render's, even in a checkout that holds this project.
        self.owned = [(project.root / folder).resolve() for folder in GENERATED_ROOTS]

    def run(self, checkouts: Sequence[Checkout]) -> Plan:
        for checkout in checkouts:
            listed = markdown_files(checkout.root)
            self.plan.looked_at[Path(checkout.shown)] = sibling_proof.folder_state(
                checkout.root, listed
            )
            # One entry per real file: AGENTS.md may be a symlink to CLAUDE.md.
            files: dict[Path, Target] = {}
            names: dict[Path, list[Path]] = {}  # per real file, the names it was reached by
            for target in self.targets:
                if target.repo != checkout.repo:
                    continue
                try:
                    path = safe_target(checkout, target.path)
                except UnsafePathError as exc:
                    self.problems.extend((UnsafePathError, d) for d in exc.diagnostics)
                    continue
                files[path] = _merged(files[path], target) if path in files else target
                names.setdefault(path, []).append(Path(checkout.shown) / target.path)
                self.plan.folders.add(path.parent)
            for path, target in files.items():
                old = self.target(checkout, target, path)
                state = sibling_proof.file_state(path, old)  # the bytes judged, not reread
                self.plan.looked_at.update(dict.fromkeys(names[path], state))
            for found in scan(checkout.root, listed, files.keys(), self.owned):
                state = sibling_proof.file_state(found.path, found.data)
                self.plan.looked_at[Path(checkout.shown) / found.relative] = state
                self.orphans(checkout, found)
        if self.problems:
            kind = self.problems[0][0]
            raise kind([diagnostic for _, diagnostic in self.problems])
        return self.plan

    def target(self, checkout: Checkout, target: Target, path: Path) -> bytes | None:
        """Plan one target file; the bytes it held when read (None when absent)."""
        display = checkout.display(target.path)
        old = read_bytes(path)
        if target.file is not None:
            self.whole(display, path, old, self.files[(target.repo, file_template(target.file))])
        elif old is None:
            if not target.if_present:
                self.plan.missing_files.append((display, target.blocks))
        else:
            try:
                host = parse(old, display)
            except MarkerError as exc:
                self.problems.extend((MarkerError, d) for d in exc.diagnostics)
                return old
            self.blocks(display, path, old, host, target)
        return old

    def orphans(self, checkout: Checkout, found: Scanned) -> None:
        """Plan the removal of what a file that no target names holds of the generator's."""
        display = checkout.display(found.relative)
        if found.whole:
            if copy_hand_edited(found.data, whole=True) and not self.force:
                diff = unified_diff(display, found.data, b"")
                self.plan.hand_edits.append(HandEdit(display, "orphaned file", diff, orphan=True))
            else:
                self.plan.removals.append(Removal(display, found.path, found.data, checkout.root))
            return
        if not found.marked:
            return
        try:
            host = parse(found.data, display)
        except MarkerError as exc:
            self.problems.extend((MarkerError, d) for d in exc.diagnostics)
            return
        if host.blocks:  # every block in it is an orphan
            none = Target(checkout.repo, found.relative, None, (), None, if_present=True)
            self.blocks(display, found.path, found.data, host, none)
            self.plan.folders.add(found.path.parent)

    def whole(self, display: str, path: Path, old: bytes | None, text: str) -> None:
        if old is not None:  # a checkout with CRLF endings keeps them
            text = text.replace("\n", usual_newline(old.decode("utf-8", errors="replace")))
        new = text.encode("utf-8")
        if old == new:
            self.plan.fresh += 1
            return
        if old is not None and copy_hand_edited(old, whole=True) and not self.force:
            self.plan.hand_edits.append(HandEdit(display, "file", unified_diff(display, old, new)))
            return
        self.plan.changes.append(Change(display, path, old, new))

    def blocks(self, display: str, path: Path, old: bytes, host: HostFile, target: Target) -> None:
        trimmed, orphans = self.without_orphans(display, host, target)
        current = trimmed
        previous: str | None = None
        for name in target.blocks:
            body = self.bodies[(target.repo, name)]
            found = current.blocks.get(name)
            after, previous = previous, name
            if found is None:
                if self.add_missing:  # after the block declared before it, when present
                    added = current.with_added_block(name, body, target.anchor, after)
                    if name not in added.blocks:  # pasted inside code that is never closed
                        self.problems.append((MarkerError, _lands_in_code(display, added, name)))
                        return
                    current = added
                else:  # where --add-missing would put it, with the indent it would give it
                    _, indent, where = current.placement(target.anchor, after)
                    lines = block_text(name, body, indent=indent)
                    self.plan.missing_blocks.append(Missing(display, name, where, lines))
                continue
            if not found.holds(body) and found.hand_edited and not self.force:
                edited = current.segment(name).encode("utf-8")
                generated = current.with_block(name, body).segment(name).encode("utf-8")
                diff = unified_diff(f"{display} (block {name})", edited, generated)
                self.plan.hand_edits.append(HandEdit(display, f"block {name}", diff))
                continue
            current = current.with_block(name, body)
        new = current.encode()
        refused = any(edit.display == display for edit in self.plan.hand_edits)
        if new == old:
            missing = any(missing.display == display for missing in self.plan.missing_blocks)
            if target.blocks and not missing and not refused:
                self.plan.fresh += 1  # a file still missing a block is not up to date
        elif not refused:
            updated = new != trimmed.encode()  # more than the orphans cut out
            self.plan.changes.append(Change(display, path, old, new, orphans, updated))

    def without_orphans(
        self, display: str, host: HostFile, target: Target
    ) -> tuple[HostFile, tuple[str, ...]]:
        """The file without the blocks that no target puts in it (a hand-edited one is kept,
        and reported, unless --force), and the names of those cut out."""
        current = host
        cut: list[str] = []
        for name, block in host.blocks.items():
            if name in target.blocks:
                continue
            if block.hand_edited and not self.force:
                edited = host.segment(name).encode("utf-8")
                diff = unified_diff(f"{display} (block {name})", edited, b"")
                self.plan.hand_edits.append(
                    HandEdit(display, f"orphaned block {name}", diff, orphan=True)
                )
                continue
            current = current.without_block(name)
            cut.append(name)
        return current, tuple(cut)


def _lands_in_code(display: str, added: HostFile, name: str) -> Diagnostic:
    """Where the fence that is left open stands, before the block that would land after it."""
    begin = next(i for i, line in enumerate(added.lines) if f"BEGIN GENERATED: {name}" in line)
    fence = added.code_start(begin)
    return Diagnostic(
        display,
        fence + 1,
        indent_of(added.lines[fence]) + 1,
        f"this code block is never closed, so block {name!r} would land inside it as text",
        "close the code block (a ``` line), then run sync --add-missing",
    )


def _merged(first: Target, second: Target) -> Target:
    """Two declarations that name the same file: its blocks are those of both."""
    if first.whole or second.whole:
        return first
    extra = tuple(name for name in second.blocks if name not in first.blocks)
    return replace(
        first,
        blocks=first.blocks + extra,
        anchor=first.anchor or second.anchor,
        if_present=first.if_present and second.if_present,
    )


def _repo_copies(project: Project, loaded: LoadedFacts) -> list[Rendered]:
    """This repo's copies of the sibling repos' files, rendered (and nothing else)."""
    renderer = Renderer.cached(project, loaded)
    return [renderer.render(output) for output in renderer.outputs if output.repo]


def plan_checkouts(
    project: Project,
    loaded: LoadedFacts,
    checkouts: Sequence[Checkout],
    *,
    rendered: Sequence[Rendered] | None = None,
    add_missing: bool = False,
    force: bool = False,
) -> Plan:
    """What syncing would do to every checkout; raises on marker errors and unsafe paths.

    ``rendered``, when the caller has just rendered this project from ``loaded``, saves
    rendering the repo copies a second time.
    """
    planner = _Planner(project, loaded, rendered, add_missing=add_missing, force=force)
    return planner.run(checkouts)


def _report_missing(plan: Plan, reporter: Reporter) -> None:
    for display, blocks in plan.missing_files:
        reporter.line(
            f"{display}: missing; it is hand-written, so sync does not create it."
            f" Create it, then run sync --add-missing to add: {', '.join(blocks)}"
        )
    for missing in plan.missing_blocks:
        reporter.line(
            f"{missing.display}: block {missing.block} missing; paste these lines {missing.where}"
            " (or run sync --add-missing):"
        )
        reporter.line(missing.lines)


def _hand_edit_reports(plan: Plan) -> list[tuple[str, str]]:
    return [(f"{edit.display}: hand-edited {edit.what}", edit.diff) for edit in plan.hand_edits]


def write_plan(plan: Plan, reporter: Reporter, checkouts: Sequence[Checkout]) -> int:
    """Write the plan (all or nothing on hand edits), one line per changed file and a summary."""
    if plan.hand_edits:
        refuse_hand_edits(reporter, _hand_edit_reports(plan))
        if any(edit.orphan for edit in plan.hand_edits):
            reporter.line(
                "An orphan (no target puts it there any more) that was edited by hand: keep what"
                " you need of it as hand-written text (delete its markers or notice), or rerun"
                " with --force to remove it."
            )
        return ExitCode.DRIFT
    # Every file at once (all staged before any is replaced), and only then the report: a
    # reader that goes away mid-report must not stop the writes halfway.
    try:
        replace_all([(change.path, change.new) for change in plan.changes])
        # Then the orphaned files, and each folder that leaves empty (never the checkout).
        roots = sorted({removal.root for removal in plan.removals})
        remove_all([removal.path for removal in plan.removals], roots)
    except OSError as error:
        raise WriteError.from_os_error(error) from None
    for change in plan.changes:
        cut = f" (removed orphaned block(s) {', '.join(change.orphans)})" if change.orphans else ""
        reporter.info(f"{change.verb} {change.display}{cut}")
    for removal in plan.removals:
        reporter.info(f"removed {removal.display} (no target puts it there any more)")
    _report_missing(plan, reporter)
    names = ", ".join(checkout.shown for checkout in checkouts)
    removed = f", {len(plan.removals)} removed" if plan.removals else ""
    summary = (
        f"sync: {len(plan.changes)} file(s) changed{removed}, {plan.fresh} up to date"
        f" in {len(checkouts)} checkout(s) ({names}); nothing committed"
    )
    unfinished = _unfinished(plan)
    if unfinished:
        reporter.line(f"{summary}; {unfinished}")
        return ExitCode.DRIFT
    reporter.info(summary)
    return ExitCode.OK


def _unfinished(plan: Plan) -> str:
    """What sync left to do, and how: a missing block --add-missing adds; a missing
    hand-written file someone must create first (rerunning alone cannot help)."""
    parts = []
    if plan.missing_blocks:
        parts.append(f"{len(plan.missing_blocks)} block(s) missing (rerun with --add-missing)")
    if plan.missing_files:
        parts.append(
            f"{len(plan.missing_files)} hand-written file(s) missing"
            " (create them, then rerun with --add-missing)"
        )
    return "; ".join(parts)


def report_plan(plan: Plan, reporter: Reporter, options: Sequence[str]) -> int:
    """Report what sync would change, without writing; 1 when anything would.

    ``options`` are the ``--repo`` options checked, repeated in the fix it prints.
    """
    for change in plan.changes:
        reporter.line(reporter.paint(f"{change.display}: {change.state}", "yellow"))
        reporter.diff(unified_diff(change.display, change.old or b"", change.new))
    for removal in plan.removals:
        heading = f"{removal.display}: orphan (no target puts it there any more)"
        reporter.line(reporter.paint(heading, "yellow"))
    show_hand_edits(reporter, _hand_edit_reports(plan))
    _report_missing(plan, reporter)
    problems = (
        len(plan.changes)
        + len(plan.removals)
        + len(plan.hand_edits)
        + len(plan.missing_blocks)
        + len(plan.missing_files)
    )
    if problems:
        reporter.line(f"{problems} problem(s) in the checkouts. Fix: {_fix(plan, options)}")
        return ExitCode.DRIFT
    reporter.info(f"checkouts: all {plan.fresh} generated file(s) fresh")
    return ExitCode.OK


def _fix(plan: Plan, options: Sequence[str]) -> str:
    """The steps that clear what a check found, in order, with the --repo options it used."""
    import shlex

    repos = " ".join(f"--repo {shlex.quote(option)}" for option in options)
    steps = []
    if plan.missing_files:
        steps.append("create the hand-written files listed above")
    if any(not edit.orphan for edit in plan.hand_edits):
        steps.append("move each hand edit into facts.yaml (or pass --force to discard it)")
    if any(edit.orphan for edit in plan.hand_edits):
        steps.append(
            "keep what you need of each hand-edited orphan as hand-written text (delete its"
            " markers or notice), or pass --force to remove it"
        )
    if (
        plan.changes
        or plan.removals
        or plan.missing_blocks
        or plan.missing_files
        or plan.hand_edits
    ):
        add = " --add-missing" if plan.missing_blocks or plan.missing_files else ""
        steps.append(f"run python -m generator sync{add} {repos}")
    return "; then ".join(steps)


def run_sync(
    project: Project,
    reporter: Reporter,
    options: Sequence[str],
    *,
    add_missing: bool = False,
    force: bool = False,
) -> int:
    """``python -m generator sync``: checkouts from --repo or the local config."""
    loaded = load_facts(project.facts_path, project.facts_display)
    checkouts = parse_repo_options(options, loaded, project, use_config=True)
    with contextlib.ExitStack() as locks:
        locks.enter_context(tree_lock(project.root, "sync"))
        for checkout in checkouts:
            git_dir = _git_dir(checkout.root)
            if git_dir is not None:
                lock_file = git_dir / "generator-sync.lock"
                locks.enter_context(tree_lock(checkout.root, "sync", lock_file))
        plan = plan_checkouts(project, loaded, checkouts, add_missing=add_missing, force=force)
        remove_stale_temps(plan.folders)  # what a killed sync left beside its targets
        return write_plan(plan, reporter, checkouts)


def _git_dir(root: Path) -> Path | None:
    """The checkout's git folder: ``.git``, or where a worktree's ``.git`` file points."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        pointer = dot_git.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not pointer.startswith("gitdir: "):
        return None
    folder = Path(pointer.removeprefix("gitdir: "))
    folder = folder if folder.is_absolute() else root / folder
    return folder if folder.is_dir() else None


def run_check(
    project: Project,
    reporter: Reporter,
    options: Sequence[str],
    inputs: str,
    loaded: LoadedFacts,
    rendered: Sequence[Rendered] | None = None,
) -> int:
    """``python -m generator check --repo ...``: verify checkouts, write nothing.

    ``inputs`` is the project's input digest, and ``loaded`` the facts read for it: a clean
    result is recorded against it, so that the same check on unchanged files can skip rendering
    next time (see sibling_proof). ``rendered`` is what the tree's check rendered, if it did.
    """
    checkouts = parse_repo_options(options, loaded, project, use_config=False)
    plan = plan_checkouts(project, loaded, checkouts, rendered=rendered)
    code = report_plan(plan, reporter, options)
    if code == ExitCode.OK:
        sibling_proof.record(project.root, inputs, options, plan.looked_at, plan.fresh)
    return code
