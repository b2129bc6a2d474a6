"""Files the generator wrote whole are skipped, as managed blocks are (`check` covers them, and
nobody may fix them by hand); --include-generated lints them too, for template authors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.lint import parallel
from generator.lint.config import LintConfig
from generator.lint.engine import Target, generated, lint_targets
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES
from generator.outputs import NOTICE_MARK
from tests.conftest import run

NOTICE = f"<!-- {NOTICE_MARK} (templates/docs/x.md.j2): do not edit; then run make render -->"
SYNCED = f"<!-- {NOTICE_MARK} (templates/repos/files/x.md.j2) hash=0123abcd: do not edit -->"
BLOCK = (
    "<!-- BEGIN GENERATED: home (edit facts.yaml, then make render) hash=0123abcd -->\n"
    "The Home VM is at 192.168.1.48.\n"
    "<!-- END GENERATED: home -->\n"
)
DRIFT = "The home VM is at 192.168.1.81.\n"


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        (f"{NOTICE}\n\n# Page\n\n{DRIFT}", True),
        (f"---\ntitle: Page\n---\n{NOTICE}\n\n{DRIFT}", True),  # after front matter
        (f"---\nname: x\n---\n{SYNCED}\n{DRIFT}", True),  # a skill file that sync writes
        (f"# Page\n\n{NOTICE}\n\n{DRIFT}", False),  # quoted, not the first line
        (f"# Page\n\nPages start with `{NOTICE}`.\n", False),
        (f"{BLOCK}\n{DRIFT}", False),  # a hand-written file that starts with a managed block
        (DRIFT, False),
    ],
)
def test_a_file_written_whole_starts_with_the_generated_notice(text: str, whole: bool) -> None:
    assert generated(text.encode()) is whole


def with_a_former_value_in_a_generated_page(project: Path) -> Path:
    """The project with 192.168.1.81 in a change's text (rendered into changes-required.md)
    and a hand-written page holding it too."""
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    old = "change: Clarify run-home.sh lives in stakscrapr\n"
    assert text.count(old) == 1
    facts.write_text(text.replace(old, old[:-1] + " at 192.168.1.81\n"), "utf-8")
    assert run(["render", "-q"], project).code == 0
    (project / "docs" / "hand.md").write_text(f"# By hand\n\n{DRIFT}", "utf-8")
    return project


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cached", "uncached"])
def test_generated_pages_are_skipped_and_counted_apart(project: Path, cache: list[str]) -> None:
    root = with_a_former_value_in_a_generated_page(project)
    pages = sum(generated(p.read_bytes()) for p in (root / "docs").rglob("*.md"))
    assert pages > 10

    for _ in range(2):  # the second run, cached, skips the same
        linted = run(["lint", *cache, "docs"], root)
        assert linted.code == 1
        assert [line.split(":")[0] for line in linted.out.splitlines()[:-1]] == ["docs/hand.md"]
        assert linted.out.splitlines()[-1] == (
            f"1 finding(s) in 1 file(s); 1 file(s) linted ({pages} generated skipped)"
        )

    as_json = run(["lint", *cache, "--format", "json", "docs"], root)
    assert [f["path"] for f in json.loads(as_json.out)] == ["hand.md"]  # relative to docs/
    sarif = json.loads(run(["lint", *cache, "--format", "sarif", "docs"], root).out)
    assert len(sarif["runs"][0]["results"]) == 1


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cached", "uncached"])
def test_include_generated_lints_them_too(project: Path, cache: list[str]) -> None:
    root = with_a_former_value_in_a_generated_page(project)
    linted = run(["lint", *cache, "--include-generated", "docs"], root)
    assert linted.code == 1
    assert sorted({line.split(":")[0] for line in linted.out.splitlines()[:-1]}) == [
        "docs/changes-required.md",
        "docs/hand.md",
    ]
    assert "generated skipped" not in linted.out
    # The cache keeps no verdict about skipping: a run without the flag skips them again.
    assert "generated skipped" in run(["lint", *cache, "docs"], root).out


def test_the_summary_says_nothing_of_generated_files_when_none_is_skipped(
    project: Path,
) -> None:
    (project / "hand.md").write_text("# Fine\n", "utf-8")
    assert run(["lint", "hand.md"], project).out == "no drift found in 1 file(s)\n"
    assert run(["lint", "docs"], project).out.startswith("no drift found in 0 file(s) (")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_workers_skip_what_one_process_skips(
    know: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(12):
        text = f"{NOTICE}\n\n{DRIFT}" if i % 3 else f"# Page {i}\n\n{DRIFT}"
        (tmp_path / f"page-{i:02d}.md").write_text(text, "utf-8")
    target = [Target(tmp_path)]
    alone = lint_targets(target, know, frozenset(RULES), LintConfig())
    monkeypatch.setattr(parallel, "MIN_ITEMS", 4)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    shared = lint_targets(target, know, frozenset(RULES), LintConfig())
    assert shared == alone
    assert (len(alone.findings), alone.files, alone.generated) == (4, 4, 8)
    every = lint_targets(target, know, frozenset(RULES), LintConfig(), include_generated=True)
    assert (len(every.findings), every.files, every.generated) == (12, 12, 0)
