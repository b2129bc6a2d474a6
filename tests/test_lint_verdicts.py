"""Verdicts reused within a run: the same line in other surroundings is judged again."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.lint import verdicts
from generator.lint.config import LintConfig
from generator.lint.engine import Target, lint_targets, lint_text
from generator.lint.findings import Finding
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES
from generator.lint.scanner import Document
from generator.lint.verdicts import Verdicts

ALL = frozenset(RULES)

# One line, three surroundings: its paragraph says the workflow is retired, says it runs, or
# the line stands in a fenced block. Only the block around the line tells them apart.
LINE = "The spot-poller.yml workflow"
TEXTS = {
    "retired.md": f"# A\n\n{LINE}\nis retired.\n",
    "active.md": f"# B\n\n{LINE}\nruns hourly as the spot feed.\n",
    "fenced.md": f"# C\n\n```\n{LINE}\n```\n",
    "deploy-here.md": "# D\n\ncd devops/fly-poller\nfly deploy\n",
    "deploy-elsewhere.md": "# E\n\ncd ../StakTrakr\nfly deploy\n",
    "ignored.md": "<!-- drift: ignore all -->\nThe home VM is at 192.168.1.81.\n",
    "plain.md": "The home VM is at 192.168.1.81.\n",
}


def one_by_one(know: Knowledge, texts: dict[str, str], repo: str | None = None) -> list[Finding]:
    """Each file with a fresh memo: what the rules say with nothing reused."""
    found: list[Finding] = []
    for name, text in texts.items():
        found += lint_text(text, know, ALL, path=name, repo=repo, verdicts=Verdicts())
    return sorted(found)


def write(root: Path, texts: dict[str, str]) -> Path:
    for name, text in texts.items():
        (root / name).write_text(text, "utf-8")
    return root


@pytest.mark.parametrize("repo", [None, "staktrakr"])
def test_a_shared_memo_gives_what_fresh_runs_give(
    know: Knowledge, tmp_path: Path, repo: str | None
) -> None:
    shared = Verdicts()
    together = sorted(
        finding
        for name, text in TEXTS.items()
        for finding in lint_text(text, know, ALL, path=name, repo=repo, verdicts=shared)
    )
    assert together == one_by_one(know, TEXTS, repo)


def test_the_same_line_is_judged_by_its_block(know: Knowledge) -> None:
    shared = Verdicts()
    rules = {
        name: {f.rule for f in lint_text(TEXTS[name], know, ALL, path=name, verdicts=shared)}
        for name in ("retired.md", "active.md", "fenced.md")
    }
    assert rules["retired.md"] == set()
    assert "retired-not-active" in rules["active.md"]
    assert rules["fenced.md"] == {"retired-component"}


def test_cd_elsewhere_in_the_block_changes_the_deploy_verdict(know: Knowledge) -> None:
    shared = Verdicts()
    here = lint_text(TEXTS["deploy-here.md"], know, ALL, verdicts=shared)
    elsewhere = lint_text(TEXTS["deploy-elsewhere.md"], know, ALL, verdicts=shared)
    assert here == []
    assert [(f.rule, f.literal, f.line) for f in elsewhere] == [
        ("deploy-location", "../StakTrakr", 3)
    ]


def test_rule_selection_and_inline_ignores_apply_after_reuse(know: Knowledge) -> None:
    shared = Verdicts()
    plain = TEXTS["plain.md"]
    assert lint_text(TEXTS["ignored.md"], know, ALL, verdicts=shared) == []
    assert lint_text(plain, know, ALL - {"retired-value"}, verdicts=shared) == []
    found = lint_text(plain, know, ALL, verdicts=shared)
    assert [(f.rule, f.line, f.column) for f in found] == [("retired-value", 1, 19)]


def test_a_folder_lints_as_its_files_do_one_by_one(know: Knowledge, tmp_path: Path) -> None:
    root = write(tmp_path, TEXTS)
    outcome = lint_targets([Target(root)], know, ALL, LintConfig())
    shown = {name: f"{root.as_posix()}/{name}" for name in TEXTS}
    expected = sorted(
        finding
        for name, text in TEXTS.items()
        for finding in lint_text(text, know, ALL, path=name, shown=shown[name])
    )
    assert outcome.findings == expected


def test_lines_and_blocks_are_one_string_each_however_many_literals(know: Knowledge) -> None:
    # Keys hold these strings: one per line or block keeps the memo as large as the text.
    body = "\n".join(f"fly deploy 192.168.1.81 {i}" for i in range(50))
    doc = Document(f"# Deploys\n\n```\n{body}\n```\n")
    tokens = [t for t in doc.tokens(know.scanner) if t.kind == "name"]
    assert len(tokens) == 50
    assert len({id(doc.surroundings(t.start)[1]) for t in tokens}) == 1
    line = doc.text.index("192.168.1.81")
    assert doc.line_at(line)[1] is doc.line_at(line + 5)[1]


def test_a_full_memo_still_judges_every_literal(
    know: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verdicts, "LIMIT", 1)
    shared = Verdicts()
    together = sorted(
        finding
        for name, text in TEXTS.items()
        for finding in lint_text(text, know, ALL, path=name, verdicts=shared)
    )
    assert together == one_by_one(know, TEXTS)


# Lines where rules look past the literal (retired names, deploy commands, ports, crons,
# paths), some with the same literal at the same offset in other words.
POOL = [
    "The spot-poller.yml workflow",
    "is retired and kept for manual runs only.",
    "runs every hour as the spot feed.",
    "tinyproxy listens on port 8888.",
    "dashboard listens on port 8888.",  # the same literal at the same offset, another service
    "The Home VM (`192.168.1.48`) runs tinyproxy (port 8889) for Fly.io.",
    "The home VM is at 192.168.1.81.",
    "cd devops/fly-poller",
    "cd ../StakTrakr",
    "fly deploy",
    "docker exec firecrawl-docker-retail-poller-1 node capture.js",
    "Spot prices come from `run-spot.sh` on `5,20,35,50 * * * *`.",
    "See devops/retail-poller/run-spot.sh for the spot cron.",
    "| Market prices | `data/api/manifest.json` | `run-publish.sh` | 15 min |",
    "<!-- drift: ignore all -->",
    "```",
    "",
    "# Heading",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(POOL), max_size=14), min_size=1, max_size=5))
def test_reuse_never_changes_a_finding(know: Knowledge, files: list[list[str]]) -> None:
    """Any mix of these lines, in any files: findings with reuse equal those without."""
    texts = {f"f{i}.md": "\n".join(lines) + "\n" for i, lines in enumerate(files)}
    shared = Verdicts()
    together = sorted(
        finding
        for name, text in texts.items()
        for finding in lint_text(text, know, ALL, path=name, verdicts=shared)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verdicts, "LIMIT", 0)  # nothing kept: every literal judged afresh
        fresh = sorted(
            finding
            for name, text in texts.items()
            for finding in lint_text(text, know, ALL, path=name, verdicts=Verdicts())
        )
    assert together == fresh
