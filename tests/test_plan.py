"""`plan`: per changed fact the lines it feeds, then render's diff; against git; writes nothing."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from tests.conftest import git, run, snapshot
from tests.test_provenance import NEW_IP, OLD_IP, changed_lines, generated, set_ip, where_places

CHANGE_PLACE = re.compile(r"^    (\S+?):(\d+)$")


@pytest.fixture
def repo(project: Path) -> Path:
    """The project copy, freshly rendered and committed to a new git repo."""
    assert run(["render", "-q"], project).code == 0
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "facts")
    return project


def tree(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".git/")}


def test_plan_shows_the_lines_where_lists_and_the_diff_render_makes(repo: Path) -> None:
    before = generated(repo)
    set_ip(repo, NEW_IP)
    untouched = tree(repo)

    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert tree(repo) == untouched, "plan wrote something"
    lines = result.out.splitlines()
    assert lines[:2] == [
        "1 fact(s) changed since HEAD:",
        f'  hosts.home_vm.ip: "{OLD_IP}" → "{NEW_IP}"',
    ]
    planned = {f"{m.group(1)}:{m.group(2)}" for x in lines if (m := CHANGE_PLACE.match(x))}

    where = run(["where", "hosts.home_vm.ip"], repo)
    assert planned == where_places(where.out)

    # The diff part is exactly what check reports, and render then makes those changes.
    check = run(["check"], repo)
    assert check.code == 1
    diff_at = result.out.index("--- a/")
    check_diffs = [
        x
        for x in check.out[check.out.index("--- a/") :].splitlines()
        if not re.fullmatch(r"\S+: stale", x) and "generated file(s) out of date" not in x
    ]
    assert result.out[diff_at:].splitlines() == check_diffs
    files = sorted({p.split(":")[0] for p in planned})
    assert f"render would change {len(files)} file(s):" in lines
    assert [f"  {f} (stale)" for f in files] == [x for x in lines if x.endswith(" (stale)")]

    assert run(["render", "-q"], repo).code == 0
    assert changed_lines(before, generated(repo)) == planned


def test_plan_against_an_older_revision(repo: Path) -> None:
    set_ip(repo, NEW_IP)
    git(repo, "commit", "-q", "-am", "new ip")
    assert run(["render", "-q"], repo).code == 0
    git(repo, "commit", "-q", "-am", "render")

    assert run(["plan"], repo).out.splitlines() == [
        "no fact changed since HEAD",
        "render would change nothing",
    ]
    result = run(["plan", "--against", "HEAD~2"], repo)
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [
        "1 fact(s) changed since HEAD~2:",
        f'  hosts.home_vm.ip: "{OLD_IP}" → "{NEW_IP}"',
    ]
    assert result.out.splitlines()[-1] == "render would change nothing"


def test_plan_lists_a_removed_fact_where_it_was_stated(repo: Path) -> None:
    facts = repo / "facts.yaml"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("    health_file: /tmp/flyio-health.json\n", ""), "utf-8")
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:2] == [
        "1 fact(s) changed since HEAD:",
        '  removed hosts.home_vm.health_file: "/tmp/flyio-health.json"',
    ]
    assert "    docs/home-poller.md" in {x.rsplit(":", 1)[0] for x in lines}


def edit_facts(root: Path, old: str, new: str) -> None:
    facts = root / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(old) == 1, old
    facts.write_text(text.replace(old, new), "utf-8")


def summary(out: str) -> list[str]:
    """The change lines of plan's output: the fact lines, without the places under them."""
    lines = out.splitlines()
    end = next(i for i, x in enumerate(lines) if i and not x.startswith(" "))
    return [x for x in lines[:end] if not x.startswith("    ")]


def test_plan_reports_an_item_inserted_at_the_top_of_a_list_as_one_added_item(
    repo: Path,
) -> None:
    first = "former_values:\n  - value: 192.168.1.81\n"
    edit_facts(
        repo,
        first,
        "former_values:\n  - value: 10.0.0.9\n    fact: hosts.home_vm.ip\n"
        "    note: An address from before the audit.\n  - value: 192.168.1.81\n",
    )
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert summary(result.out) == [
        "1 fact(s) changed since HEAD:",
        '  added former_values[0]: {value: "10.0.0.9", fact: "hosts.home_vm.ip",'
        ' note: "An address from before the audit."}',
    ]
    # The added item is located in the new outputs like any fact.
    assert "    docs/invariants.md:" in {x.rsplit(":", 1)[0] + ":" for x in result.out.splitlines()}


def test_plan_reports_a_removed_list_item_once_and_edits_inside_items_by_field(
    repo: Path,
) -> None:
    facts = repo / "facts.yaml"
    text = facts.read_text("utf-8")
    start = text.index("changes_required:\n") + len("changes_required:\n")
    second = text.index("  - repo: staktrakr\n    file: devops/spot-poller/")
    facts.write_text(text[:start] + text[second:], "utf-8")  # the first entry removed
    edit_facts(
        repo,
        "    change: Clarify run-home.sh lives in stakscrapr\n",
        "    change: Clarify run-home.sh lives in StakTrakrApi\n",
    )
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert summary(result.out) == [
        "2 fact(s) changed since HEAD:",
        '  removed changes_required[0]: {repo: "staktrakr", file: "CLAUDE.md",'
        ' change: "Replace spot-poller.yml with retired status + Fly.io cron; fix fly.toml…',
        '  changes_required[7].change: "Clarify run-home.sh lives in stakscrapr"'
        ' → "Clarify run-home.sh lives in StakTrakrApi"',
    ]


def test_plan_reports_a_list_item_moved_unchanged_as_moved(repo: Path) -> None:
    edit_facts(
        repo,
        "  - hop: Cox WiFi NIC\n  - hop: Residential IP\n",
        "  - hop: Residential IP\n  - hop: Cox WiFi NIC\n",
    )
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert summary(result.out)[1:] == [
        '  moved network_path[5] to network_path[4]: {hop: "Residential IP"}'
    ]
    assert any(x.startswith("    docs/network-path.md:") for x in result.out.splitlines())


def test_plan_quotes_values_so_an_arrow_in_one_is_not_the_change_arrow(repo: Path) -> None:
    edit_facts(
        repo,
        "    file: devops/retail-poller/ → devops/fly-poller/\n",
        "    file: devops/fly-poller/\n",
    )
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert summary(result.out)[1] == (
        '  changes_required[10].file: "devops/retail-poller/ → devops/fly-poller/"'
        ' → "devops/fly-poller/"'
    )


def line_of(root: Path, text: str, after: int = 0) -> int:
    """The 1-based line of facts.yaml, after line ``after``, that reads ``text`` stripped."""
    lines = (root / "facts.yaml").read_text("utf-8").splitlines()
    return next(n for n, x in enumerate(lines, 1) if n > after and x.strip() == text)


def test_plan_warns_that_a_changed_fact_was_verified_with_its_old_value(repo: Path) -> None:
    set_ip(repo, NEW_IP)
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    record = line_of(repo, "verified:", line_of(repo, "hosts.home_vm.ip:"))
    assert (
        f"    warning: verified 2026-02-25 by API Pipeline Audit (facts.yaml:{record}) checked"
        " the old value: check the new one and update that record, or remove it"
    ) in result.out.splitlines()

    # Once the record is updated in the same edit, the warning goes.
    edit_facts(repo, "      date: 2026-02-25\n", "      date: 2026-03-01\n")
    assert "warning: verified" not in run(["plan"], repo).out


def test_plan_warns_about_a_check_recorded_on_the_record_above_the_fact(repo: Path) -> None:
    edit_facts(
        repo,
        "        config: home_vm/tinyproxy-cox.conf\n",
        "        config: home_vm/tinyproxy-cox.conf\n"
        "        verified: {date: 2026-03-02, by: Ops, how: curl through the proxy}\n",
    )
    git(repo, "commit", "-q", "-am", "tinyproxy checked")
    edit_facts(repo, "        port: 8889\n", "        port: 8890\n")
    edit_facts(repo, "        purpose: Residential proxy for Fly.io\n", "        purpose: Proxy\n")
    edit_facts(
        repo, "    install_dir: /opt/poller\n", "    install_dir: /srv/poller\n"
    )  # unchecked
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    record = line_of(repo, "verified: {date: 2026-03-02, by: Ops, how: curl through the proxy}")
    warning = (
        f"    warning: verified 2026-03-02 by Ops (facts.yaml:{record}, recorded for"
        " hosts.home_vm.services.tinyproxy) checked the old value: check the new one and update"
        " that record, or remove it"
    )
    lines = result.out.splitlines()
    assert summary(result.out)[1:] == [
        '  hosts.home_vm.install_dir: "/opt/poller" → "/srv/poller"',
        "  hosts.home_vm.services.tinyproxy.port: 8889 → 8890",
        '  hosts.home_vm.services.tinyproxy.purpose: "Residential proxy for Fly.io" → "Proxy"',
    ]
    # Once under each fact the record covers; install_dir has no check, so no warning.
    assert lines.count(warning) == 2
    assert [x for x in lines if "warning: verified" in x] == [warning, warning]


def test_plan_lists_hand_written_places_of_the_old_value_and_how_to_record_it(
    repo: Path,
) -> None:
    (repo / "docs/notes.md").write_text(f"# Notes\n\nSSH to {OLD_IP} first.\n", "utf-8")
    (repo / "README.md").write_text(f"# Readme\n\nThe VM:\n\n- `{OLD_IP}`\n", "utf-8")
    set_ip(repo, NEW_IP)
    untouched = tree(repo)
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert tree(repo) == untouched, "plan wrote something"
    lines = result.out.splitlines()
    # The generated pages that state the old value are render's business, not listed here.
    at = lines.index(
        f'    hand-written places still state "{OLD_IP}"'
        " (render does not change them; update them by hand):"
    )
    listed = list(itertools.takewhile(lambda x: x.startswith("      "), lines[at + 1 :]))
    assert listed == ["      README.md:5", "      docs/notes.md:3"]
    top = (repo / "facts.yaml").read_text("utf-8").splitlines().index("former_values:") + 1
    hint = lines.index(
        f"to have lint flag old values in prose, paste under former_values (facts.yaml:{top}):"
    )
    snippet = lines[hint + 1 : hint + 4]
    assert snippet == [
        f"  - value: {OLD_IP}",
        "    fact: hosts.home_vm.ip",
        f"    note: Held by hosts.home_vm.ip until it became {NEW_IP}.",
    ]
    assert lines[hint + 4].startswith("render would change ")
    # The old value is hand-written in two places that lint only knows as unknown addresses;
    # with the entry pasted under former_values, lint names it as the old value.
    before = run(["lint", "docs/notes.md", "README.md"], repo).out
    assert "retired-value" not in before
    edit_facts(repo, "\nformer_values:\n", "\nformer_values:\n" + "\n".join(snippet) + "\n")
    after = run(["lint", "docs/notes.md", "README.md"], repo)
    assert after.code == 1, after.err
    assert re.findall(r"^(\S+): (\S+) ", after.out, re.MULTILINE) == [
        ("README.md:5:4", "retired-value"),
        ("docs/notes.md:3:8", "retired-value"),
    ]
    # Once recorded, plan no longer suggests it; the hand-written places are still listed.
    again = run(["plan"], repo).out
    assert "paste under former_values" not in again
    assert "      docs/notes.md:3" in again.splitlines()


def test_plan_prints_a_whole_former_values_key_when_it_has_no_item_yet(repo: Path) -> None:
    """Items pasted under ``former_values: []`` would not parse: the key is printed whole."""
    facts = repo / "facts.yaml"
    text = facts.read_text("utf-8")
    start = text.index("\nformer_values:\n") + 1
    end = text.index("\ntargets:\n", start) + 1
    facts.write_text(text[:start] + "former_values: []\n" + text[end:], "utf-8")
    assert run(["render", "-q"], repo).code == 0
    git(repo, "commit", "-qam", "no former values")
    (repo / "docs/notes.md").write_text(f"# Notes\n\nSSH to {OLD_IP} first.\n", "utf-8")
    set_ip(repo, NEW_IP)
    lines = run(["plan"], repo).out.splitlines()
    top = facts.read_text("utf-8").splitlines().index("former_values: []") + 1
    hint = lines.index(
        f"to have lint flag old values in prose, write former_values (facts.yaml:{top}) as:"
    )
    key = lines[hint + 1 : hint + 5]
    assert key[0] == "former_values:"
    edit_facts(repo, "former_values: []\n", "\n".join(key) + "\n")
    after = run(["lint", "docs/notes.md"], repo)
    assert after.code == 1, after.err
    assert "docs/notes.md:3:8: retired-value" in after.out


def test_plan_proposes_no_former_value_for_a_word_or_a_sentence(repo: Path) -> None:
    edit_facts(
        repo,
        "    status: pending\n  - repo: staktrakr\n    skill: seed-sync",
        "    status: done\n  - repo: staktrakr\n    skill: seed-sync",
    )
    edit_facts(
        repo,
        "        purpose: Residential proxy for Fly.io\n",
        "        purpose: The residential proxy for Fly.io\n",
    )
    result = run(["plan"], repo)
    assert result.code == 0, result.err
    assert summary(result.out)[0] == "2 fact(s) changed since HEAD:"
    assert "paste under former_values" not in result.out


@pytest.mark.parametrize("history", ["no commit", "a commit without facts.yaml"])
def test_plan_in_a_new_project_shows_every_fact_as_new(project: Path, history: str) -> None:
    git(project, "init", "-q", "-b", "main")
    if history != "no commit":
        (project / "README.md").write_text("# New\n", "utf-8")
        git(project, "add", "README.md")
        git(project, "commit", "-q", "-m", "readme")
    untouched = snapshot(project)
    result = run(["plan"], project)
    assert result.code == 0, result.err
    assert snapshot(project) == untouched, "plan wrote something"
    lines = result.out.splitlines()
    assert lines[0] == "the facts file is not committed at HEAD yet; every fact is new:"
    facts_lines = (project / "facts.yaml").read_text("utf-8").splitlines()
    sections = [x[:-1] for x in facts_lines if x.endswith(":") and x[:1].isalpha()]
    assert lines[1 : 1 + len(sections)] == [f"  added {name}" for name in sections]


def test_plan_with_an_unknown_revision_is_a_usage_error(repo: Path) -> None:
    result = run(["plan", "--against", "no-such-ref"], repo)
    assert result.code == 2
    assert result.out == ""
    first, hint = result.err.splitlines()
    assert first.startswith("facts.yaml: error: cannot read no-such-ref:./facts.yaml from git: ")
    assert hint == (
        "  hint: run plan inside a git checkout, and give --against a commit, branch or tag"
        " that has the facts file"
    )


def test_plan_outside_git_is_a_usage_error(project: Path) -> None:
    result = run(["plan"], project)
    assert result.code == 2
    assert result.err.startswith("facts.yaml: error: cannot read HEAD:./facts.yaml from git: ")


def test_plan_reports_bad_facts_at_the_revision_with_their_place(repo: Path) -> None:
    set_ip(repo, "999.1.1.1")
    git(repo, "commit", "-q", "-am", "bad ip")
    set_ip_back = (repo / "facts.yaml").read_text("utf-8").replace("999.1.1.1", OLD_IP)
    (repo / "facts.yaml").write_text(set_ip_back, "utf-8")
    result = run(["plan"], repo)
    assert result.code == 2
    line = next(
        n
        for n, text in enumerate((repo / "facts.yaml").read_text("utf-8").splitlines(), 1)
        if text.strip() == f"ip: {OLD_IP}"
    )
    assert result.err.startswith(f"HEAD:facts.yaml:{line}:9: error: ")
    assert "999.1.1.1" in result.err


def test_plan_shows_what_sync_would_change_in_a_checkout(repo: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "StakTrakr"
    skill = checkout / ".claude/skills/retail-provider-fix/SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(f"# Retail provider fix\n\nSSH to {OLD_IP} first.\n", "utf-8")
    option = f"StakTrakr={checkout}"
    run(["sync", "--repo", option, "--add-missing"], repo)
    assert skill.read_text("utf-8").count(OLD_IP) == 2  # the hand-written line and the block
    set_ip(repo, NEW_IP)
    untouched = snapshot(checkout)

    result = run(["plan", "--repo", option], repo)
    assert result.code == 0, result.err
    assert snapshot(checkout) == untouched, "plan wrote into the checkout"
    lines = result.out.splitlines()
    shown = f"{checkout}/.claude/skills/retail-provider-fix/SKILL.md"
    # The checkout's hand-written text is searched for the old value too, outside its block.
    stated = lines.index(
        f'    hand-written places still state "{OLD_IP}"'
        " (render does not change them; update them by hand):"
    )
    listed = list(itertools.takewhile(lambda x: x.startswith("      "), lines[stated + 1 :]))
    assert listed == [f"      {shown}:3"]
    at = lines.index("sync would change 1 file(s) in the checkouts:")
    assert lines[at + 1] == f"  {shown} (stale)"
    diff = result.out[result.out.index(f"--- {shown}\n+++ {shown}\n") :]  # absolute: no a/
    removed = [x for x in diff.splitlines() if x.startswith("-") and OLD_IP in x]
    added = [x for x in diff.splitlines() if x.startswith("+") and NEW_IP in x]
    assert len(removed) == len(added) >= 1
    assert [x[1:].replace(OLD_IP, NEW_IP) for x in removed] == [x[1:] for x in added]

    (checkout / "CLAUDE.md").write_text("# StakTrakr\n", "utf-8")  # with none of its blocks
    missing = run(["plan", "--repo", option], repo).out.splitlines()
    block = "block api-infrastructure missing (sync --add-missing adds it)"
    at = next(i for i, line in enumerate(missing) if line.startswith("sync would report "))
    assert f"  {checkout}/CLAUDE.md: {block}" in missing[at:]


def test_where_searches_hand_written_text_in_checkouts(repo: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "StakTrakr"
    skill = checkout / ".claude/skills/retail-provider-fix/SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(f"# Retail provider fix\n\nSSH to {OLD_IP} first.\n", "utf-8")
    option = f"StakTrakr={checkout}"
    run(["sync", "--repo", option, "--add-missing"], repo)
    assert skill.read_text("utf-8").count(OLD_IP) == 2  # the hand-written line and the block
    git(checkout, "init", "-q")  # a real checkout: its files are what git tracks or would

    result = run(["where", "hosts.home_vm.ip", "--repo", option], repo)
    assert result.code == 0, result.err
    tail = result.out.split("hand-written places that state the value:\n", 1)[1]
    assert tail == f"  {checkout}/.claude/skills/retail-provider-fix/SKILL.md:3:8\n"
