"""What `render` and `check` do, as plain functions returning an exit code.

Heavy modules (Jinja, mdformat, jsonschema) are imported inside the functions: a check that
the cache proves fresh never needs them, and start-up time is most of a clean check.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, NamedTuple

from generator import cache
from generator.check import BY_HAND, find_orphans
from generator.errors import ExitCode, WriteError
from generator.outputs import GENERATED_ROOTS
from generator.project import Project
from generator.report import Reporter

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from generator.check import Finding
    from generator.facts import LoadedFacts
    from generator.render import Rendered


class RenderRun(NamedTuple):
    """Outputs rendered in memory, and what the cache knew of them."""

    rendered: list[Rendered]
    loaded: LoadedFacts
    reused: frozenset[str]  # outputs whose file on disk the cache proved current
    remember: Callable[[], None]  # records the outputs in the cache


class Inputs(NamedTuple):
    """What a run renders from, each file read once: what is digested is what is rendered."""

    facts: bytes
    templates: dict[str, bytes]  # by path under templates/
    base: str  # cache.base_digest of the templates
    digest: str  # cache.input_digest: the base and the facts

    @classmethod
    def read(cls, project: Project) -> Inputs:
        templates = cache.template_sources(project.root)
        base = cache.base_digest(templates)
        facts = project.read_facts()
        return cls(facts, templates, base, cache.input_digest(base, facts))


def _render_reusing(
    project: Project, inputs: Inputs, previous: cache.Manifest | None, reporter: Reporter
) -> RenderRun:
    """Render ``inputs`` in memory, reusing what ``previous`` (the cache's manifest) proves
    unchanged."""
    from generator.facts import parse_facts
    from generator.render import Renderer
    from generator.reuse import Reuser, ValueDigests, manifest_of

    loaded = parse_facts(inputs.facts, project.facts_display)
    renderer = Renderer.cached(project, loaded, inputs.templates)
    code = cache.code_digest(inputs.base, renderer.known)
    digests = ValueDigests(loaded.facts.raw)
    reuser = Reuser(project.root, previous if previous and previous.code == code else None, digests)
    rendered = renderer.render_all(reuser, reporter.progress)
    reporter.detail(f"{len(reuser.paths)} of {len(rendered)} outputs reused from the cache")

    def remember() -> None:
        cache.save(project.root, manifest_of(rendered, digests, inputs.digest, code))

    return RenderRun(rendered, loaded, frozenset(reuser.paths), remember)


class Written(NamedTuple):
    """What a render did: its exit code, the outputs it wrote (in plan order) and the orphans
    it removed."""

    code: int
    paths: list[str]
    removed: tuple[str, ...] = ()


def render(project: Project, reporter: Reporter, *, force: bool = False) -> int:
    """Render every output and write the ones whose bytes changed."""
    return render_files(project, reporter, force=force).code


def render_files(project: Project, reporter: Reporter, *, force: bool = False) -> Written:
    """:func:`render`, also returning the paths written (the site plugin logs them).

    Orphans (generated files no template makes any more) are removed; files made by hand are
    neither overwritten nor removed without ``force``.
    """
    from generator.files import contained_all, remove_all, remove_stale_temps, write_all_if_changed
    from generator.lock import tree_lock
    from generator.normalise import prune_unused

    with tree_lock(project.root, "render"):
        inputs = Inputs.read(project)
        previous = cache.load(project.root)
        fresh = _fresh_by_cache(project, inputs.digest, previous)
        if fresh is not None:
            # The proof check uses: same inputs and the same bytes on disk, so a render would
            # write nothing. Facts, templates and formatter are not even loaded.
            remove_stale_temps({(project.root / path).parent for path in fresh})
            remove_stale_temps({cache.cache_dir(project.root)}, recursive=True)
            reporter.detail("the cache proves every output current: nothing rendered")
            reporter.info(f"all {len(fresh)} files up to date, nothing written")
            return Written(ExitCode.OK, [])
        # Render everything in memory first: a template error must leave every file untouched.
        run = _render_reusing(project, inputs, previous, reporter)
        rendered = run.rendered
        # Check every destination before writing any: a symlink out of the tree stops it all.
        targets = contained_all(project.root, [item.output.path for item in rendered])
        orphans = find_orphans(project.root, {item.output.path for item in rendered})
        doomed = contained_all(project.root, orphans)
        if not force and _refuse_hand_edits(project, rendered, orphans, previous, reporter):
            return Written(ExitCode.DRIFT, [])
        remove_stale_temps({target.parent for target in targets})
        remove_stale_temps({cache.cache_dir(project.root)}, recursive=True)
        # Skipped: files the cache read and found holding exactly these bytes.
        todo = [
            (item, target)
            for item, target in zip(rendered, targets, strict=True)
            if item.output.path not in run.reused
        ]
        try:
            changed = write_all_if_changed([(target, item.data) for item, target in todo])
            remove_all(doomed, [project.root / folder for folder in GENERATED_ROOTS])
        except OSError as error:
            raise WriteError.from_os_error(error) from None
        pairs = zip(todo, changed, strict=True)
        written = [item.output.path for (item, _), wrote in pairs if wrote]
        run.remember()
        # After rendering, which marks what it formatted as used (a run the cache proves fresh
        # marks nothing, so it does not sweep).
        prune_unused(cache.formatted_dir(project.root))
    for path in written:
        reporter.info(f"wrote {path}")
    for path in orphans:
        reporter.info(f"removed {path} (no template makes it any more)")
    if written or orphans:
        removed = f", {len(orphans)} removed" if orphans else ""
        reporter.info(f"{len(written)} of {len(rendered)} files written{removed}")
    else:
        reporter.info(f"all {len(rendered)} files up to date, nothing written")
    return Written(ExitCode.OK, written, tuple(orphans))


def _refuse_hand_edits(
    project: Project,
    rendered: list[Rendered],
    orphans: list[str],
    previous: cache.Manifest | None,
    reporter: Reporter,
) -> bool:
    """Print every file made or edited by hand that the render would replace or remove, with
    its diff; True when there is any. ``previous`` is the last render's manifest."""
    from generator.check import hand_edited, hand_edited_orphans, refuse_hand_edits
    from generator.versions import KnownVersions

    versions = KnownVersions(project.root, previous)
    found = [
        *hand_edited(project.root, rendered, versions),
        *hand_edited_orphans(project.root, orphans, versions),
    ]
    if found:
        edits = [(f"{f.path}: {_LABELS[f.state]}", f.diff) for f in found]
        notice_less = any(f.state == "hand-written" for f in found)
        kind = "hand-written or hand-edited" if notice_less else "hand-edited"
        refuse_hand_edits(reporter, edits, kind)
    return bool(found)


def _fresh_by_cache(
    project: Project, inputs: str, previous: cache.Manifest | None
) -> dict[str, str] | None:
    """The outputs (path -> sha) when the manifest proves the tree fresh, else None."""
    if previous is None or previous.inputs != inputs:
        return None
    recorded = {path: sha for path, (sha, _) in previous.outputs.items()}
    if not cache.disk_matches(project.root, recorded):
        return None
    if find_orphans(project.root, set(recorded)):
        return None
    return recorded


def check(project: Project, reporter: Reporter, checkouts: Sequence[str] = ()) -> int:
    """Render in memory and compare with disk; writes nothing but its own cache.

    ``checkouts`` (``--repo`` options) are checked too, after this tree, with the same inputs.
    """
    inputs = Inputs.read(project)
    code, run = _check_tree(project, reporter, inputs)
    if checkouts:
        code = max(code, _check_checkouts(project, reporter, checkouts, inputs, run))
    return code


def _check_checkouts(
    project: Project,
    reporter: Reporter,
    checkouts: Sequence[str],
    inputs: Inputs,
    run: RenderRun | None,
) -> int:
    from generator import sibling_proof

    fresh = sibling_proof.fresh(project.root, inputs.digest, checkouts)
    if fresh is not None:
        reporter.detail(
            "checkouts: every file is as the last clean check found it: nothing rendered"
        )
        reporter.info(f"checkouts: all {fresh} generated file(s) fresh")
        return ExitCode.OK
    from generator import sync
    from generator.facts import parse_facts

    if run is not None:  # the facts and copies the tree's check rendered
        return sync.run_check(project, reporter, checkouts, inputs.digest, run.loaded, run.rendered)
    loaded = parse_facts(inputs.facts, project.facts_display)  # the bytes digested
    return sync.run_check(project, reporter, checkouts, inputs.digest, loaded)


def _check_tree(
    project: Project, reporter: Reporter, inputs: Inputs
) -> tuple[int, RenderRun | None]:
    """The tree's check: its exit code, and the render it made (None if the cache sufficed)."""
    previous = cache.load(project.root)
    # --verbose reports what each output reads, which only a render knows.
    known_fresh = None if reporter.verbose else _fresh_by_cache(project, inputs.digest, previous)
    if known_fresh is not None:
        reporter.info(f"all {len(known_fresh)} generated files are fresh")
        return ExitCode.OK, None

    from generator.check import compare

    run = _render_reusing(project, inputs, previous, reporter)
    rendered, loaded, _, remember = run
    if reporter.verbose:
        from generator.provenance import usage_report

        for line in usage_report(rendered, loaded.facts):
            reporter.detail(line)
    from generator.versions import KnownVersions

    findings = compare(project.root, rendered, KnownVersions(project.root, previous))
    if not findings:
        with contextlib.suppress(OSError):  # check writes its cache on a best-effort basis
            remember()
        reporter.info(f"all {len(rendered)} generated files are fresh")
        return ExitCode.OK, run
    for finding in findings:
        reporter.line(reporter.paint(f"{finding.path}: {_LABELS[finding.state]}", "yellow"))
        if finding.diff:
            reporter.diff(finding.diff)
    reporter.line(f"{len(findings)} generated file(s) out of date. Fix: {_fix(project, findings)}")
    return ExitCode.DRIFT, run


def _fix(project: Project, findings: list[Finding]) -> str:
    """What clears the findings. Render refuses to replace text written by hand, so when there
    is any the fix says what works instead: take it out of the generated files, or --force."""
    by_hand = sum(finding.state in BY_HAND for finding in findings)
    if not by_hand:
        return (
            f"run `{_render_command(project)}`"
            f" (edit {project.facts_path.name} or templates/, never the generated files)."
        )
    return (
        f"move the text written by hand in {by_hand} of them into {project.facts_path.name},"
        f" a template or a file of its own, then run `{_render_command(project)}`;"
        f" or run `{_render_command(project, force=True)}` to discard it."
    )


def _render_command(project: Project, *, force: bool = False) -> str:
    """The render that fixes this check: `make render` where this repo's Makefile offers it
    (it renders the default facts file only, and passes no options), else the command itself."""
    if project.facts_path != project.root / "facts.yaml":
        command = f"python -m generator --facts {project.facts_display} render"
    elif (project.root / "Makefile").is_file() and not force:
        return "make render"
    else:
        command = "python -m generator render"
    return f"{command} --force" if force else command


_LABELS = {
    "stale": "stale",
    "hand-edited": "hand-edited (generated text was edited by hand; move it to facts.yaml)",
    "hand-written": "hand-written (no generated notice) where a template renders;"
    " move the file or rename the template",
    "missing": "missing",
    "orphan": "orphan (no template makes it)",
    "hand-edited orphan": "orphan (no template makes it), edited by hand: render keeps it"
    " without --force",
}
