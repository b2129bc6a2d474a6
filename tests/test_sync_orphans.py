"""Orphans in sibling checkouts: what no target puts there any more is reported and removed.

A target removed from facts.yaml leaves its block (in a hand-written file) or its whole file
in every checkout that received it; check --repo names them and sync removes them, keeping
every other byte and anything edited by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.blocks import block_text, protected_file
from tests.conftest import git, run
from tests.test_sync import set_fact

CRLF = "\r\n"
TARGETS = (
    "  stakscrapr:\n    - path: CLAUDE.md\n      blocks: [deploy-gate, home-vm]\n"
    '      anchor: "## Deploying"\n'
)
SKILL = ".claude/skills/pi-ops/SKILL.md"
CLAUDE = "# stakscrapr\n\nHand-written intro.\n\n## Deploying\n\nDeploy with care.\n"


def add_targets(project: Path, *, in_claude: bool) -> None:
    """Declare the infra-summary block and the pi-ops skill for stakscrapr, with templates
    that state the home VM's IP. The block goes in CLAUDE.md beside the declared blocks, or in
    NOTES.md, a hand-written file no other target names."""
    templates = project / "templates/repos"
    (templates / "blocks/infra-summary.md.j2").write_text(
        "Home VM: {{ facts.hosts.home_vm.ip }}\n", "utf-8"
    )
    (templates / "files/pi-ops.md.j2").write_text(
        "---\nname: pi-ops\ndescription: Ops on the Pi.\n---\n\n# Pi ops\n\n"
        "SSH to {{ facts.hosts.home_vm.ip }}.\n",
        "utf-8",
    )
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(TARGETS) == 1
    if in_claude:
        entries = TARGETS.replace("home-vm]", "home-vm, infra-summary]")
    else:
        entries = TARGETS + "    - path: NOTES.md\n      blocks: [infra-summary]\n"
    entries += f"    - path: {SKILL}\n      file: pi-ops\n"
    facts.write_text(text.replace(TARGETS, entries), "utf-8")


def checkout(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """A committed git checkout of stakscrapr holding ``files``."""
    root = tmp_path / "stakscrapr"
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hand-written")
    return root


def synced_with(project: Path, tmp_path: Path, files: dict[str, bytes]) -> Path:
    """A checkout whose targets are synced and committed, then ``files`` added and committed."""
    root = checkout(tmp_path, {"CLAUDE.md": CLAUDE.encode()})
    assert run(["sync", "--add-missing", "--repo", f"stakscrapr={root}"], project).code == 0
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "more")
    return root


def synced_then_untargeted(project: Path, tmp_path: Path, *, in_claude: bool) -> Path:
    """The user's reproduction: sync the block and the skill file, commit them, then remove
    both from `targets` and change a fact that they state."""
    original = (project / "facts.yaml").read_bytes()
    add_targets(project, in_claude=in_claude)
    assert run(["render"], project).code == 0
    root = checkout(tmp_path, {"CLAUDE.md": CLAUDE.encode(), "NOTES.md": b"# Notes\n\nMine.\n"})
    option = ["--repo", f"stakscrapr={root}"]
    assert run(["sync", "--add-missing", *option], project).code == 0
    assert b"192.168.1.48" in (root / SKILL).read_bytes()
    block_host = root / ("CLAUDE.md" if in_claude else "NOTES.md")
    assert b"BEGIN GENERATED: infra-summary" in block_host.read_bytes()
    assert run(["check", *option], project).code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "synced")

    (project / "facts.yaml").write_bytes(original)
    set_fact(project, "ip: 192.168.1.48", "ip: 192.168.1.49")
    assert run(["render"], project).code == 0
    return root


@pytest.mark.parametrize("in_claude", [False, True], ids=["own-file", "beside-declared"])
def test_untargeted_block_and_skill_file_are_reported_then_removed(
    project: Path, tmp_path: Path, in_claude: bool
) -> None:
    root = synced_then_untargeted(project, tmp_path, in_claude=in_claude)
    option = ["--repo", f"stakscrapr={root}"]
    host = "CLAUDE.md" if in_claude else "NOTES.md"

    checked = run(["check", *option], project)
    assert checked.code == 1, checked.out + checked.err
    lines = checked.out.splitlines()
    assert f"{root}/{SKILL}: orphan (no target puts it there any more)" in lines
    assert any(
        line.startswith(f"{root}/{host}: ")
        and "orphaned block(s) infra-summary (no target puts them in this file)" in line
        for line in lines
    ), checked.out
    assert lines[-1].endswith(f"Fix: run python -m generator sync --repo stakscrapr={root}")

    synced = run(["sync", *option], project)
    assert synced.code == 0, synced.out + synced.err
    assert f"removed {root}/{SKILL} (no target puts it there any more)" in synced.out
    assert f"updated {root}/{host} (removed orphaned block(s) infra-summary)" in synced.out
    assert not (root / ".claude/skills/pi-ops").exists()  # the folder it emptied went with it
    assert (root / ".claude/skills/repo-boundaries/SKILL.md").is_file()  # still a target
    assert b"infra-summary" not in (root / host).read_bytes()
    for path in root.rglob("*.md"):
        assert b"192.168.1.48" not in path.read_bytes(), path

    again = run(["check", *option], project)
    assert again.code == 0, again.out
    assert again.out.splitlines()[-1].startswith("checkouts: all ")
    # sync never commits: the removals wait in the work tree.
    assert f"D  {SKILL}" not in git(root, "status", "--porcelain")
    assert f" D {SKILL}" in git(root, "status", "--porcelain")


def block(name: str, newline: str = "\n") -> str:
    """A block as an earlier sync wrote it (its hash matches its text)."""
    return block_text(name, "Home VM: 192.168.1.48\n", newline)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("# Notes\n\nIntro.\n\n", "\n\nOutro.\n"),
        (f"\ufeff# Notes{CRLF}{CRLF}Intro, café ✓.{CRLF}{CRLF}", f"{CRLF}{CRLF}Outro."),
        (f"# Notes{CRLF}{CRLF}", ""),  # the block ends the file, with no final newline
        ("- a list item:\n\n  ", "\n\n  more of the item\n"),  # indented in a list item
    ],
    ids=["lf", "crlf-bom-no-final-newline", "block-last", "indented"],
)
def test_an_orphaned_block_is_cut_out_with_every_other_byte_kept(
    project: Path, tmp_path: Path, before: str, after: str
) -> None:
    newline = CRLF if CRLF in before else "\n"
    indent = before.rpartition("\n")[2]
    lines = block("infra-summary", newline).split(newline)
    text = lines[0] + "".join(newline + (indent + x if x else x) for x in lines[1:])
    root = synced_with(project, tmp_path, {"NOTES.md": (before + text + after).encode()})
    option = ["--repo", f"stakscrapr={root}"]

    assert run(["check", *option], project).code == 1
    assert run(["sync", *option], project).code == 0

    # Gone: the block's lines, the END marker's line ending included; nothing else.
    kept = before.removesuffix(indent) + after.removeprefix(newline)
    assert (root / "NOTES.md").read_bytes() == kept.encode()
    assert run(["check", *option], project).code == 0


def test_hand_edited_orphans_are_kept_and_reported_unless_forced(
    project: Path, tmp_path: Path
) -> None:
    skill = protected_file("repos/files/pi-ops.md.j2", "# Pi ops\n\nSSH to 192.168.1.48.\n")
    files = {
        "NOTES.md": f"# Notes\n\n{block('infra-summary')}\n".replace(": 192", ": my 192").encode(),
        SKILL: skill.replace("SSH to", "Ask first, then SSH to").encode(),
    }
    root = synced_with(project, tmp_path, files)
    option = ["--repo", f"stakscrapr={root}"]

    checked = run(["check", *option], project)
    assert checked.code == 1
    assert f"{root}/NOTES.md: hand-edited orphaned block infra-summary" in checked.out
    assert f"{root}/{SKILL}: hand-edited orphaned file" in checked.out
    assert "delete its markers or notice), or pass --force to remove it" in checked.out

    refused = run(["sync", *option], project)
    assert refused.code == 1
    assert "refusing to overwrite 2 hand-edited file(s); nothing written." in refused.out
    assert {p: (root / p).read_bytes() for p in files} == files

    assert run(["sync", "--force", *option], project).code == 0
    assert (root / "NOTES.md").read_bytes() == b"# Notes\n\n"
    assert not (root / SKILL).exists()
    assert run(["check", *option], project).code == 0


def test_only_the_orphan_is_reported_and_removed(project: Path, tmp_path: Path) -> None:
    """Declared blocks and files, a page of this wiki (another notice), ignored files and text
    that only shows a marker are left alone, beside an orphan that is not."""
    add_targets(project, in_claude=True)
    assert run(["render"], project).code == 0
    root = checkout(tmp_path, {"CLAUDE.md": CLAUDE.encode(), ".gitignore": b"scratch/\n"})
    option = ["--repo", f"stakscrapr={root}"]
    assert run(["sync", "--add-missing", *option], project).code == 0
    page = (project / "docs/index.md").read_bytes()
    extra = {
        "docs/index.md": page,  # the wiki's own notice: no template of sync's
        "scratch/old.md": protected_file("repos/files/gone.md.j2", "# Gone\n").encode(),
        "SHOWN.md": b"# How\n\nWrite `<!-- BEGIN GENERATED: x -->` to open a block.\n",
        GONE: protected_file("repos/files/gone.md.j2", "# Gone\n").encode(),
    }
    for relative, data in extra.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    before = tree(root)

    checked = run(["check", *option], project)
    assert checked.code == 1, checked.out
    assert [line for line in checked.out.splitlines() if ": orphan" in line] == [
        f"{root}/{GONE}: orphan (no target puts it there any more)"
    ]
    synced = run(["sync", *option], project)
    assert synced.code == 0
    assert [line for line in synced.out.splitlines() if line.startswith("removed")] == [
        f"removed {root}/{GONE} (no target puts it there any more)"
    ]
    assert tree(root) == {path: data for path, data in before.items() if path != GONE}
    assert (root / ".claude/skills/pi-ops").is_dir()  # the skills folder was not emptied


GONE = ".claude/skills/gone/SKILL.md"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_a_new_orphan_after_a_clean_check_is_not_hidden_by_its_proof(
    project: Path, tmp_path: Path
) -> None:
    root = checkout(tmp_path, {"CLAUDE.md": CLAUDE.encode()})
    option = ["--repo", f"stakscrapr={root}"]
    assert run(["sync", "--add-missing", *option], project).code == 0
    assert run(["check", *option], project).code == 0
    assert (
        "every file is as the last clean check" in run(["check", "--verbose", *option], project).out
    )

    skill = protected_file("repos/files/pi-ops.md.j2", "# Pi ops\n")
    (root / SKILL).parent.mkdir(parents=True)
    (root / SKILL).write_text(skill, "utf-8")  # untracked, not ignored: listed

    checked = run(["check", *option], project)
    assert checked.code == 1
    assert f"{root}/{SKILL}: orphan (no target puts it there any more)" in checked.out


def test_a_renamed_block_is_an_orphan_and_its_new_name_missing(
    project: Path, tmp_path: Path
) -> None:
    """A block whose name is not declared for its (targeted) file was an error that stopped
    every sync; it is an orphan now, as after a rename in facts.yaml."""
    root = synced_with(project, tmp_path, {})
    claude = root / "CLAUDE.md"
    renamed = claude.read_bytes().replace(b"GENERATED: deploy-gate ", b"GENERATED: gate ")
    claude.write_bytes(renamed)  # both markers
    option = ["--repo", f"stakscrapr={root}"]

    checked = run(["check", *option], project)
    assert checked.code == 1
    assert f"{claude}: orphaned block(s) gate (no target puts them in this file)" in checked.out
    assert f"{claude}: block deploy-gate missing" in checked.out

    assert run(["sync", "--add-missing", *option], project).code == 0
    text = claude.read_text("utf-8")
    assert "GENERATED: gate" not in text
    assert text.count("BEGIN GENERATED: deploy-gate") == 1
    assert run(["check", *option], project).code == 0


def test_plan_shows_the_removals_sync_would_make(project: Path, tmp_path: Path) -> None:
    skill = protected_file("repos/files/pi-ops.md.j2", "# Pi ops\n")
    edited = f"# Notes\n\n{block('infra-summary')}\n".replace(": 192", ": my 192")
    root = synced_with(project, tmp_path, {SKILL: skill.encode(), "NOTES.md": edited.encode()})
    git(project, "init", "-q", "-b", "main")  # plan compares facts.yaml with git HEAD
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "facts")
    before = tree(root)

    result = run(["plan", "--repo", f"stakscrapr={root}"], project)

    assert result.code == 0, result.err
    assert tree(root) == before, "plan wrote into the checkout"
    lines = result.out.splitlines()
    at = lines.index("sync would change 1 file(s) in the checkouts:")
    assert lines[at + 1] == f"  {root}/{SKILL} (orphan)"
    assert lines[at + 2] == (
        f"  {root}/NOTES.md (orphaned block infra-summary): hand-edited orphan; sync would stop"
        " (keep it as hand-written text, or sync --force removes it)"
    )
    assert f"--- {root}/{SKILL}\n+++ {root}/{SKILL}\n" in result.out
