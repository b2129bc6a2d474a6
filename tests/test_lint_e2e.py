"""End to end: the drift the audit found, seeded in synthetic checkouts, is found and nothing else;
and this repo's own docs lint clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.facts import load_facts
from tests.conftest import REPO, git, run

FACTS = str(REPO / "facts.yaml")

STAKTRAKR = {
    ".gitignore": ".env\n__pycache__/\n.DS_Store\n",
    "CLAUDE.md": """# StakTrakr

## Data feeds

| Feed | Source | Cadence |
| --- | --- | --- |
| Spot prices | `spot-poller.yml` GitHub Action | hourly |

The Fly.io config is `devops/retail-poller/fly.toml` in StakTrakrApi.

To refresh spot prices locally, start the Docker spot-poller container.
""",
    ".claude/skills/retail-poller/SKILL.md": """---
name: retail-poller
---

# Retail poller

```sh
docker exec firecrawl-docker-retail-poller-1 node /app/price-extract.js
```
""",
    "docs/devops/api-infrastructure-runbook.md": """# Runbook

## Local Docker spot poller

Run `docker compose up spot-poller` on your laptop.

The residential proxy is tinyproxy on port 8888.
""",
    # Seed-clean prose in the same checkout: nothing here may be reported.
    "docs/clean.md": """# Pipeline

The Home VM (`192.168.1.48`) runs tinyproxy (port 8889) and dashboard.js (port 3010).
Spot prices come from `run-spot.sh` on the Fly.io container at `5,20,35,50 * * * *`.
`spot-poller.yml` is retired since 2026-02-23; it is kept for emergency manual trigger only.
Never run a local Docker spot-poller.
Shared scraper code lives in `devops/scraper/` of StakTrakrApi; deploys run from
`devops/fly-poller/`: This Mac runs `cd devops/fly-poller && fly deploy`.
""",
    "devops/spot-poller/.env": "TOKEN=stale\n",
    "devops/spot-poller/__pycache__/poller.cpython-311.pyc": "",
    "devops/retail-poller/.env": "TOKEN=stale\n",
    "devops/retail-poller/.DS_Store": "",
}
WIKI = {
    "home-poller.md": "# Home poller\n\nThe home poller runs on the Home VM at 192.168.1.81.\n",
    "architecture-overview.md": """# Architecture

Poller scripts live in `devops/retail-poller/` of StakTrakrApi.

| Repo | Owns |
| --- | --- |
| lbruton/stakscrapr | Home VM full stack: dashboard, tinyproxy, Tailscale exit node |
""",
}
STAKSCRAPR = {
    "CLAUDE.md": "# stakscrapr\n\nNEVER run `fly deploy`. Open a PR to StakTrakrApi instead.\n",
    "docs/release.md": "# Release\n\nAfter merging, run `fly deploy` from this checkout.\n",
}

EXPECTED = [
    # (path as shown, line, rule, literal, fact)
    ("StakTrakr/.claude/skills/retail-poller/SKILL.md", 8, "retired-component",
     "firecrawl-docker-retail-poller-1", "components.retail_poller_container"),
    ("StakTrakr/CLAUDE.md", 7, "retired-not-active", "spot-poller.yml",
     "components.spot_poller_workflow"),
    ("StakTrakr/CLAUDE.md", 9, "retired-value", "devops/retail-poller/fly.toml",
     "devops.folders.fly_poller.path"),
    ("StakTrakr/CLAUDE.md", 11, "no-reference", "Docker spot-poller container",
     "components.docker_spot_poller"),
    ("StakTrakr/devops/", 0, "forbidden-paths", "devops/", "repos.staktrakr.must_not_contain"),
    ("StakTrakr/devops/retail-poller/", 0, "retired-value", "devops/retail-poller/",
     "devops.folders.fly_poller.path"),
    ("StakTrakr/devops/spot-poller/", 0, "retired-value", "devops/spot-poller/",
     "components.docker_spot_poller"),
    ("StakTrakr/docs/devops/api-infrastructure-runbook.md", 3, "no-reference",
     "Local Docker spot poller", "components.docker_spot_poller"),
    ("StakTrakr/docs/devops/api-infrastructure-runbook.md", 5, "no-reference", "spot-poller",
     "components.docker_spot_poller"),
    ("StakTrakr/docs/devops/api-infrastructure-runbook.md", 7, "contradiction", "8888",
     "hosts.home_vm.services.tinyproxy.port"),
    ("StakTrakrWiki/architecture-overview.md", 3, "retired-value", "devops/retail-poller/",
     "devops.folders.fly_poller.path"),
    ("StakTrakrWiki/home-poller.md", 3, "retired-value", "192.168.1.81", "hosts.home_vm.ip"),
    ("stakscrapr/docs/release.md", 3, "deploy-location", "fly deploy", "deploy.repo"),
]  # fmt: skip


def checkout(root: Path, files: dict[str, str], *, with_git: bool) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    if with_git:
        for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "seed"]):
            git(root, *args)
    return root


def test_the_audits_drift_is_found_and_nothing_else(tmp_path: Path) -> None:
    checkout(tmp_path / "StakTrakr", STAKTRAKR, with_git=True)
    checkout(tmp_path / "StakTrakrWiki", WIKI, with_git=False)
    checkout(tmp_path / "stakscrapr", STAKSCRAPR, with_git=True)
    repos = [
        "--repo=staktrakr=StakTrakr",
        "--repo=staktrakr_wiki=StakTrakrWiki",
        "--repo=stakscrapr=stakscrapr",
    ]
    result = run(["lint", "--facts", FACTS, *repos], tmp_path)
    assert result.code == 1, result.err
    text_paths = [line.split(":", 1)[0] for line in result.out.splitlines()[:-1]]
    assert text_paths == [e[0] for e in EXPECTED]

    result = run(["lint", "--facts", FACTS, "--format", "json", *repos], tmp_path)
    records = json.loads(result.out)
    prefixes = ("StakTrakr/", "StakTrakrWiki/", "stakscrapr/")
    shown = [e[0].split("/", 1)[1] for e in EXPECTED]
    assert [(r["path"], r["line"], r["rule"], r["literal"], r["fact"]) for r in records] == [
        (path, *rest) for path, (_, *rest) in zip(shown, EXPECTED, strict=True)
    ]
    assert all(not r["path"].startswith(prefixes) for r in records)


def test_every_seeded_case_carries_a_suggestion_where_facts_have_one(tmp_path: Path) -> None:
    checkout(tmp_path / "StakTrakr", STAKTRAKR, with_git=True)
    result = run(
        ["lint", "--facts", FACTS, "--format", "json", "--repo", "staktrakr=StakTrakr"], tmp_path
    )
    by_literal = {r["literal"]: r["suggestion"] for r in json.loads(result.out)}
    assert by_literal["devops/retail-poller/fly.toml"] == "devops/fly-poller/fly.toml"
    assert by_literal["8888"] == "8889"
    assert by_literal["spot-poller.yml"] == (
        "run-spot.sh on the Fly.io container (Spot prices feed)"
    )


def test_fixed_checkouts_lint_clean(tmp_path: Path) -> None:
    fixed = {name: text for name, text in STAKTRAKR.items() if not name.startswith("devops/")}
    fixed["CLAUDE.md"] = (
        "# StakTrakr\n\n| Feed | Source |\n| --- | --- |\n"
        "| Spot prices | `run-spot.sh` on the Fly.io container, `5,20,35,50 * * * *` |\n\n"
        "`spot-poller.yml` is retired (emergency manual trigger only).\n\n"
        "Never run a local Docker spot-poller.\n"
    )
    fixed[".claude/skills/retail-poller/SKILL.md"] = (
        "# Retail poller\n\nThe retail scripts live in StakTrakrApi under `devops/scraper/`.\n"
    )
    fixed["docs/devops/api-infrastructure-runbook.md"] = (
        "# Runbook\n\nThe residential proxy is tinyproxy on port 8889.\n"
    )
    checkout(tmp_path / "StakTrakr", fixed, with_git=True)
    result = run(["lint", "--facts", FACTS, "--repo", "staktrakr=StakTrakr"], tmp_path)
    assert (result.code, result.out) == (0, "no drift found in 4 file(s)\n")


@pytest.mark.parametrize("generated", [[], ["--include-generated"]], ids=["make-lint", "all"])
def test_this_repos_docs_and_readme_lint_clean(generated: list[str]) -> None:
    """Whatever docs/ holds now, generated or written by hand, must agree with the facts."""
    result = run(["lint", *generated, "docs", "README.md"], REPO)
    assert result.err == ""
    assert result.code == 0, result.out


def test_the_invariants_page_states_what_no_reference_checks() -> None:
    """Generated text names a removed component to say it is gone (the CLAUDE.md blocks do), and
    the rule allows that; the page must say so rather than that any mention breaks the invariant.
    """
    facts = load_facts(REPO / "facts.yaml").facts
    page = (REPO / "docs" / "invariants.md").read_text("utf-8")
    # The headings are in words, numbered in the order of facts.invariants.
    found = re.findall(r"^## (\d+)\. [^\n]*\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    assert [int(n) for n, _ in found] == list(range(1, len(facts.invariants) + 1))
    sections = {i.id: text for i, (_, text) in zip(facts.invariants, found, strict=True)}
    checked = [i for i in facts.invariants if i.check == "no-reference"]
    assert checked
    for invariant in checked:
        component = facts.components[invariant.subject.split(".")[-1]]
        text = " ".join(sections[invariant.id].split())
        assert f"except to say that it is {component.status} or must not be used" in text
        assert "A mention breaks the invariant unless its sentence says" in text
        assert "any hit" not in text


def test_what_sync_writes_into_sibling_repos_lints_clean(project: Path, tmp_path: Path) -> None:
    """Generated skill files and blocks, in real checkouts, agree with the linter."""
    repos = {"staktrakr": "StakTrakr", "staktrakr_api": "StakTrakrApi", "stakscrapr": "stakscrapr"}
    options = []
    skills = ("seed-sync", "api-infrastructure", "retail-poller", "retail-provider-fix")
    for key, name in repos.items():
        files = {"CLAUDE.md": f"# {name}\n"}
        if key == "staktrakr":  # hand-written skills that receive managed blocks
            files.update({f".claude/skills/{s}/SKILL.md": f"# {s}\n" for s in skills})
        checkout(tmp_path / name, files, with_git=True)
        options.append(f"--repo={key}={tmp_path / name}")
    synced = run(["sync", "--add-missing", *options], project)
    assert synced.code == 0, synced.err
    assert (tmp_path / "StakTrakr/CLAUDE.md").read_text("utf-8") != "# StakTrakr\n"
    result = run(["lint", "--include-generated", *options], project)
    assert (result.code, result.err) == (0, ""), result.out
    assert result.out.startswith("no drift found in ")
