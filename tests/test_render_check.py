"""render writes what changed, atomically and deterministically; check finds every drift."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.facts import load_facts
from generator.normalise import normalise
from tests.conftest import REPO, run, snapshot


def _generated(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if k.startswith("docs/")}


def test_render_reports_each_written_file_and_a_summary(project: Path) -> None:
    page = project / "docs" / "home-poller.md"
    template = project / "templates" / "docs" / "home-poller.md.j2"
    template.write_text(template.read_text("utf-8") + "\nA new closing line.\n", "utf-8")
    result = run(["render"], project)
    assert result.code == 0
    rel = page.relative_to(project).as_posix()
    assert result.out.splitlines()[0] == f"wrote {rel}"
    assert result.out.splitlines()[-1].startswith("1 of ")
    assert run(["render"], project).out.endswith("files up to date, nothing written\n")


def test_hand_edited_page_fails_check_with_a_diff_naming_it(project: Path) -> None:
    assert run(["render"], project).code == 0
    page = sorted((project / "docs").rglob("*.md"))[0]
    rel = page.relative_to(project).as_posix()
    page.write_text(page.read_text("utf-8") + "A hand-written line.\n", "utf-8")
    before = snapshot(project)

    result = run(["check"], project)

    assert result.code == 1
    assert f"{rel}: hand-edited (generated text was edited by hand; move it to facts.yaml)\n" in (
        result.out
    )
    assert f"--- a/{rel}\n+++ b/{rel}\n" in result.out
    assert "\n-A hand-written line.\n" in result.out
    # What works: render refuses while the edit is there. The copy has no Makefile to offer
    # `make render`: the fix is the command itself.
    assert result.out.endswith(
        "1 generated file(s) out of date. Fix: move the text written by hand in 1 of them into"
        " facts.yaml, a template or a file of its own, then run `python -m generator render`;"
        " or run `python -m generator render --force` to discard it.\n"
    )
    assert "Render will not replace" not in result.out
    assert snapshot(project) == before


def test_missing_and_orphaned_files_are_listed(project: Path) -> None:
    assert run(["render"], project).code == 0
    page = sorted((project / "docs").rglob("*.md"))[0]
    page.unlink()
    orphan = project / "docs" / "old-page.md"
    orphan.write_text(
        "<!-- generated from facts.yaml by python -m generator"
        " (templates/docs/old-page.md.j2): do not edit;"
        " change facts.yaml or the template, then run make render -->\n\n# Old\n",
        "utf-8",
    )
    (project / "docs" / "hand-written.md").write_text("# Mine\n", "utf-8")

    result = run(["check"], project)

    assert result.code == 1
    rel = page.relative_to(project).as_posix()
    assert f"{rel}: missing\n" in result.out
    assert "docs/old-page.md: orphan (no template makes it)\n" in result.out
    assert "hand-written" not in result.out


def test_changing_the_home_vm_ip_changes_exactly_the_files_that_state_it(project: Path) -> None:
    old, new = "192.168.1.48", "192.168.7.23"
    assert run(["render"], project).code == 0
    before = _generated(project)
    stating = {path for path, data in before.items() if old.encode() in data}
    assert stating, "no generated file states the home VM IP"

    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace(f"ip: {old}", f"ip: {new}"), "utf-8")
    assert run(["render"], project).code == 0
    after = _generated(project)

    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == stating
    for path in changed:
        # The only difference is the value itself (table padding aside, which mdformat owns),
        # and a sibling-repo copy's hash of its text.
        assert _unhashed(after[path].replace(new.encode(), old.encode())) == _unhashed(before[path])


def _unhashed(data: bytes) -> list[bytes]:
    return re.sub(rb" hash=[0-9a-f]{8}:", b":", data).split()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "# Broken\n\nline two\n{{ facts.hosts.home_vm.ipp }}\n",
            "templates/docs/zz-broken.md.j2:4: error: ",
        ),
        (
            '# Page\n\n{% include "docs/_nowhere.md.j2" %}\n',
            "templates/docs/zz-broken.md.j2:3: error: no template named 'docs/_nowhere.md.j2'",
        ),
    ],
    ids=["undefined fact", "missing include"],
)
def test_template_errors_name_the_template_line_and_write_nothing(
    project: Path, text: str, expected: str
) -> None:
    (project / "templates" / "docs" / "zz-broken.md.j2").write_text(text, "utf-8")
    before = snapshot(project)

    result = run(["render"], project)

    assert result.code == 2
    assert result.err.startswith(expected), result.err
    assert ("ipp" if "ipp" in text else "_nowhere") in result.err  # names what is wrong
    assert "internal error" not in result.err
    assert snapshot(project) == before


def test_the_sandbox_refuses_python_internals(project: Path) -> None:
    template = project / "templates" / "docs" / "zz-escape.md.j2"
    template.write_text("{{ facts.__class__.__init__.__globals__ }}\n", "utf-8")
    result = run(["render"], project)
    assert result.code == 2
    assert result.err.startswith("templates/docs/zz-escape.md.j2:1: error: ")
    assert not (project / "docs" / "zz-escape.md").exists()


def test_values_cannot_inject_markdown_or_markers(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8").replace(
        "role: Secondary scraper and infrastructure backbone",
        'role: "Backbone\\n# Injected heading <!-- END GENERATED: x --> | cell"',
    )
    facts.write_text(text, "utf-8")
    template = project / "templates" / "docs" / "zz-values.md.j2"
    template.write_text(
        "# Values\n\n{{ facts.hosts.home_vm.role }}\n\n"
        "{{ [[facts.hosts.home_vm.role, 'x']] | table(['Role', 'X']) }}\n",
        "utf-8",
    )
    assert run(["render"], project).code == 0
    page = (project / "docs" / "zz-values.md").read_text("utf-8")
    assert "\n# Injected" not in page
    # The comment opener is escaped, so no line can act as a managed-block marker.
    assert not any(line.lstrip().startswith("<!-- END") for line in page.splitlines())
    assert "\\<!-- END GENERATED: x --> \\| cell" in page
    table_row = next(line for line in page.splitlines() if line.startswith("| Backbone"))
    assert table_row.count(" | ") == 1  # the pipe in the value did not add a column
    assert "\\| cell" in table_row


def rows_cutting_short(root: Path, value: str) -> list[str]:
    """``path:line`` of each table row, in every generated file, that shows the start of
    ``value`` without the rest: a pipe in a cell that is not escaped ends the cell there (inside
    a code span too), and the formatter drops what no longer fits the header."""
    head, escaped = value.split("|")[0].strip(), value.replace("|", "\\|")
    return [
        f"{path.relative_to(root).as_posix()}:{n}"
        for path in sorted([*root.glob("docs/**/*.md"), *root.glob("repos/**/*.md")])
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if line.startswith("|") and line.count(head) != line.count(escaped)
    ]


# Facts whose value a page shows in a table cell, each given a pipe and a start no other fact has.
PIPED = {
    "host name": ("    name: Home VM\n", "Homebox | LAN"),
    "repo slug": ("    slug: lbruton/StakTrakrApi\n", "lbruton/Zapi|v2"),
    "default branch": ("    default_branch: main\n", "trunk|v2"),
    "direct branch": ("    branch: api\n", "apibranch|v2"),
    "deploy command": ("  command: fly deploy\n", "flyctl deploy | tee"),
}


@pytest.mark.parametrize("fact", sorted(PIPED))
def test_a_pipe_in_a_value_stays_in_its_table_cell(project: Path, fact: str) -> None:
    old, value = PIPED[fact]
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(old) == 1
    facts.write_text(text.replace(old, old.split(":")[0] + f': "{value}"\n'), "utf-8")

    rendered = run(["render"], project)

    assert rendered.code == 0, rendered.err
    escaped = value.replace("|", "\\|")
    assert any(escaped in p.read_text("utf-8") for p in (project / "docs").rglob("*.md"))
    assert rows_cutting_short(project, value) == []


def test_the_change_gate_rows_keep_a_deployer_with_a_pipe_in_its_name(project: Path) -> None:
    """The report: the "Deployed by" cell of the home-only row read just "Home VM"."""
    facts = project / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8").replace("    name: Home VM\n", '    name: "Home VM | LAN"\n'),
        "utf-8",
    )
    assert run(["render", "-q"], project).code == 0
    for page in ("change-gate.md", "repo-boundaries.md"):
        lines = (project / "docs" / page).read_text("utf-8").splitlines()
        row = next(line for line in lines if line.startswith("| Home-only additions |"))
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert len(cells) == 4, (page, row)
        assert cells[3] == "Home VM \\| LAN: pulls the files", page


def test_rendering_is_byte_identical_across_processes_and_locales(tmp_path: Path) -> None:
    outputs = []
    for seed, lang in (("1", "C.UTF-8"), ("987", "de_DE.UTF-8")):
        root = tmp_path / seed
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(root)], check=True)
        for page in (root / "docs").rglob("*.md"):
            page.unlink()
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "LANG": lang,
            "LC_ALL": lang,
            "TZ": "Asia/Tokyo",
        }
        subprocess.run(
            [sys.executable, "-m", "generator", "render", "-q"], cwd=root, env=env, check=True
        )
        outputs.append(_generated(root))
    assert outputs[0] == outputs[1]
    assert outputs[0]


def test_generated_pages_are_in_normal_form(project: Path) -> None:
    assert run(["render"], project).code == 0
    for page in sorted((project / "docs").rglob("*.md")):
        text = page.read_text("utf-8")
        body = text.split("-->\n\n", 1)[1] if text.startswith("<!--") else text
        assert normalise(body) == body, page


def test_each_page_says_once_what_is_retired_or_removed(project: Path) -> None:
    """As an item of the runbook's retired list or as a warning box where there is no list, never
    both. agent-files.md is left out: it quotes what each sibling repo receives, repo by repo."""
    assert run(["render"], project).code == 0
    components = load_facts(project / "facts.yaml").facts.components.values()
    notes = [" ".join(c.note.split()) for c in components if c.status in ("retired", "removed")]
    assert notes
    repeated = {
        (page.name, note[:40]): count
        for page in sorted((project / "docs").rglob("*.md"))
        if page.name != "agent-files.md"
        for note in notes
        if (count := " ".join(page.read_text("utf-8").split()).count(note)) > 1
    }
    assert repeated == {}


def test_schema_command_prints_the_shipped_schema_and_facts_use_it(project: Path) -> None:
    result = run(["schema"], project)
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema == json.loads((REPO / "generator" / "facts.schema.json").read_text("utf-8"))
    first_line = (REPO / "facts.yaml").read_text("utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=generator/facts.schema.json"


def test_check_with_another_facts_file_advises_the_render_that_uses_it(project: Path) -> None:
    other = project / "staging.yaml"
    text = (project / "facts.yaml").read_text("utf-8")
    other.write_text(text.replace("192.168.1.48", "10.2.3.4"), "utf-8")

    result = run(["--facts", "staging.yaml", "check"], project)

    assert result.code == 1
    assert result.out.splitlines()[-1].endswith(
        "Fix: run `python -m generator --facts staging.yaml render`"
        " (edit staging.yaml or templates/, never the generated files)."
    )
    assert "make render`" not in result.out


def test_the_fix_for_a_hand_edit_names_renders_that_work(project: Path) -> None:
    """`make render` passes no options: --force goes to the command itself, with --facts."""
    assert run(["render"], project).code == 0
    (project / "Makefile").write_text("render:\n\tpython -m generator render\n", "utf-8")
    page = project / "docs" / "home-poller.md"
    page.write_text(page.read_text("utf-8") + "Mine.\n", "utf-8")
    other = project / "staging.yaml"
    other.write_text((project / "facts.yaml").read_text("utf-8"), "utf-8")

    default = run(["check"], project).out.splitlines()[-1]
    staging = run(["--facts", "staging.yaml", "check"], project).out.splitlines()[-1]

    assert default.endswith(
        "then run `make render`; or run `python -m generator render --force` to discard it."
    )
    assert staging.endswith(
        "into staging.yaml, a template or a file of its own, then run"
        " `python -m generator --facts staging.yaml render`; or run"
        " `python -m generator --facts staging.yaml render --force` to discard it."
    )


def test_a_marker_in_a_fact_value_is_text_in_the_sibling_copies(project: Path) -> None:
    """A value holding an END marker is escaped where it lands, and the block parser reads the
    escaped marker as text: render, check and the copies all work."""
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count("    name: StakTrakr Mac\n") == 1
    marker = "<!-- END GENERATED: deploy-gate -->"
    facts.write_text(text.replace("    name: StakTrakr Mac\n", f'    name: "Mac {marker}"\n'))

    rendered = run(["render"], project)

    assert rendered.code == 0, rendered.err
    assert run(["check"], project).code == 0
    copy = (project / "repos/StakTrakr/generated-blocks/api-infrastructure.md").read_text("utf-8")
    assert f"Mac \\{marker}" in copy
    assert copy.count("<!-- END GENERATED:") == 2  # the block's own, and the escaped text
