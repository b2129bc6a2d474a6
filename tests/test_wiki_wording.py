"""How the wiki pages read: titles that match the nav, no schema keys or bare host names in
prose, notes placed mid-sentence in lower case, and structure derived from the facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.facts import load_facts
from tests.conftest import REPO, run


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml with its tags (!ENV, !!python/name) read as nothing: only the nav matters."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_pages(root: Path) -> list[tuple[str, str]]:
    """(label, docs path) of every page in mkdocs.yml's nav, in order."""
    config = yaml.load((root / "mkdocs.yml").read_text("utf-8"), Loader=_ConfigLoader)

    def walk(items: list[Any]) -> list[tuple[str, str]]:
        found = []
        for item in items:
            for label, value in item.items():
                found += walk(value) if isinstance(value, list) else [(label, value)]
        return found

    return walk(config["nav"])


def h1(page: str) -> str:
    return next(line[2:] for line in page.splitlines() if line.startswith("# "))


def prose(page: str) -> list[str]:
    """The lines of running text: no front matter notice, fence, table, heading or box title."""
    lines, fenced = [], False
    for line in page.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith(("|", "#", "<!--", "!!!", "*Generated from")):
            continue
        lines.append(line)
    return lines


def test_each_page_title_is_its_nav_label() -> None:
    pages = nav_pages(REPO)
    assert len(pages) >= 12
    titles = {
        path: h1((REPO / "docs" / path).read_text("utf-8"))
        for _, path in pages
        if path != "index.md"  # the home page is titled with the project's name
    }
    assert {path: label for label, path in pages if path != "index.md"} == titles


def test_the_home_page_links_every_page_of_the_nav_with_its_label() -> None:
    index = (REPO / "docs" / "index.md").read_text("utf-8")
    section = index.split("## Where to go next", 1)[1]
    links = re.findall(r"^- \[([^\]]+)\]\(([^)]+)\)", section, re.M)
    wanted = [(label, path) for label, path in nav_pages(REPO) if path != "index.md"]
    assert links == wanted


def test_a_page_the_home_page_does_not_know_is_still_listed(project: Path) -> None:
    (project / "templates" / "docs" / "zz-notes.md.j2").write_text("# Notes\n", "utf-8")
    assert run(["render", "-q"], project).code == 0
    index = (project / "docs" / "index.md").read_text("utf-8")
    assert "| Other pages |\n| -- |\n| [zz notes](zz-notes.md) |\n" in index


def test_the_ownership_diagram_ships_each_deployed_folder_to_the_deploy_target() -> None:
    """The design's Dockerfile copies scraper/ into the image: every folder the change gate
    ships with the deploy command reaches the deploy target, not only the deploy folder."""
    facts = load_facts(REPO / "facts.yaml").facts
    page = (REPO / "docs" / "architecture-overview.md").read_text("utf-8")
    target = next(
        key
        for key, host in facts.hosts.items()
        if host.config and host.config.startswith(facts.deploy.folder + "/")
    )
    shipped = {facts.deploy.folder} | {
        rule.folder
        for rule in facts.change_gate
        if rule.deploy == "merge-and-deploy" and rule.folder
    }
    assert len(shipped) > 1
    for folder in shipped:
        assert re.search(rf"^  folder_{folder} ==>\|[^|]+\| host_{target}$", page, re.M), folder


def test_no_schema_key_is_shown_as_a_label() -> None:
    page = (REPO / "docs" / "architecture-overview.md").read_text("utf-8")
    cells = {
        c.strip() for line in page.splitlines() if line.startswith("|") for c in line.split("|")
    }
    facts = load_facts(REPO / "facts.yaml").facts
    keys = {repo.role for repo in facts.repos.values()} | {h.kind for h in facts.hosts.values()}
    assert keys & cells == set()
    invariants = (REPO / "docs" / "invariants.md").read_text("utf-8")
    headings = re.findall(r"^## \d+\. (.*)$", invariants, re.M)
    assert len(headings) == len(facts.invariants)
    assert not {i.id for i in facts.invariants} & set(headings)


def test_host_names_take_the_article_in_running_text(project: Path) -> None:
    """Descriptive host names read as nouns ("the Home VM"), wherever a template writes one.
    The hosts are renamed so that no other fact's text (a note naming a host) is counted."""
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    names = {"Fly.io container": "Zulu box", "Home VM": "Yankee box", "StakTrakr Mac": "Xray box"}
    for old, new in names.items():
        assert text.count(f"    name: {old}\n") == 1
        text = text.replace(f"    name: {old}\n", f"    name: {new}\n")
    facts.write_text(text, "utf-8")
    assert run(["render", "-q"], project).code == 0

    bare = []
    for page in sorted((project / "docs").rglob("*.md")):
        # Left out: the fact index shows values as they are.
        if page.name == "facts-index.md":
            continue
        for line in prose(page.read_text("utf-8")):
            for name in names.values():
                for found in re.finditer(re.escape(name), line):
                    before = line[: found.start()]
                    if not before.endswith(("the ", "The ", "[")):
                        bare.append(f"{page.name}: {line.strip()}")
    assert bare == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monitors both pollers", "monitors both pollers"),
        ("A seed file, not live data", "a seed file, not live data"),
        ("Zero-deploy, auto-synced", "zero-deploy, auto-synced"),
        ("SHARED engine", "SHARED engine"),  # an acronym
        ("Fly.io deploy wrapper", "Fly.io deploy wrapper"),  # a name with a dot
        ("Tailscale carries it", "Tailscale carries it"),  # starts a service name in facts
        ("Redis holds the queue", "Redis holds the queue"),  # a part of the stack
    ],
)
def test_a_note_placed_mid_sentence_starts_lower_case_unless_it_starts_with_a_name(
    project: Path, text: str, expected: str
) -> None:
    (project / "templates" / "docs" / "zz-mid.md.j2").write_text(
        '{% import "docs/_macros.md.j2" as m with context %}\n# Mid\n\n'
        f"Note: {{{{ m.mid({text!r}) }}}}.\n",
        "utf-8",
    )
    assert run(["render", "-q"], project).code == 0
    assert f"Note: {expected}.\n" in (project / "docs" / "zz-mid.md").read_text("utf-8")


def test_devops_folder_tables_show_notes_and_no_dashes() -> None:
    page = (REPO / "docs" / "devops-folders.md").read_text("utf-8")
    assert "| File | Notes |" in page
    assert "What facts say" not in page
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows
    assert not [row for row in rows if row.rstrip().endswith("| — |")]
    # A folder none of whose files has a note is a list, not a table of empty cells.
    for section in page.split("\n## ")[1:]:
        table = [line for line in section.splitlines() if line.startswith("| `")]
        assert not table or any(not row.endswith("|  |") for row in table), section[:40]


def test_the_runbook_lists_every_feed_with_its_writer_host() -> None:
    facts = load_facts(REPO / "facts.yaml").facts
    page = (REPO / "docs" / "api-infrastructure-runbook.md").read_text("utf-8")
    table = page.split("## What runs where", 1)[1].split("\n## ", 1)[0]
    for host in facts.hosts.values():
        row = next(line for line in table.splitlines() if line.startswith(f"| {host.name} |"))
        for feed in facts.feeds.values():
            assert (feed.name in row) == (feed.writer.host == host.key), (host.name, feed.name)
            if feed.writer.host == host.key and feed.writer.script:
                assert f"`{feed.writer.script}`" in row


def test_the_deploy_rule_is_stated_once_on_the_change_gate_page() -> None:
    facts = load_facts(REPO / "facts.yaml").facts
    page = (REPO / "docs" / "change-gate.md").read_text("utf-8")
    rules = page.split("## Deploy rules", 1)[1].split("\n## ", 1)[0]
    command = f"cd {facts.devops.root}/{facts.devops.folders[facts.deploy.folder].path}"
    assert rules.count(command) == 1


def _set(project: Path, old: str, new: str) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(old) == 1, old
    facts.write_text(text.replace(old, new), "utf-8")


def test_a_cron_that_skips_hours_is_worded_not_put_on_the_hour_chart(project: Path) -> None:
    # "at minutes 30 of every hour" for a job that runs once a weekday was wrong information.
    _set(project, 'cron: "5,20,35,50 * * * *"', 'cron: "30 4 * * 1-5"')
    assert run(["render", "-q"], project).code == 0
    page = (project / "docs/data-feeds.md").read_text("utf-8")
    spot = next(line for line in page.splitlines() if line.startswith("- **Spot prices**"))
    assert spot == (
        "- **Spot prices** (`data/hourly/YYYY/MM/DD/HH.json`): at 04:30, Monday through Friday,"
        " from the cron expression `30 4 * * 1-5`; not every hour."
    )
    chart = page.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "section Spot prices" not in chart and "section Market prices" in chart


def test_an_hourly_cron_at_one_minute_says_minute(project: Path) -> None:
    _set(project, 'cron: "5,20,35,50 * * * *"', 'cron: "7 * * * *"')
    assert run(["render", "-q"], project).code == 0
    page = (project / "docs/data-feeds.md").read_text("utf-8")
    assert "(`data/hourly/YYYY/MM/DD/HH.json`): at minute 7 of every hour," in page


def test_counts_agree_with_their_nouns(project: Path) -> None:
    facts = yaml.safe_load((project / "facts.yaml").read_text("utf-8"))
    text = (project / "facts.yaml").read_text("utf-8")
    # Keep one feed: drop the others and what points at them.
    start = text.index("  market_prices:\n")
    end = text.index("  spot_prices:\n")
    text = text[:start] + text[end:]
    start = text.index("  goldback:\n")
    end = text.index("\ncomponents:\n")
    text = text[:start] + text[end + 1 :]
    (project / "facts.yaml").write_text(text, "utf-8")
    assert len(facts["feeds"]) == 3
    result = run(["render", "-q"], project)
    assert result.code == 0, result.err
    feeds = (project / "docs/data-feeds.md").read_text("utf-8")
    assert "The pipeline publishes one feed as JSON files." in feeds
    assert "## The data feeds at a glance" in (project / "docs/index.md").read_text("utf-8")


def test_a_retired_component_without_a_date_reads_without_one(project: Path) -> None:
    _set(project, "    status: retired\n    since: 2026-02-23\n", "    status: retired\n")
    result = run(["render", "-q"], project)
    assert result.code == 0, result.err
    outputs = [*(project / "docs").rglob("*.md"), *(project / "repos").rglob("*.md")]
    said = [p for p in outputs if "`spot-poller.yml` has been retired." in p.read_text("utf-8")]
    assert said  # the blocks say it, without a date
    assert not [p for p in outputs if "None" in p.read_text("utf-8")]


def test_layout_pages_say_while_the_audit_is_not_done(project: Path) -> None:
    pages = ("architecture-overview.md", "devops-folders.md", "change-gate.md")
    for name in pages:
        text = (project / "docs" / name).read_text("utf-8")
        assert "14 of its 17 changes are not done yet" in text, name
    facts = project / "facts.yaml"
    facts.write_text(
        re.sub(r"status: (pending|in-progress)\n", "status: done\n", facts.read_text("utf-8")),
        "utf-8",
    )
    assert run(["render", "-q"], project).code == 0
    for name in pages:
        assert "not yet all in place" not in (project / "docs" / name).read_text("utf-8")
