"""sync and check --repo against real git checkouts that mirror the four StakTrakr repos."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.blocks import block_text, parse
from generator.outputs import Output
from generator.provenance import FactIndex
from generator.render import Rendered, Renderer
from tests.conftest import git, run, snapshot

OLD = "Old hand-pasted text from before the audit.\n"


def old_block(name: str, newline: str = "\n") -> str:
    """A block as an earlier sync wrote it: stale, but not edited by hand."""
    return block_text(name, OLD, newline)


def skill(name: str, block: str) -> str:
    return (
        f"---\nname: {name}\ndescription: The {name} skill.\n---\n\n# {name}\n\n"
        f"Hand-written steps before.\n\n{old_block(block)}\n\n## Phase 2\n\nHand-written after.\n"
    )


CRLF = "\r\n"
FILES: dict[str, dict[str, bytes]] = {
    "StakTrakr": {
        "CLAUDE.md": (
            "# StakTrakr\n\nFrontend for bullion prices. Hand-written intro.\n\n"
            "## API infrastructure\n\n"
            f"{old_block('api-infrastructure')}\n\n"
            "Prose between the blocks, café ✓.\n\n"
            f"{old_block('deploy-gate')}\n\n"
            "## Working here\n\nRun the tests before committing.\n"
        ).encode(),
        "AGENTS.md": (
            f"# Agents{CRLF}{CRLF}Read CLAUDE.md too.{CRLF}{CRLF}"
            f"{old_block('api-infrastructure', CRLF)}{CRLF}{CRLF}Thanks.{CRLF}"
        ).encode(),
        ".claude/skills/seed-sync/SKILL.md": skill("seed-sync", "spot-prices-source").encode(),
        ".claude/skills/api-infrastructure/SKILL.md": skill(
            "api-infrastructure", "api-infrastructure"
        ).encode(),
        ".claude/skills/retail-poller/SKILL.md": skill(
            "retail-poller", "retail-poller-location"
        ).encode(),
        ".claude/skills/retail-provider-fix/SKILL.md": skill(
            "retail-provider-fix", "home-scraper-location"
        ).encode(),
    },
    "StakTrakrApi": {
        # A BOM, non-ASCII text and no final newline.
        "CLAUDE.md": (
            "\ufeff# StakTrakrApi — Überblick\n\nBackend: naïve ✓ 日本語.\n\n## Deploying\n\n"
            + old_block("deploy-gate")
            + "\n\n## The pipeline\n\n"
            + old_block("api-infrastructure")
        ).encode(),
    },
    "stakscrapr": {
        "CLAUDE.md": (
            f"# stakscrapr{CRLF}{CRLF}Home VM stack.{CRLF}{CRLF}## Deploying{CRLF}{CRLF}"
            f"{old_block('deploy-gate', CRLF)}{CRLF}{CRLF}## The VM{CRLF}{CRLF}"
            f"{old_block('home-vm', CRLF)}{CRLF}{CRLF}After the block.{CRLF}"
        ).encode(),
        ".github/copilot-instructions.md": (
            f"Copilot: be brief.\n\n{old_block('deploy-gate')}\n"
        ).encode(),
    },
    "StakTrakrWiki": {"README.md": b"# Wiki\n"},
}
REPOS = ("StakTrakr", "StakTrakrApi", "stakscrapr", "StakTrakrWiki")


@pytest.fixture
def siblings(tmp_path: Path) -> dict[str, Path]:
    """Four committed git checkouts with hand-written files holding stale blocks."""
    roots: dict[str, Path] = {}
    for name in REPOS:
        root = tmp_path / "checkouts" / name
        root.mkdir(parents=True)
        for relative, data in FILES[name].items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "hand-written")
        roots[name] = root
    return roots


def repo_args(siblings: dict[str, Path], *names: str) -> list[str]:
    args: list[str] = []
    for name in names or REPOS[:3]:
        args += ["--repo", f"{name}={siblings[name]}"]
    return args


def everything(siblings: dict[str, Path]) -> dict[str, bytes]:
    return {
        f"{name}/{path}": data
        for name, root in siblings.items()
        for path, data in snapshot(root).items()
        if not path.startswith(".git/")
    }


def outside_blocks(data: bytes) -> list[str]:
    """The text of a file outside its blocks, as chunks between them."""
    host = parse(data, "x")
    chunks, start = [], 0
    for block in sorted(host.blocks.values(), key=lambda b: b.begin):
        chunks.append("".join(host.lines[start : block.begin]))
        start = block.end + 1
    chunks.append("".join(host.lines[start:]))
    return chunks


def copy_body(project: Path, repo: str, block: str) -> str:
    data = (project / "repos" / repo / "generated-blocks" / f"{block}.md").read_bytes()
    return parse(data, "copy").blocks[block].body


def test_sync_rewrites_only_blocks_creates_skill_files_and_never_commits(
    project: Path, siblings: dict[str, Path]
) -> None:
    before = everything(siblings)
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 0, result.err
    changed = sorted(
        line for line in result.out.splitlines() if line.split(" ")[0] in {"updated", "created"}
    )
    root = siblings["StakTrakr"].parent
    assert changed == sorted(
        [f"created {root}/{name}/.claude/skills/repo-boundaries/SKILL.md" for name in REPOS[:3]]
        + [f"updated {root}/{name}/{path}" for name in REPOS[:3] for path in FILES[name]]
    )
    assert result.out.splitlines()[-1].startswith("sync: 12 file(s) changed, 0 up to date")
    after = everything(siblings)
    for name in REPOS[:3]:
        for path in FILES[name]:
            key = f"{name}/{path}"
            assert outside_blocks(after[key]) == outside_blocks(before[key]), key
            for block_name, block in parse(after[key], key).blocks.items():
                assert block.body == copy_body(project, name, block_name)
                assert not block.hand_edited
        created = f"{name}/.claude/skills/repo-boundaries/SKILL.md"
        copy = project / "repos" / name / ".claude/skills/repo-boundaries/SKILL.md"
        assert after[created] == copy.read_bytes()
    # Optional files that the repo lacks are not created; undeclared repos are untouched.
    assert "StakTrakr/GEMINI.md" not in after
    assert after["StakTrakrWiki/README.md"] == before["StakTrakrWiki/README.md"]
    for name in REPOS:
        assert git(siblings[name], "rev-list", "--count", "HEAD").strip() == "1"


def test_second_sync_writes_nothing_and_check_passes(
    project: Path, siblings: dict[str, Path]
) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    synced = everything(siblings)
    again = run(["sync", *repo_args(siblings)], project)
    assert again.code == 0
    assert again.out.splitlines() == [
        f"sync: 0 file(s) changed, 12 up to date in 3 checkout(s) ({siblings['stakscrapr']},"
        f" {siblings['StakTrakr']}, {siblings['StakTrakrApi']}); nothing committed"
    ]
    assert everything(siblings) == synced
    checked = run(["check", *repo_args(siblings)], project)
    assert checked.code == 0, checked.out
    assert checked.out.splitlines()[-1] == "checkouts: all 12 generated file(s) fresh"


def test_crlf_bom_and_missing_final_newline_survive(
    project: Path, siblings: dict[str, Path]
) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    crlf = (siblings["stakscrapr"] / "CLAUDE.md").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n")  # every line, the new block's included
    assert crlf.endswith(b"After the block.\r\n")
    agents = (siblings["StakTrakr"] / "AGENTS.md").read_bytes()
    assert agents.count(b"\r\n") == agents.count(b"\n")
    api = (siblings["StakTrakrApi"] / "CLAUDE.md").read_bytes()
    assert api.startswith("\ufeff# StakTrakrApi — Überblick\n\nBackend: naïve ✓ 日本語.".encode())
    assert api.endswith(b"<!-- END GENERATED: api-infrastructure -->")


def set_fact(project: Path, old: str, new: str) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    assert text.count(old) == 1
    facts.write_text(text.replace(old, new), encoding="utf-8")


def test_changing_a_fact_changes_only_the_blocks_that_state_it(
    project: Path, siblings: dict[str, Path]
) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    before = everything(siblings)
    set_fact(project, 'cron: "5,20,35,50 * * * *"', 'cron: "0,15,30,45 * * * *"')
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 0, result.err
    root = siblings["StakTrakr"]
    assert [line for line in result.out.splitlines() if line.startswith("updated")] == [
        f"updated {root}/CLAUDE.md",
        f"updated {root}/AGENTS.md",
        f"updated {root}/.claude/skills/seed-sync/SKILL.md",
        f"updated {root}/.claude/skills/api-infrastructure/SKILL.md",
        f"updated {siblings['StakTrakrApi']}/CLAUDE.md",  # its api-infrastructure block
    ]
    after = everything(siblings)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {
        "StakTrakrApi/CLAUDE.md",
        "StakTrakr/CLAUDE.md",
        "StakTrakr/AGENTS.md",
        "StakTrakr/.claude/skills/seed-sync/SKILL.md",
        "StakTrakr/.claude/skills/api-infrastructure/SKILL.md",
    }
    for key in changed:
        assert outside_blocks(after[key]) == outside_blocks(before[key])
        assert b"0,15,30,45 * * * *" in after[key]
        assert b"5,20,35,50" not in after[key]


MALFORMED = {
    "unclosed": (
        "# stakscrapr\n\n<!-- BEGIN GENERATED: deploy-gate -->\ntext\n",
        "CLAUDE.md:3:1: error: block 'deploy-gate' is not closed: no END marker after it",
    ),
    "duplicated": (
        "# s\n" + old_block("deploy-gate") + "\n\n" + old_block("deploy-gate") + "\n",
        "CLAUDE.md:6:1: error: block 'deploy-gate' appears more than once (first at line 2)",
    ),
    "nested": (
        "<!-- BEGIN GENERATED: deploy-gate -->\n<!-- BEGIN GENERATED: other -->\n"
        "<!-- END GENERATED: other -->\n<!-- END GENERATED: deploy-gate -->\n",
        "CLAUDE.md:2:1: error: block 'other' begins inside block 'deploy-gate' (opened at line 1);"
        " blocks cannot nest",
    ),
    "inverted": (
        "# s\n<!-- END GENERATED: deploy-gate -->\ntext\n<!-- BEGIN GENERATED: deploy-gate -->\n",
        "CLAUDE.md:2:1: error: END marker of block 'deploy-gate' comes before its BEGIN marker"
        " (line 4)",
    ),
    "misnamed end": (
        "<!-- BEGIN GENERATED: deploy-gate -->\ntext\n<!-- END GENERATED: deploy-gates -->\n",
        "CLAUDE.md:3:1: error: END marker names 'deploy-gates' but the open block is 'deploy-gate'"
        " (opened at line 1)",
    ),
    "indented into the paragraph above": (
        "# s\n\nIntro\n    <!-- BEGIN GENERATED: deploy-gate -->\n"
        "    <!-- END GENERATED: deploy-gate -->\n",
        "CLAUDE.md:4:5: error: indented BEGIN marker of block 'deploy-gate' continues the text"
        " above it, so the block's indented lines could read as code",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_markers_stop_the_whole_sync(
    project: Path, siblings: dict[str, Path], case: str
) -> None:
    text, message = MALFORMED[case]
    (siblings["stakscrapr"] / "CLAUDE.md").write_text(text, encoding="utf-8")
    before = everything(siblings)
    for command in ("sync", "check"):
        result = run([command, *repo_args(siblings)], project)
        assert result.code == 2
        assert result.err.splitlines()[0] == f"{siblings['stakscrapr']}/{message}"
        assert "Traceback" not in result.err
        assert everything(siblings) == before  # the stale StakTrakr files were not written


def edit_block_line(path: Path, old: str, new: str) -> None:
    data = path.read_bytes()
    assert data.count(old.encode()) == 1
    path.write_bytes(data.replace(old.encode(), new.encode()))


def test_hand_edited_block_is_reported_refused_then_forced(
    project: Path, siblings: dict[str, Path]
) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    claude = siblings["StakTrakr"] / "CLAUDE.md"
    edit_block_line(claude, "never in this repo.", "and a copy here.")
    set_fact(project, "ip: 192.168.1.48", "ip: 192.168.1.49")  # makes other blocks stale

    checked = run(["check", *repo_args(siblings)], project)
    assert checked.code == 1
    lines = checked.out.splitlines()
    assert f"{claude}: hand-edited block api-infrastructure" in lines
    assert f"{claude}: stale" not in lines
    assert any(line.startswith("-") and "and a copy here." in line for line in lines)
    assert any(line.startswith("+") and "never in this repo." in line for line in lines)
    assert f"{siblings['StakTrakr']}/.claude/skills/retail-provider-fix/SKILL.md: stale" in lines

    before = everything(siblings)
    refused = run(["sync", *repo_args(siblings)], project)
    assert refused.code == 1
    assert refused.out.splitlines()[-1] == (
        "refusing to overwrite 1 hand-edited file(s); nothing written. Move the edit into"
        " facts.yaml (or the template), or rerun with --force to discard it."
    )
    assert everything(siblings) == before

    forced = run(["sync", "--force", *repo_args(siblings)], project)
    assert forced.code == 0, forced.out
    assert f"updated {claude}" in forced.out.splitlines()
    assert b"and a copy here." not in claude.read_bytes()
    assert (
        b"192.168.1.49"
        in (siblings["StakTrakr"] / ".claude/skills/retail-provider-fix/SKILL.md").read_bytes()
    )
    assert run(["render"], project).code == 0  # the wiki states the IP too
    assert run(["check", *repo_args(siblings)], project).code == 0


def test_hand_edited_whole_file_is_protected_too(project: Path, siblings: dict[str, Path]) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    skill_file = siblings["stakscrapr"] / ".claude/skills/repo-boundaries/SKILL.md"
    edit_block_line(skill_file, "# Repo boundaries", "# Repo boundaries (my notes)")
    checked = run(["check", *repo_args(siblings)], project)
    assert checked.code == 1
    assert f"{skill_file}: hand-edited file" in checked.out.splitlines()
    assert run(["sync", *repo_args(siblings)], project).code == 1
    assert b"(my notes)" in skill_file.read_bytes()
    assert run(["sync", "--force", *repo_args(siblings)], project).code == 0
    copy = project / "repos/stakscrapr/.claude/skills/repo-boundaries/SKILL.md"
    assert skill_file.read_bytes() == copy.read_bytes()


def test_hand_written_file_in_place_of_a_whole_file_is_not_clobbered(
    project: Path, siblings: dict[str, Path]
) -> None:
    mine = siblings["StakTrakrApi"] / ".claude/skills/repo-boundaries/SKILL.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nname: repo-boundaries\ndescription: mine\n---\n", encoding="utf-8")
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 1
    assert f"{mine}: hand-edited file" in result.out.splitlines()
    assert mine.read_text(encoding="utf-8").endswith("description: mine\n---\n")


def indented(text: str, indent: str = "  ", newline: str = "\n") -> str:
    """``text`` with ``indent`` before every line but the blank ones, and ``newline`` endings."""
    lines = text.splitlines()
    return "".join((indent + line if line else "") + newline for line in lines)


def test_an_indented_block_in_a_list_item_is_fresh_then_hand_edited_then_forced_in_place(
    project: Path, siblings: dict[str, Path]
) -> None:
    args = repo_args(siblings, "StakTrakrApi")
    assert run(["sync", *args], project).code == 0  # the whole skill file, out of the way
    copy = copy_text(project, "StakTrakrApi/generated-blocks/deploy-gate.md")
    api = copy_text(project, "StakTrakrApi/generated-blocks/api-infrastructure.md")
    claude = siblings["StakTrakrApi"] / "CLAUDE.md"
    text = "# API\n\n## Deploying\n\n- Rules:\n" + indented(copy) + "- Next rule.\n\n" + api
    claude.write_text(text, "utf-8")

    checked = run(["check", *args], project)
    assert checked.code == 0, checked.out
    again = run(["sync", *args], project)
    assert again.out.startswith("sync: 0 file(s) changed"), again.out
    assert claude.read_text("utf-8") == text

    edit_block_line(claude, "  | Change |", "  | My change |")
    checked = run(["check", *args], project)
    assert checked.code == 1
    lines = checked.out.splitlines()
    assert f"{claude}: hand-edited block deploy-gate" in lines
    assert "-  | My change | Where | Who deploys |" in lines  # the diff shows the block as is
    assert "+  | Change | Where | Who deploys |" in lines  # and as sync would write it
    assert run(["sync", *args], project).code == 1
    assert "My change" in claude.read_text("utf-8")

    assert run(["sync", "--force", *args], project).code == 0
    assert claude.read_text("utf-8") == text  # the block stays in its list item
    assert run(["check", *args], project).code == 0


def test_a_stale_indented_crlf_block_is_updated_in_its_indent_and_line_endings(
    project: Path, siblings: dict[str, Path]
) -> None:
    args = repo_args(siblings, "stakscrapr")
    claude = siblings["stakscrapr"] / "CLAUDE.md"
    head = f"# stakscrapr{CRLF}{CRLF}## Deploying{CRLF}{CRLF}1. Rules:{CRLF}"
    vm_block = old_block("home-vm", CRLF)
    tail = f"{CRLF}   Still the first rule.{CRLF}2. Next.{CRLF}{CRLF}{vm_block}{CRLF}"
    claude.write_bytes((head + indented(old_block("deploy-gate"), "   ", CRLF) + tail).encode())

    assert run(["sync", *args], project).code == 0
    copy = copy_text(project, "stakscrapr/generated-blocks/deploy-gate.md")
    vm = copy_text(project, "stakscrapr/generated-blocks/home-vm.md").replace("\n", CRLF)
    synced = claude.read_bytes()
    fresh_tail = tail.replace(vm_block + CRLF, vm)
    assert synced == (head + indented(copy, "   ", CRLF) + fresh_tail).encode()
    assert run(["check", *args], project).code == 0
    assert run(["sync", *args], project).out.startswith("sync: 0 file(s) changed")
    assert claude.read_bytes() == synced


def test_add_missing_puts_a_block_beside_the_indented_block_before_it(
    project: Path, siblings: dict[str, Path]
) -> None:
    args = repo_args(siblings, "StakTrakr")
    claude = siblings["StakTrakr"] / "CLAUDE.md"
    head = "# StakTrakr\n\n## API infrastructure\n\n- Hosts:\n"
    tail = "  More about hosts.\n"
    claude.write_text(head + indented(old_block("api-infrastructure")) + "\n" + tail, "utf-8")

    assert run(["sync", "--add-missing", *args], project).code == 0
    api = copy_text(project, "StakTrakr/generated-blocks/api-infrastructure.md")
    gate = copy_text(project, "StakTrakr/generated-blocks/deploy-gate.md")
    assert claude.read_text("utf-8") == head + indented(api + "\n" + gate) + "\n" + tail
    assert run(["check", *args], project).code == 0


def test_missing_block_is_reported_with_the_lines_to_paste_then_added_after_its_anchor(
    project: Path, siblings: dict[str, Path]
) -> None:
    claude = siblings["StakTrakrApi"] / "CLAUDE.md"
    claude.write_bytes(b"# StakTrakrApi\n\n## Deploying\nHand-written deploy notes.\n")
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 1
    copy = (project / "repos/StakTrakrApi/generated-blocks/deploy-gate.md").read_text("utf-8")
    expected = (
        f"{claude}: block deploy-gate missing; paste these lines after the heading"
        " '## Deploying' (or run sync --add-missing):\n" + copy
    )
    assert expected in result.out
    assert claude.read_bytes() == b"# StakTrakrApi\n\n## Deploying\nHand-written deploy notes.\n"
    # deploy-gate and api-infrastructure
    assert result.out.splitlines()[-1].endswith("; 2 block(s) missing (rerun with --add-missing)")
    # The file still missing its block is not counted up to date as well.
    again = run(["sync", *repo_args(siblings)], project)
    assert again.out.splitlines()[-1].startswith("sync: 0 file(s) changed, 11 up to date in 3")

    added = run(["sync", "--add-missing", *repo_args(siblings)], project)
    assert added.code == 0, added.out
    api = (project / "repos/StakTrakrApi/generated-blocks/api-infrastructure.md").read_text("utf-8")
    assert claude.read_text("utf-8") == (
        "# StakTrakrApi\n\n## Deploying\n\n" + copy + "\n" + api + "\nHand-written deploy notes.\n"
    )
    assert run(["sync", "--add-missing", *repo_args(siblings)], project).out.startswith(
        "sync: 0 file(s) changed"
    )


def test_second_missing_block_goes_after_the_first_and_end_without_anchor(
    project: Path, siblings: dict[str, Path]
) -> None:
    claude = siblings["StakTrakr"] / "CLAUDE.md"
    claude.write_bytes(b"# StakTrakr\n\nNo anchor heading here.")
    assert run(["sync", "--add-missing", *repo_args(siblings)], project).code == 0
    text = claude.read_text("utf-8")
    api = (project / "repos/StakTrakr/generated-blocks/api-infrastructure.md").read_text("utf-8")
    gate = (project / "repos/StakTrakr/generated-blocks/deploy-gate.md").read_text("utf-8")
    # No final newline before, none after: the file still ends without one.
    assert text == "# StakTrakr\n\nNo anchor heading here.\n\n" + api + "\n" + gate[:-1]


def test_missing_hand_written_file_is_reported_not_created(
    project: Path, siblings: dict[str, Path]
) -> None:
    claude = siblings["stakscrapr"] / "CLAUDE.md"
    claude.unlink()
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 1
    assert (
        f"{claude}: missing; it is hand-written, so sync does not create it."
        " Create it, then run sync --add-missing to add: deploy-gate, home-vm"
    ) in result.out.splitlines()
    assert not claude.exists()


def test_check_repo_reports_stale_files_and_writes_nothing(
    project: Path, siblings: dict[str, Path]
) -> None:
    before = everything(siblings)
    project_before = snapshot(project)
    result = run(["check", *repo_args(siblings, "StakTrakrApi")], project)
    assert result.code == 1
    claude = siblings["StakTrakrApi"] / "CLAUDE.md"
    skill_file = siblings["StakTrakrApi"] / ".claude/skills/repo-boundaries/SKILL.md"
    lines = result.out.splitlines()
    assert f"{claude}: stale" in lines
    assert f"{skill_file}: missing" in lines
    assert lines[-1] == (
        "2 problem(s) in the checkouts. Fix: run python -m generator sync"
        f" {' '.join(repo_args(siblings, 'StakTrakrApi'))}"
    )
    assert everything(siblings) == before
    assert snapshot(project) == project_before  # snapshot leaves the cache folder out


def test_symlink_leading_out_of_the_checkout_is_refused(
    project: Path, siblings: dict[str, Path], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = siblings["stakscrapr"]
    (root / ".claude").symlink_to(outside, target_is_directory=True)
    before = everything(siblings)
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        f"{root}/.claude/skills/repo-boundaries/SKILL.md: error: path resolves to"
        f" {outside}/skills/repo-boundaries/SKILL.md, outside {root}"
    )
    assert list(outside.iterdir()) == []
    assert everything(siblings) == before


def test_symlink_inside_the_checkout_is_written_through(
    project: Path, siblings: dict[str, Path]
) -> None:
    root = siblings["StakTrakr"]
    (root / "AGENTS.md").unlink()
    (root / "AGENTS.md").symlink_to("CLAUDE.md")
    assert run(["sync", *repo_args(siblings)], project).code == 0
    assert (root / "AGENTS.md").is_symlink()
    assert run(["check", *repo_args(siblings)], project).code == 0


def test_target_path_through_dotdot_is_a_facts_error(
    project: Path, siblings: dict[str, Path]
) -> None:
    set_fact(
        project,
        "    - path: GEMINI.md\n      blocks: [api-infrastructure]",
        "    - path: ../GEMINI.md\n      blocks: [api-infrastructure]",
    )
    before = everything(siblings)
    result = run(["sync", *repo_args(siblings)], project)
    assert result.code == 2
    assert result.err.startswith("facts.yaml:")
    assert "../GEMINI.md" in result.err
    assert everything(siblings) == before


def test_paths_from_the_local_config(project: Path, siblings: dict[str, Path]) -> None:
    (project / ".generator.local.yaml").write_text(
        "repos:\n  StakTrakrApi: ../checkouts/StakTrakrApi\n", encoding="utf-8"
    )
    result = run(["sync"], project)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1].startswith("sync: 2 file(s) changed, 0 up to date in 1")

    (project / ".generator.local.yaml").write_text("repos:\n  StakTrakrApi: [\n", "utf-8")
    broken = run(["sync"], project)
    assert broken.code == 2
    assert broken.err.startswith(".generator.local.yaml:2:18: error: invalid YAML: ")


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            "repos:\n  Nope: ../checkouts/StakTrakrApi\n",
            ".generator.local.yaml:2:3: unknown repo 'Nope'; known repos:",
        ),
        ("repos:\n  StakTrakrApi: ../not-there\n", ".generator.local.yaml:2:3: no such folder"),
        (
            "# checkouts\nrepos:\n  StakTrakrApi: 5\n",
            ".generator.local.yaml:3:17: error: expected the path of StakTrakrApi's checkout",
        ),
        ("repos: [a, b]\n", ".generator.local.yaml:1:8: error: expected `repos:`"),
        ("repos:\n", ".generator.local.yaml:1:7: error: expected `repos:`"),
        ("# nothing yet\n", ".generator.local.yaml:1:1: error: file is empty"),
        # Read as facts.yaml is: YAML would keep the last of two keys, silently.
        (
            "repos: {StakTrakrApi: ../a}\nrepos: {StakTrakrApi: ../b}\n",
            ".generator.local.yaml:2:1: error: duplicate key 'repos'",
        ),
        (
            "base: &b {StakTrakrApi: ../a}\nrepos:\n  <<: *b\n",
            ".generator.local.yaml:3:3: error: mapping keys must be plain text",
        ),
    ],
)
def test_a_bad_local_config_entry_is_named_where_it_is_written(
    project: Path, siblings: dict[str, Path], config: str, error: str
) -> None:
    (project / ".generator.local.yaml").write_text(config, "utf-8")
    before = everything(siblings)
    result = run(["sync"], project)
    assert result.code == 2
    assert error in result.err
    assert "--repo" not in result.err  # the user wrote no option
    assert everything(siblings) == before


def test_repo_option_errors(project: Path, siblings: dict[str, Path]) -> None:
    unknown = run(["sync", "--repo", f"Nope={siblings['StakTrakr']}"], project)
    assert unknown.code == 2
    assert unknown.err.strip() == (
        f"generator: error: --repo Nope={siblings['StakTrakr']}: unknown repo 'Nope'; known repos:"
        " StakTrakr, StakTrakrApi, StakTrakrWiki, stakscrapr"
    )
    malformed = run(["sync", "--repo", "StakTrakr"], project)
    assert malformed.code == 2
    assert "write --repo NAME=PATH" in malformed.err
    absent = run(["sync"], project)
    assert absent.code == 2
    # The example names a repo of this project's facts, the first declared.
    assert "no checkouts given: pass --repo NAME=PATH (e.g. --repo StakTrakr=../StakTrakr)" in (
        absent.err
    )
    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("lbruton/StakTrakr\n", "acme/Web\n", 1))
    renamed = run(["sync"], project)
    assert "(e.g. --repo Web=../Web)" in renamed.err
    (project / ".generator.local.yaml").write_text("# no repos yet\n", "utf-8")
    empty = run(["sync"], project)
    assert empty.err.endswith(
        "  hint: e.g. repos: {Web: ../Web} (paths relative to the project root)\n"
    )


@pytest.mark.parametrize(
    "command",
    [["check"], ["sync"], ["lint"], ["where", "hosts.home_vm.ip"], ["plan"]],
    ids=["check", "sync", "lint", "where", "plan"],
)
def test_a_repo_path_that_is_no_folder_is_refused_first_naming_the_option(
    project: Path, tmp_path: Path, command: list[str]
) -> None:
    # Before any work: check used to report the tree fresh, then fail.
    absent, file = tmp_path / "nope", project / "facts.yaml"
    for path, problem in ((absent, "no such folder"), (file, "not a folder")):
        result = run([*command, "--repo", f"StakTrakr={path}"], project)
        assert (result.code, result.out) == (2, "")
        assert result.err == f"generator: error: --repo StakTrakr={path}: {problem} ({path})\n"


def test_a_repo_or_a_folder_given_twice_is_a_usage_error(
    project: Path, siblings: dict[str, Path], tmp_path: Path
) -> None:
    before = everything(siblings)
    api, other = siblings["StakTrakrApi"], siblings["stakscrapr"]
    for command in ("sync", "check"):
        twice = run(
            [command, "--repo", f"StakTrakrApi={api}", "--repo", f"stakTrakrapi={other}"], project
        )
        assert twice.code == 2
        assert f"is already given as {api}" in twice.err
        shared = run(
            [command, "--repo", f"StakTrakrApi={api}", "--repo", f"stakscrapr={api}"], project
        )
        assert shared.code == 2
        assert "is already the checkout of staktrakr_api" in shared.err
    assert everything(siblings) == before


def test_a_block_that_would_land_in_an_open_code_block_is_refused(
    project: Path, siblings: dict[str, Path]
) -> None:
    claude = siblings["StakTrakrApi"] / "CLAUDE.md"
    claude.write_text("# API\n\n```sh\nmake x\n", "utf-8")  # the fence is never closed
    before = everything(siblings)
    result = run(["sync", "--add-missing", *repo_args(siblings, "StakTrakrApi")], project)
    assert result.code == 2
    assert f"{claude}:3:1: error: this code block is never closed, so block 'deploy-gate'" in (
        result.err
    )
    assert everything(siblings) == before


def copy_text(project: Path, relative: str) -> str:
    return (project / "repos" / relative).read_text("utf-8")


def test_skill_file_has_valid_front_matter_then_the_protecting_notice(project: Path) -> None:
    import yaml

    text = copy_text(project, "StakTrakr/.claude/skills/repo-boundaries/SKILL.md")
    assert text.startswith("---\n")
    front, _, rest = text[4:].partition("\n---\n")
    meta = yaml.safe_load(front)
    assert meta["name"] == "repo-boundaries"
    assert "cross-repo" in meta["description"]
    assert set(meta) == {"name", "description"}
    assert rest.startswith(
        "<!-- generated from facts.yaml by python -m generator"
        " (templates/repos/files/repo-boundaries.md.j2) hash="
    )


def test_blocks_state_what_the_audit_requires(project: Path) -> None:
    api = copy_text(project, "StakTrakr/generated-blocks/api-infrastructure.md")
    for needle in (
        "`data/api/manifest.json`",
        "`data/hourly/YYYY/MM/DD/HH.json`",
        "`data/api/goldback-spot.json`",
        "**`spot-poller.yml` has been retired since 2026-02-23.**",
        "Never run a local Docker spot-poller",
        "`fly.toml` lives in StakTrakrApi at `devops/fly-poller/fly.toml`, never in this repo",
        "**stakscrapr** (`lbruton/stakscrapr`) is the Home VM full stack",
    ):
        assert needle in api
    assert "**Deploy gate: only the StakTrakr Mac runs `fly deploy`**" in copy_text(
        project, "StakTrakrApi/generated-blocks/deploy-gate.md"
    )
    assert "**NEVER run `fly deploy`.** Open a PR to StakTrakrApi" in copy_text(
        project, "stakscrapr/generated-blocks/deploy-gate.md"
    )
    assert "NEVER run `fly deploy` here" in copy_text(
        project, "StakTrakr/generated-blocks/deploy-gate.md"
    )
    assert "Never `docker exec` into it" in copy_text(
        project, "StakTrakr/generated-blocks/retail-poller-location.md"
    )
    # The home VM's agent is told how to pull what it runs, and what runs there.
    vm = copy_text(project, "stakscrapr/generated-blocks/home-vm.md")
    for folder in ("scraper", "home-scraper"):
        assert (
            "curl -fsSL https://raw.githubusercontent.com/lbruton/StakTrakrApi/main/"
            f"devops/{folder}/<file> -o /opt/poller/<file>"
        ) in vm
    assert "| tinyproxy | `8889` |" in vm and "`POLLER_ID=home`" in vm
    # The repo that holds the pipeline gets its feeds, without being told it lacks them.
    own = copy_text(project, "StakTrakrApi/generated-blocks/api-infrastructure.md")
    assert "This repo (StakTrakrApi) holds all API pipeline code" in own
    assert "`data/hourly/YYYY/MM/DD/HH.json`" in own and "never in this repo" not in own


def test_every_output_writes_the_deploy_command_alike(project: Path) -> None:
    outputs = [*(project / "docs").rglob("*.md"), *(project / "repos").rglob("*.md")]
    found = {
        match.group()
        for path in outputs
        for match in re.finditer(r"cd \S+ && fly deploy", path.read_text("utf-8"))
    }
    assert found == {"cd devops/fly-poller && fly deploy"}


def test_safety_rules_follow_the_facts(project: Path) -> None:
    set_fact(project, "  command: fly deploy\n", "  command: flyctl deploy\n")
    set_fact(
        project,
        "      exit node\n    must_not_contain:\n      - devops/fly-poller/**\n"
        '      - "**/fly.toml"\n    deploy_role: opens-prs',
        "      exit node\n    must_not_contain:\n      - devops/fly-poller/**\n"
        '      - "**/fly.toml"\n    deploy_role: none',
    )
    assert run(["render"], project).code == 0
    gate = copy_text(project, "stakscrapr/generated-blocks/deploy-gate.md")
    assert "**This repo deploys nothing. NEVER run `flyctl deploy` here.**" in gate
    assert "`fly deploy`" not in copy_text(project, "StakTrakrApi/generated-blocks/deploy-gate.md")


def test_check_and_render_protect_hand_edited_copies(project: Path) -> None:
    assert run(["render"], project).code == 0
    copy = project / "repos/StakTrakr/generated-blocks/api-infrastructure.md"
    skill_copy = project / "repos/StakTrakr/.claude/skills/repo-boundaries/SKILL.md"
    edit_block_line(copy, "never in this repo.", "and here.")
    edit_block_line(skill_copy, "# Repo boundaries", "# Repo boundaries!")
    edited = {path: path.read_bytes() for path in (copy, skill_copy)}

    checked = run(["check"], project)
    assert checked.code == 1
    for path in (
        "StakTrakr/generated-blocks/api-infrastructure.md",
        "StakTrakr/.claude/skills/repo-boundaries/SKILL.md",
    ):
        assert (
            f"repos/{path}: hand-edited (generated text was edited by hand; move it to facts.yaml)"
            in checked.out.splitlines()
        )

    refused = run(["render"], project)
    assert refused.code == 1
    assert refused.out.splitlines()[-1] == (
        "refusing to overwrite 2 hand-edited file(s); nothing written. Move the edit into"
        " facts.yaml (or the template), or rerun with --force to discard it."
    )
    assert {path: path.read_bytes() for path in edited} == edited

    assert run(["render", "--force"], project).code == 0
    assert b"never in this repo." in copy.read_bytes()
    assert run(["check"], project).code == 0


def test_a_stale_block_copy_is_an_orphan(project: Path) -> None:
    assert run(["render"], project).code == 0
    stray = project / "repos/StakTrakr/generated-blocks/gone.md"
    stray.write_text(block_text("gone", "x\n") + "\n", encoding="utf-8")
    checked = run(["check"], project)
    assert checked.code == 1
    assert (
        "repos/StakTrakr/generated-blocks/gone.md: orphan (no template makes it)"
        in checked.out.splitlines()
    )


def test_wiki_page_shows_every_target_and_block(project: Path) -> None:
    import yaml

    page = (project / "docs/agent-files.md").read_text("utf-8")
    targets = yaml.safe_load((project / "facts.yaml").read_text("utf-8"))["targets"]
    for entries in targets.values():
        for entry in entries:
            assert f"| `{entry['path']}` |" in page
            for name in entry.get("blocks", []):
                assert f"### Block `{name}` in " in page
    assert "**NEVER run `fly deploy`.** Open a PR to StakTrakrApi" in page
    assert "BEGIN GENERATED" not in page.replace("`BEGIN GENERATED: NAME`", "")


PROOF = Path(".cache/generator/checkouts.json")


@pytest.mark.parametrize("change", ["block edited", "file deleted", "symlink out", "fact changed"])
def test_a_recorded_clean_check_never_hides_a_later_problem(
    project: Path, siblings: dict[str, Path], tmp_path: Path, change: str
) -> None:
    """After a clean check --repo, the next one may skip rendering; only if nothing changed."""
    assert run(["sync", *repo_args(siblings)], project).code == 0
    assert run(["check", *repo_args(siblings)], project).code == 0
    assert (project / PROOF).is_file()
    proved = run(["check", "--verbose", *repo_args(siblings)], project)
    assert proved.code == 0
    assert "checkouts: every file is as the last clean check found it" in proved.out

    claude = siblings["StakTrakr"] / "CLAUDE.md"
    if change == "block edited":
        edit_block_line(claude, "never in this repo.", "and a copy here.")
    elif change == "file deleted":
        (siblings["StakTrakrApi"] / "CLAUDE.md").unlink()
    elif change == "symlink out":
        outside = tmp_path / "outside"
        shutil.copytree(siblings["stakscrapr"] / ".claude", outside)
        shutil.rmtree(siblings["stakscrapr"] / ".claude")
        (siblings["stakscrapr"] / ".claude").symlink_to(outside, target_is_directory=True)
    else:
        set_fact(project, "ip: 192.168.1.48", "ip: 192.168.1.49")

    with_proof = run(["check", *repo_args(siblings)], project)
    (project / PROOF).unlink()
    without = run(["check", *repo_args(siblings)], project)
    assert with_proof.code != 0
    assert (with_proof.code, with_proof.out, with_proof.err) == (
        without.code,
        without.out,
        without.err,
    )


def test_a_damaged_proof_is_ignored(project: Path, siblings: dict[str, Path]) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    assert run(["check", *repo_args(siblings)], project).code == 0
    edit_block_line(siblings["StakTrakr"] / "CLAUDE.md", "never in this repo.", "and a copy.")
    proof = project / PROOF
    stamp, _, body = proof.read_text("utf-8").partition("\n")
    # Claim the edited file's current hash was the checked one, without fixing the checksum.
    forged = json.loads(body)
    for entry in forged["proofs"].values():
        for row in entry["files"]:
            if row[0].endswith("StakTrakr/CLAUDE.md"):
                row[2] = hashlib.sha256(
                    (siblings["StakTrakr"] / "CLAUDE.md").read_bytes()
                ).hexdigest()
    proof.write_text(stamp + "\n" + json.dumps(forged) + "\n", "utf-8")
    assert run(["check", *repo_args(siblings)], project).code == 1


def test_check_repo_renders_each_copy_once_and_judges_checkouts_by_the_new_facts(
    project: Path, siblings: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["sync", *repo_args(siblings)], project).code == 0
    set_fact(project, "ip: 192.168.1.48", "ip: 10.4.4.4")  # the tree and the checkouts are stale
    rendered: list[str] = []
    real_render = Renderer.render

    def counting(self: Renderer, output: Output, index: FactIndex | None = None) -> Rendered:
        rendered.append(output.path)
        return real_render(self, output, index)

    monkeypatch.setattr(Renderer, "render", counting)
    result = run(["check", *repo_args(siblings)], project)

    assert result.code == 1
    assert "docs/home-poller.md: stale" in result.out  # the tree's check
    checkout = str(siblings["StakTrakr"])  # its skills state the home VM's IP
    assert any(
        line.startswith(checkout) and line.endswith(": stale") for line in result.out.splitlines()
    )
    copies = [path for path in rendered if path.startswith("repos/")]
    assert copies and len(copies) == len(set(copies))  # the checkouts reuse the tree's render


def test_a_file_saved_while_a_check_records_its_proof_is_checked_again(
    project: Path, siblings: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import sibling_proof

    assert run(["sync", *repo_args(siblings)], project).code == 0
    claude = siblings["StakTrakr"] / "CLAUDE.md"
    real_record = sibling_proof.record

    def saved_meanwhile(*args: Any, **kwargs: Any) -> None:
        edit_block_line(claude, "never in this repo.", "and a copy here.")  # after it was judged
        real_record(*args, **kwargs)

    monkeypatch.setattr(sibling_proof, "record", saved_meanwhile)
    assert run(["check", *repo_args(siblings)], project).code == 0  # judged the old bytes
    monkeypatch.undo()
    again = run(["check", *repo_args(siblings)], project)
    assert again.code == 1  # the proof holds the bytes judged, so the edit is checked
    assert f"{claude}: hand-edited" in again.out


def test_add_missing_says_what_only_a_person_can_add(project: Path, tmp_path: Path) -> None:
    """After --add-missing, what remains is hand-written files nobody created: rerunning
    cannot help, and the summary must not say it would."""
    checkout = tmp_path / "bare"
    checkout.mkdir()
    git(checkout, "init", "-q", "-b", "main")
    (checkout / "CLAUDE.md").write_text("# StakTrakr\n", "utf-8")

    added = run(["sync", "--add-missing", "--repo", f"StakTrakr={checkout}"], project)

    assert added.code == 1
    last = added.out.splitlines()[-1]
    assert "hand-written file(s) missing (create them, then rerun with --add-missing)" in last
    assert "block(s) missing" not in last
    assert "<!-- BEGIN GENERATED: api-infrastructure" in (checkout / "CLAUDE.md").read_text()


def test_a_missing_block_is_reported_where_add_missing_would_put_it(
    project: Path, tmp_path: Path
) -> None:
    """After the block declared before it, with that block's indent; at the end when the file
    lacks the anchor heading."""
    checkout = tmp_path / "st"
    checkout.mkdir()
    git(checkout, "init", "-q", "-b", "main")
    claude = checkout / "CLAUDE.md"
    claude.write_text("# StakTrakr\n\n## API infrastructure\n", "utf-8")
    option = ["--repo", f"StakTrakr={checkout}"]
    run(["sync", "--add-missing", *option], project)
    lines = claude.read_text("utf-8").splitlines(keepends=True)
    begin = next(i for i, x in enumerate(lines) if "BEGIN GENERATED: deploy-gate" in x)
    end = next(i for i, x in enumerate(lines) if "END GENERATED: deploy-gate" in x)
    kept = lines[:begin] + lines[end + 1 :]
    first = next(i for i, x in enumerate(kept) if "BEGIN GENERATED: api-infrastructure" in x)
    indented = [("  " + x if x.strip() else x) if i >= first else x for i, x in enumerate(kept)]
    claude.write_text("".join([*indented[:first], "- Rules:\n", *indented[first:]]), "utf-8")

    result = run(["sync", *option], project)

    assert result.code == 1
    assert f"{claude}: block deploy-gate missing; paste these lines after block" in result.out
    assert "after block api-infrastructure (or run sync --add-missing):\n  <!-- BEGIN" in (
        result.out
    )

    claude.write_text("# StakTrakr\n\nNo anchor heading here.\n", "utf-8")
    again = run(["sync", *option], project)
    assert f"{claude}: block api-infrastructure missing; paste these lines at the end" in (
        again.out
    )


def test_check_repo_fix_lists_the_steps_that_clear_what_it_found(
    project: Path, tmp_path: Path
) -> None:
    """After a sync, what is left is hand-written files nobody created: the fix says to create
    them and then add their blocks, not to run a plain sync that changes nothing."""
    checkout = tmp_path / "st"
    checkout.mkdir()
    git(checkout, "init", "-q", "-b", "main")
    (checkout / "CLAUDE.md").write_text("# StakTrakr\n\n## API infrastructure\n", "utf-8")
    option = f"StakTrakr={checkout}"
    run(["sync", "--add-missing", "--repo", option], project)

    checked = run(["check", "--repo", option], project)

    assert checked.code == 1
    assert checked.out.splitlines()[-1].endswith(
        "Fix: create the hand-written files listed above;"
        f" then run python -m generator sync --add-missing --repo {option}"
    )
