"""What render may replace or remove: generated files yes, files made by hand only with --force."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import git, run

NOTICE = (
    "<!-- generated from facts.yaml by python -m generator"
    " (templates/docs/{name}.md.j2): do not edit;"
    " change facts.yaml or the template, then run make render -->\n\n"
)


def _new_template(project: Path, name: str) -> None:
    page = project / "templates" / "docs" / f"{name}.md.j2"
    page.write_text("# New\n\nThe home VM is {{ facts.hosts.home_vm.ip }}.\n", "utf-8")


def test_a_hand_written_page_where_a_new_template_renders_is_not_overwritten(
    project: Path,
) -> None:
    assert run(["render"], project).code == 0
    mine = project / "docs" / "notes.md"
    mine.write_bytes(b"# Mine\n\nPrecious.\n")
    _new_template(project, "notes")

    checked = run(["check"], project)
    rendered = run(["render"], project)

    assert checked.code == 1
    assert "docs/notes.md: hand-written (no generated notice) where a template renders" in (
        checked.out
    )
    assert "+++ b/docs/notes.md" not in checked.out  # the whole file would go: no diff
    assert "or run `python -m generator render --force` to discard it." in checked.out
    assert rendered.code == 1
    assert "refusing to overwrite 1 hand-written or hand-edited file(s)" in rendered.out
    assert mine.read_bytes() == b"# Mine\n\nPrecious.\n"
    # Nothing else was written either: the fact index would list the new page.
    assert "notes.md" not in (project / "docs" / "facts-index.md").read_text("utf-8")

    assert run(["render", "--force"], project).code == 0
    assert "The home VM is 192.168.1.48." in mine.read_text("utf-8")
    assert run(["check"], project).code == 0


def test_render_removes_an_orphaned_page_and_the_folder_it_empties(project: Path) -> None:
    assert run(["render"], project).code == 0
    section = project / "templates" / "docs" / "old"
    section.mkdir()
    _new_template(project, "old/page")
    assert run(["render"], project).code == 0
    page = project / "docs" / "old" / "page.md"
    assert page.is_file()
    (section / "page.md.j2").unlink()
    section.rmdir()
    assert run(["check"], project).code == 1  # an orphan

    rendered = run(["render"], project)

    assert rendered.code == 0
    assert "removed docs/old/page.md (no template makes it any more)" in rendered.out
    assert not page.exists()
    assert not page.parent.exists()
    assert (project / "docs").is_dir()
    assert run(["check"], project).code == 0


def test_a_folder_with_a_hand_written_file_stays_when_its_orphan_goes(project: Path) -> None:
    assert run(["render"], project).code == 0
    (project / "docs" / "old").mkdir()
    orphan = project / "docs" / "old" / "page.md"
    orphan.write_text(NOTICE.format(name="old/page") + "# Old\n", "utf-8")
    mine = project / "docs" / "old" / "mine.md"
    mine.write_bytes(b"# Mine\n")

    assert run(["render"], project).code == 0

    assert not orphan.exists()
    assert mine.read_bytes() == b"# Mine\n"


def test_an_orphaned_block_copy_edited_by_hand_is_kept_without_force(project: Path) -> None:
    assert run(["render"], project).code == 0
    copy = project / "repos/StakTrakr/generated-blocks/deploy-gate.md"
    edited = copy.read_bytes().replace(b"fly deploy", b"fly deploy (edited)", 1)
    assert edited != copy.read_bytes()
    copy.write_bytes(edited)
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    old = "blocks: [api-infrastructure, deploy-gate]"
    assert old in text
    facts.write_text(text.replace(old, "blocks: [api-infrastructure]"), "utf-8")

    refused = run(["render"], project)

    assert refused.code == 1
    assert "repos/StakTrakr/generated-blocks/deploy-gate.md: hand-edited" in refused.out
    assert copy.read_bytes() == edited
    forced = run(["render", "--force"], project)
    assert forced.code == 0
    assert not copy.exists()
    assert run(["check"], project).code == 0


def test_an_orphan_behind_a_symlink_out_of_the_tree_is_never_removed(
    project: Path, tmp_path: Path
) -> None:
    assert run(["render"], project).code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    theirs = outside / "page.md"
    theirs.write_text(NOTICE.format(name="linked/page") + "# Theirs\n", "utf-8")
    (project / "docs" / "linked").symlink_to(outside, target_is_directory=True)

    rendered = run(["render"], project)
    forced = run(["render", "--force"], project)

    # The orphan search does not follow a symlinked folder; were it to, removing would stop
    # at contained_all, which refuses paths that resolve outside the tree.
    assert (rendered.code, forced.code) == (0, 0)
    assert theirs.read_text("utf-8").endswith("# Theirs\n")


def test_a_page_differing_only_in_line_endings_says_so(project: Path) -> None:
    assert run(["render"], project).code == 0
    page = project / "docs" / "home-poller.md"
    page.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))

    checked = run(["check"], project)

    assert checked.code == 1
    assert "docs/home-poller.md: stale\nonly the line endings differ" in checked.out
    assert "+++" not in checked.out
    assert run(["render"], project).code == 0
    assert b"\r\n" not in page.read_bytes()


def test_a_hand_written_page_quoting_the_notice_is_not_taken_for_generated(
    project: Path,
) -> None:
    """Only the notice as render writes it, on the first line, makes a page the generator's."""
    assert run(["render"], project).code == 0
    mine = project / "docs" / "contributing.md"
    quoting = (
        b"# Contributing\n\nMost pages here are generated from facts.yaml by python -m"
        b" generator; this one is not:\n\n"
        b"<!-- generated from facts.yaml by python -m generator (templates/x.md.j2): do -->\n"
    )
    mine.write_bytes(quoting)

    rendered = run(["render"], project)

    assert rendered.code == 0
    assert "removed" not in rendered.out
    assert mine.read_bytes() == quoting
    _new_template(project, "contributing")
    assert run(["render"], project).code == 1  # and it is not replaced either
    assert mine.read_bytes() == quoting


def test_a_page_with_long_front_matter_stays_the_generators(project: Path) -> None:
    """The notice follows the front matter however long it is (here over 4 KB)."""
    template = project / "templates" / "docs" / "big.md.j2"
    front = "---\ntitle: Big\ndescription: " + "x" * 5000 + "\n---\n\n"
    template.write_text(front + "# Big\n\nv1\n", "utf-8")
    assert run(["render"], project).code == 0
    template.write_text(front + "# Big\n\nv2\n", "utf-8")

    assert run(["render"], project).code == 0  # stale, not hand-written

    assert (project / "docs" / "big.md").read_text("utf-8").endswith("v2\n")
    template.unlink()
    rendered = run(["render"], project)
    assert "removed docs/big.md" in rendered.out
    assert not (project / "docs" / "big.md").exists()


def test_a_page_edited_by_hand_is_kept_until_render_force(project: Path) -> None:
    """A page that is not what render wrote here, and holds a line render would not write, is
    told from a stale page, and render refuses to overwrite it, as it does a sibling copy."""
    assert run(["render"], project).code == 0
    page = project / "docs" / "home-poller.md"
    edited = page.read_bytes().replace(b"secondary scraper", b"secondary (and best) scraper", 1)
    assert edited != page.read_bytes()
    page.write_bytes(edited)

    checked = run(["check"], project)
    refused = run(["render"], project)

    assert checked.code == 1
    assert "docs/home-poller.md: hand-edited (generated text was edited by hand" in checked.out
    assert "docs/home-poller.md: stale" not in checked.out
    assert "-The Home VM (`192.168.1.48`) is the secondary (and best) scraper" in checked.out
    assert refused.code == 1
    assert "docs/home-poller.md: hand-edited" in refused.out
    assert (
        "refusing to overwrite 1 hand-edited file(s); nothing written. Move the edit into"
        " facts.yaml (or the template), or rerun with --force to discard it."
    ) in refused.out
    assert "wrote" not in refused.out
    assert page.read_bytes() == edited

    forced = run(["render", "--force"], project)
    assert forced.code == 0
    assert "wrote docs/home-poller.md" in forced.out
    assert b"(and best)" not in page.read_bytes()
    assert run(["check"], project).code == 0


def test_branches_that_each_rendered_merge_and_switch_without_force(project: Path) -> None:
    """Real git: pages carry no hash of themselves, so switching branches and merging two that
    each rendered never makes a page look hand-edited; a conflict git leaves in a page is
    resolved by rendering."""
    (project / ".gitignore").write_text(".cache/\n", "utf-8")
    assert run(["render", "-q"], project).code == 0
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    facts = project / "facts.yaml"
    for branch, old, new in (
        ("ip", "ip: 192.168.1.48", "ip: 10.4.4.4"),
        ("memory", "memory_mb: 4096", "memory_mb: 8192"),
    ):
        git(project, "checkout", "-q", "-b", branch, "main")
        facts.write_text(facts.read_text("utf-8").replace(old, new, 1), "utf-8")
        rendered = run(["render"], project)  # after a switch: the other branch's pages on disk
        assert rendered.code == 0, rendered.out
        git(project, "commit", "-q", "-am", branch)
    merged = subprocess.run(
        ["git", "merge", "-q", "ip", "-m", "merge"], cwd=project, capture_output=True, text=True
    )
    assert merged.returncode == 1  # the Fly.io rows hold both facts: a conflict in pages
    conflicted = (project / "docs" / "architecture-overview.md").read_text("utf-8")
    assert "<<<<<<< " in conflicted
    rendered = run(["render"], project)
    assert rendered.code == 0, rendered.out
    assert "hand-edited" not in rendered.out
    assert run(["check"], project).code == 0
    page = (project / "docs" / "architecture-overview.md").read_text("utf-8")
    assert "10.4.4.4" in page and "8192 MB" in page and "<<<<<<<" not in page


def test_a_page_whose_lines_were_only_deleted_by_hand_is_stale(project: Path) -> None:
    """Nothing a person wrote would be lost: render restores the page without --force."""
    assert run(["render"], project).code == 0
    page = project / "docs" / "home-poller.md"
    whole = page.read_text("utf-8")
    page.write_text(whole.replace("\n## ", "\n", 1), "utf-8")  # a heading's line cut short
    assert "hand-edited" in run(["check"], project).out  # that line is new: an edit
    lines = whole.splitlines(keepends=True)
    page.write_text("".join(lines[:3] + lines[6:]), "utf-8")  # three lines deleted
    assert "docs/home-poller.md: stale\n" in run(["check"], project).out
    assert run(["render"], project).code == 0
    assert page.read_text("utf-8") == whole


def test_an_edit_to_a_pages_front_matter_is_a_hand_edit_too(project: Path) -> None:
    template = project / "templates" / "docs" / "fronted.md.j2"
    template.write_text("---\ntitle: Fronted\n---\n\n# Fronted\n\nBody.\n", "utf-8")
    assert run(["render"], project).code == 0
    page = project / "docs" / "fronted.md"
    assert page.read_text("utf-8").startswith("---\ntitle: Fronted\n---\n<!-- generated")
    page.write_text(page.read_text("utf-8").replace("title: Fronted", "title: Mine"), "utf-8")

    assert "docs/fronted.md: hand-edited" in run(["check"], project).out
    assert run(["render"], project).code == 1
    assert "title: Mine" in page.read_text("utf-8")


def test_a_stale_page_is_rendered_again_silently(project: Path) -> None:
    assert run(["render"], project).code == 0
    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("ip: 192.168.1.48", "ip: 10.4.4.4"), "utf-8")

    checked = run(["check"], project)
    rendered = run(["render"], project)

    assert checked.code == 1
    assert "docs/home-poller.md: stale\n" in checked.out
    assert "hand-edited" not in checked.out
    assert "Fix: run `python -m generator render` (edit facts.yaml or templates/" in checked.out
    assert rendered.code == 0
    assert "wrote docs/home-poller.md" in rendered.out
    page = (project / "docs" / "home-poller.md").read_text("utf-8")
    assert "10.4.4.4" in page


def test_an_orphaned_page_edited_by_hand_is_kept_without_force(project: Path) -> None:
    template = project / "templates" / "docs" / "old.md.j2"
    template.write_text("# Old\n\nGenerated text.\n", "utf-8")
    assert run(["render"], project).code == 0
    page = project / "docs" / "old.md"
    edited = page.read_text("utf-8").replace("Generated text.", "Text that matters.")
    page.write_text(edited, "utf-8")
    template.unlink()

    checked = run(["check"], project)
    refused = run(["render"], project)

    assert checked.code == 1
    assert (
        "docs/old.md: orphan (no template makes it), edited by hand: render keeps it"
        " without --force\n"
    ) in checked.out
    assert "or run `python -m generator render --force` to discard it." in checked.out
    assert refused.code == 1
    assert "docs/old.md: hand-edited" in refused.out
    assert page.read_text("utf-8") == edited
    forced = run(["render", "--force"], project)
    assert forced.code == 0
    assert "removed docs/old.md" in forced.out
    assert not page.exists()
    assert run(["check"], project).code == 0
