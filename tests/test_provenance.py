"""Provenance: `where` lists the lines a fact feeds, the fact index, footer links, dead facts."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.facts import load_facts
from generator.provenance import Text, heading_ids, select, value_forms, value_pattern
from tests.conftest import mkdocs_build, run

OLD_IP = "192.168.1.48"
NEW_IP = "10.20.30.40"
PLACE = re.compile(r"^  (\S+?):(\d+)$")


def generated(root: Path) -> dict[str, list[str]]:
    """The lines of every generated file in the project (pages and sibling-repo copies)."""
    files = [*root.glob("docs/**/*.md"), *root.glob("repos/**/*")]
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8").split("\n")
        for p in sorted(files)
        if p.is_file()
    }


def changed_lines(before: dict[str, list[str]], after: dict[str, list[str]]) -> set[str]:
    """``path:line`` (line in the new file) of every line that differs."""
    found: set[str] = set()
    for path, new in after.items():
        old = before.get(path, [])
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, _, _, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                found.update(f"{path}:{n}" for n in range(j1 + 1, j2 + 1))
    return found


def where_places(out: str) -> set[str]:
    return {f"{m.group(1)}:{m.group(2)}" for line in out.splitlines() if (m := PLACE.match(line))}


def set_ip(root: Path, ip: str) -> None:
    facts = root / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(f"ip: {OLD_IP}\n") == 1
    facts.write_text(text.replace(f"ip: {OLD_IP}\n", f"ip: {ip}\n"), "utf-8")


def test_where_lists_exactly_the_lines_that_render_then_changes(project: Path) -> None:
    assert run(["render", "-q"], project).code == 0
    before = generated(project)
    set_ip(project, NEW_IP)

    result = run(["where", "hosts.home_vm.ip"], project)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"hosts.home_vm.ip = {NEW_IP}"
    listed = where_places(result.out)

    assert run(["render", "-q"], project).code == 0
    changed = changed_lines(before, generated(project))
    assert listed == changed
    # The fact reaches the home VM page, the fact index, and at least one more page.
    assert {p.split(":")[0] for p in listed} >= {"docs/home-poller.md", "docs/facts-index.md"}
    assert len({p.split(":")[0] for p in listed}) >= 3


def test_where_states_computed_uses_as_line_unknown(project: Path) -> None:
    # A plain word is never pinned to a line: it also occurs as ordinary prose.
    result = run(["where", "repos.staktrakr.deploy_role"], project)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "repos.staktrakr.deploy_role = none"
    assert lines[1:], "the repo's deploy role is read by some output"
    assert all(line.endswith(": read, line unknown") for line in lines[1:])


def test_where_a_record_lists_each_fact_below_it(project: Path) -> None:
    result = run(["where", "hosts.home_vm.services.tinyproxy"], project)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:4] == [
        "hosts.home_vm.services.tinyproxy.name = tinyproxy",
        "hosts.home_vm.services.tinyproxy.port = 8889",
        "hosts.home_vm.services.tinyproxy.config = home_vm/tinyproxy-cox.conf",
        "hosts.home_vm.services.tinyproxy.purpose = Residential proxy for Fly.io",
    ]
    assert any(re.fullmatch(r"  docs/home-poller\.md:\d+  \(.*\.port\)", x) for x in lines)


def test_where_an_unknown_key_is_a_usage_error(project: Path) -> None:
    result = run(["where", "hosts.home_vm.iq"], project)
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "facts.yaml: error: 'hosts.home_vm.iq' names no fact\n"
        "  hint: did you mean hosts.home_vm.ip? give a dotted key, e.g. hosts.home_vm.ip\n"
    )


def test_where_takes_its_example_key_from_the_project(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    facts.write_text(
        text.replace("    memory_mb: 4096\n", "    memory_mb: 4096\n    ip: 10.0.0.9\n")
    )
    result = run(["where", "nothing.here"], project)
    assert result.code == 2
    assert result.err.endswith("  hint: give a dotted key, e.g. hosts.fly_app.ip\n")


def test_where_finds_hand_written_places_outside_managed_blocks(project: Path) -> None:
    (project / "NOTES.md").write_text(
        "# Notes\n\nThe VM is at 192.168.1.48 today.\n"
        "<!-- BEGIN GENERATED: x (edit facts.yaml, then make render) hash=00000000 -->\n"
        "192.168.1.48 inside a block is check's business\n"
        "<!-- END GENERATED: x -->\n"
        "Not 192.168.1.480, nor 1192.168.1.48.\n",
        "utf-8",
    )
    result = run(["where", "hosts.home_vm.ip"], project)
    assert result.code == 0, result.err
    tail = result.out.split("hand-written places that state the value:\n", 1)[1]
    assert tail == "  NOTES.md:3:14\n"


def test_locate_needs_the_whole_value() -> None:
    lines = ["at 192.168.1.48.", "192.168.1.480", "x192.168.1.48", "`192.168.1.48`", "8889"]
    text = Text("\n".join(lines))
    assert text.locate("192.168.1.48") == [1, 4]
    assert text.locate(8889) == [5]
    assert text.locate("none") == []  # a plain word is never pinned to a line


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["192.168.1.48", "8889", ".", "_", "é", "1", "a", " ", "\n", "-"])),
    st.sampled_from(["192.168.1.48", 8889, "tiny-proxy.conf", "-x"]),
)
def test_locate_agrees_with_the_whole_value_pattern(pieces: list[str], value: object) -> None:
    """The fast search gives exactly the lines the look-behind/look-ahead pattern matches."""
    text = "".join(pieces)
    expected = sorted(
        {
            text.count("\n", 0, match.start()) + 1
            for form in value_forms(value)
            for match in value_pattern(form).finditer(text)
        }
    )
    assert Text(text).locate(value) == expected


def test_heading_ids_follow_the_toc_extension() -> None:
    text = "---\ntitle: x\n---\n# Home VM\n\n## `tinyproxy` on port 8889\n\n## Home VM\n"
    assert heading_ids(text) == [(4, "home-vm"), (6, "tinyproxy-on-port-8889"), (8, "home-vm_1")]


def test_a_line_starting_with_a_hash_is_not_taken_for_a_heading() -> None:
    text = "# Top\n\n#tag and text\n\n```\n# in code\n```\n\n## Real\n"
    assert heading_ids(text) == [(1, "top"), (9, "real")]


def test_pages_link_their_facts_to_the_index(project: Path) -> None:
    assert run(["render", "-q"], project).code == 0
    page = (project / "docs/home-poller.md").read_text("utf-8")
    footer = page.rstrip("\n").rsplit("\n", 1)[-1]
    assert "[`hosts.home_vm`](facts-index.md#hosts.home_vm)" in footer
    index = (project / "docs/facts-index.md").read_text("utf-8")
    row = next(line for line in index.splitlines() if '<a id="hosts.home_vm.ip">' in line)
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1] == f"`{OLD_IP}`"
    assert cells[2].startswith("API Pipeline Audit: Home VM role")
    assert cells[3] == "2026-02-25 by API Pipeline Audit: a document review, not a check on the VM"
    assert "[home-poller.md](home-poller.md#home-vm-and-home-poller)" in (cells[4])


FOOTER = re.compile(r"^\*Generated from `facts\.yaml`: (.*)\.\*$", re.MULTILINE)


def footers_naming_no_fact(root: Path) -> dict[str, list[str]]:
    """Per page, the keys its footer lists that `where` rejects (it asks ``select`` too)."""
    facts = load_facts(root / "facts.yaml").facts
    found: dict[str, list[str]] = {}
    for page in sorted((root / "docs").rglob("*.md")):
        for listed in FOOTER.findall(page.read_text("utf-8")):
            keys = re.findall(r"`([^`]+)`", listed)
            if bad := [key for key in keys if not select(key, facts)]:
                found[page.relative_to(root).as_posix()] = bad
    return found


def test_footers_list_only_keys_that_name_facts(project: Path) -> None:
    """``last_verified`` reads provenance probes for a key and every key above it (such as
    ``hosts.source``), and agent-files.md reads ``targets``: reads, but no facts to list."""
    assert run(["render", "-q"], project).code == 0
    pages = [p for p in (project / "docs").rglob("*.md") if FOOTER.search(p.read_text("utf-8"))]
    assert len(pages) >= 10
    assert footers_naming_no_fact(project) == {}
    assert run(["where", "hosts.source"], project).code == 2  # as the footer test assumes


# Checks added where a page reads only provenance probes, which its footer leaves out.
PROBED = {
    "on the service itself": (
        "        port: 8889\n",
        "        port: 8889\n        verified: {date: 2031-03-01, by: Ops, how: ss -tlnp on it}\n",
    ),
    "for every host, in provenance": (
        "\nprovenance:\n",
        "\nprovenance:\n  hosts:\n    verified: {date: 2031-03-01, by: Ops, how: a visit}\n",
    ),
}


@pytest.mark.parametrize("edit", sorted(PROBED))
def test_a_page_follows_the_provenance_it_probes(project: Path, edit: str) -> None:
    assert run(["render", "-q"], project).code == 0
    facts = project / "facts.yaml"
    old, new = PROBED[edit]
    assert facts.read_text("utf-8").count(old) == 1
    facts.write_text(facts.read_text("utf-8").replace(old, new), "utf-8")

    rendered = run(["render"], project)  # incremental: the other pages come from the cache

    assert rendered.code == 0, rendered.err
    assert "wrote docs/home-poller.md" in rendered.out
    assert "2031-03-01 (Ops: " in (project / "docs/home-poller.md").read_text("utf-8")
    assert footers_naming_no_fact(project) == {}
    shutil.rmtree(project / ".cache")
    assert "nothing written" in run(["render"], project).out  # the same as a full render


@pytest.mark.slow
def test_index_links_resolve_in_a_strict_mkdocs_build(project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = mkdocs_build(project, site)
    assert done.returncode == 0, done.stderr
    html = (site / "facts-index/index.html").read_text("utf-8")
    assert 'id="hosts.home_vm.ip"' in html
    assert 'href="../home-poller/#home-vm-and-home-poller"' in html
    page = (site / "home-poller/index.html").read_text("utf-8")
    assert 'href="../facts-index/#hosts.home_vm"' in page
    # Strict mode fails on a link to a missing anchor: prove it would catch a wrong one.
    template = project / "templates/docs/index.md.j2"
    template.write_text(template.read_text("utf-8") + "\nSee [x](facts-index.md#no.such.fact).\n")
    shutil.rmtree(site)
    again = mkdocs_build(project, site)
    assert again.returncode != 0
    assert "no.such.fact" in again.stderr


def test_check_verbose_lists_dead_facts_and_outputs_that_read_none(project: Path) -> None:
    # A project with one page that reads one fact, and one that reads none.
    data = yaml.safe_load((project / "facts.yaml").read_text("utf-8"))
    data.pop("targets", None)
    (project / "facts.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    shutil.rmtree(project / "templates")
    shutil.rmtree(project / "docs")
    shutil.rmtree(project / "repos", ignore_errors=True)
    (project / "templates/docs").mkdir(parents=True)
    (project / "templates/docs/ip.md.j2").write_text(
        "# IP\n\n{{ facts.hosts.home_vm.ip }}\n", "utf-8"
    )
    (project / "templates/docs/empty.md.j2").write_text("# Nothing\n", "utf-8")
    assert run(["render", "-q"], project).code == 0

    result = run(["check", "--verbose"], project)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    dead_at = lines.index(next(x for x in lines if x.startswith("facts no output reads: ")))
    idle_at = lines.index("outputs that read no fact: 1")
    dead = [x.strip() for x in lines[dead_at + 1 : idle_at]]
    assert "hosts.home_vm.ip" not in dead
    assert dead[:2] == ["project.name", "project.summary"]
    assert "hosts.home_vm.services.tinyproxy.port" in dead
    assert lines[dead_at] == f"facts no output reads: {len(dead)}"
    assert lines[idle_at + 1] == "  docs/empty.md"
    assert run(["check"], project).out.count("facts no output reads") == 0
