"""What `render` and `check` do, as plain functions returning an exit code."""

from __future__ import annotations

from generator.check import compare
from generator.errors import ExitCode
from generator.facts import load_facts
from generator.files import write_if_changed
from generator.project import Project
from generator.render import Renderer
from generator.report import Reporter


def render(project: Project, reporter: Reporter) -> int:
    """Render every output and write the ones whose bytes changed."""
    loaded = load_facts(project.facts_path, project.facts_display)
    # Render everything in memory first: a template error must leave every file untouched.
    rendered = Renderer(project, loaded).render_all()
    written = 0
    for item in rendered:
        if write_if_changed(project.root / item.output.path, item.data):
            written += 1
            reporter.line(f"wrote {item.output.path}")
    if written:
        reporter.info(f"{written} of {len(rendered)} files written")
    else:
        reporter.info(f"all {len(rendered)} files up to date, nothing written")
    return ExitCode.OK


def check(project: Project, reporter: Reporter) -> int:
    """Render in memory and compare with disk; never writes."""
    loaded = load_facts(project.facts_path, project.facts_display)
    rendered = Renderer(project, loaded).render_all()
    findings = compare(project.root, rendered)
    if not findings:
        reporter.info(f"all {len(rendered)} generated files are fresh")
        return ExitCode.OK
    for finding in findings:
        label = {"stale": "stale", "missing": "missing", "orphan": "orphan (no template makes it)"}
        reporter.line(reporter.paint(f"{finding.path}: {label[finding.state]}", "yellow"))
        if finding.diff:
            reporter.diff(finding.diff)
    reporter.line(
        f"{len(findings)} generated file(s) out of date. "
        "Fix: run `make render` (edit facts.yaml or templates/, never the generated files)."
    )
    return ExitCode.DRIFT
