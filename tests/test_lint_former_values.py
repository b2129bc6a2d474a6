"""Former values of other shapes than the audit's: a renamed repo's slug, and a former path under
a folder no fact describes. Only the former value itself is the linter's business."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.facts import parse_facts
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge, build_knowledge
from generator.lint.rules import RULES
from tests.conftest import REPO, run

RENAMED_REPO = (
    "  - {value: lbruton/stakscrapr-old, fact: repos.stakscrapr.slug, note: Renamed on GitHub.}\n"
)
MOVED_SCRIPT = (
    "  - {value: scripts/old-poll.sh, fact: devops.folders.fly_poller.path, note: Moved.}\n"
)


def with_former(facts: str, *entries: str) -> str:
    """``facts`` with ``entries`` first under former_values."""
    head = "\nformer_values:\n"
    assert facts.count(head) == 1
    return facts.replace(head, head + "".join(entries))


@pytest.fixture(scope="module")
def renamed() -> Knowledge:
    text = with_former((REPO / "facts.yaml").read_text("utf-8"), RENAMED_REPO, MOVED_SCRIPT)
    return build_knowledge(parse_facts(text.encode(), "facts.yaml").facts)


def found(know: Knowledge, text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (f.rule, f.literal, f.suggestion, f.fact) for f in lint_text(text, know, frozenset(RULES))
    ]


def test_current_repo_slugs_are_no_unknown_paths(renamed: Knowledge) -> None:
    assert found(renamed, "The frontend lives in lbruton/StakTrakr.\n") == []
    slugs = ", ".join(f"`{repo.slug}`" for repo in renamed.facts.repos.values())
    assert found(renamed, f"The repos: {slugs}; see github.com/lbruton/StakTrakrApi/pulls.\n") == []


def test_the_old_slug_is_a_former_value_with_the_current_slug_as_suggestion(
    renamed: Knowledge,
) -> None:
    old = ("retired-value", "lbruton/stakscrapr-old", "lbruton/stakscrapr", "repos.stakscrapr.slug")
    assert found(renamed, "Clone lbruton/stakscrapr-old now.\n") == [old]
    assert found(renamed, "`git clone https://github.com/lbruton/stakscrapr-old.git`\n") == [old]
    # "-old" in the value itself tells no change; "renamed" does.
    assert found(renamed, "The repo was renamed from lbruton/stakscrapr-old.\n") == []


def test_a_former_path_under_a_folder_no_fact_describes(renamed: Knowledge) -> None:
    text = "Run scripts/old-poll.sh, then scripts/report.sh.\n"
    assert found(renamed, text) == [
        (
            "retired-value",
            "scripts/old-poll.sh",
            "devops/fly-poller",
            "devops.folders.fly_poller.path",
        )
    ]


def test_a_renamed_repo_in_facts_lints_the_rendered_docs_clean(project: Path) -> None:
    facts = project / "facts.yaml"
    facts.write_text(with_former(facts.read_text("utf-8"), RENAMED_REPO), "utf-8")
    assert run(["render", "-q"], project).code == 0
    (project / "docs" / "hand.md").write_text(
        "# Repos\n\nThe frontend lives in lbruton/StakTrakr.\n\nClone lbruton/stakscrapr-old.\n",
        "utf-8",
    )
    (project / "README.md").write_text((REPO / "README.md").read_text("utf-8"), "utf-8")

    linted = run(["lint", "--no-cache", "--include-generated", "docs", "README.md"], project)

    assert linted.out.splitlines()[:-1] == [
        "docs/hand.md:5:7: retired-value `lbruton/stakscrapr-old` is a former value: Renamed on"
        " GitHub. (did you mean lbruton/stakscrapr?)"
    ]


OLD_PORT = "  - {value: '8888', fact: hosts.home_vm.services.tinyproxy.port, note: The old port.}\n"


def test_a_former_port_is_flagged_however_the_port_is_written() -> None:
    text = with_former((REPO / "facts.yaml").read_text("utf-8"), OLD_PORT)
    know = build_knowledge(parse_facts(text.encode(), "facts.yaml").facts)
    said = (
        "Allow port 8888. Test it on 8888, at localhost:8888, at 192.168.1.48:8888, with"
        " tinyproxy (8888) or against 8888.\n"
    )
    findings = lint_text(said, know, frozenset(RULES))
    assert [(f.rule, f.literal, f.suggestion) for f in findings] == [
        ("retired-value", "8888", "8889")
    ] * 6
    assert [f.column for f in findings] == [
        said.index(x) + len(x) - 4 + 1
        for x in ("port 8888", "on 8888", "host:8888", "48:8888", "(8888", "against 8888")
    ]
