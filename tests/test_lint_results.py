"""The lint result cache: reused for unchanged files, never stale, safe to garble or delete."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cache import file_sha
from generator.lint.config import LintConfig
from generator.lint.engine import Target, decode, lint_targets
from generator.lint.knowledge import Knowledge
from generator.lint.results import ResultCache, results_path, salt_for
from generator.lint.rules import RULES
from tests.conftest import REPO, run

DRIFT = "# Home\n\nThe home VM is at 192.168.1.81.\n\ntinyproxy listens on 8888.\n"
CLEAN = "# Home\n\nThe Home VM (192.168.1.48) runs tinyproxy on port 8889.\n"
MORE = "# Feeds\n\n`spot-poller.yml` runs every 15 minutes as the spot feed.\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project (templates/ and facts.yaml) whose docs hold drift."""
    (tmp_path / "templates").mkdir()
    shutil.copy(REPO / "facts.yaml", tmp_path / "facts.yaml")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {"drift.md": DRIFT, "clean.md": CLEAN, "more.md": MORE}.items():
        (docs / name).write_text(text, "utf-8")
    return tmp_path


def lint_json(root: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = run(["lint", "--format", "json", *args, "docs"], root)
    assert result.err == ""
    return result.code, json.loads(result.out)


def test_a_second_run_reuses_every_file_and_reports_the_same(project: Path) -> None:
    first = lint_json(project)
    assert first[0] == 1 and len(first[1]) == 3
    assert results_path(project).is_file()
    assert lint_json(project) == first
    verbose = run(["-v", "lint", "docs"], project)
    assert "3 of 3 file(s) reused from the lint cache" in verbose.err + verbose.out


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[:-40]),  # torn
        lambda path: path.write_bytes(b"\x00\xff garbage\n{"),  # not JSON
        lambda path: path.write_text(path.read_text().replace("192.168.1.81", "10.0.0.1")),
        lambda path: path.unlink(),
    ],
    ids=["truncated", "garbage", "edited", "deleted"],
)
def test_a_garbled_or_deleted_cache_changes_nothing(
    project: Path, damage: Callable[[Path], object]
) -> None:
    first = lint_json(project)
    damage(results_path(project))
    assert lint_json(project) == first
    assert lint_json(project) == first  # and the rewritten cache serves the same


def test_a_forged_entry_with_a_valid_checksum_but_bad_rows_is_ignored(project: Path) -> None:
    first = lint_json(project)
    path = results_path(project)
    body = json.loads(path.read_bytes().partition(b"\n")[2])
    body["entries"] = {key: [["not", "a", "finding"]] for key in body["entries"]}
    data = json.dumps(body).encode()
    path.write_bytes(file_sha(data).encode() + b"\n" + data + b"\n")
    assert lint_json(project) == first


def test_an_edited_file_is_linted_again(project: Path) -> None:
    lint_json(project)
    (project / "docs" / "clean.md").write_text(CLEAN + "\nThen ssh to 192.168.1.77.\n", "utf-8")
    _, found = lint_json(project)
    assert ("clean.md", "192.168.1.77") in {(f["path"], f["literal"]) for f in found}


def test_other_facts_rules_or_ignores_are_not_served_from_the_cache(project: Path) -> None:
    everything = lint_json(project)[1]
    assert lint_json(project, "--skip-rule", "retired-value")[1] == [
        f for f in everything if f["rule"] != "retired-value"
    ]
    (project / ".drift.yaml").write_text(
        "lint:\n  per-path-ignores:\n    docs/drift.md: [contradiction]\n", "utf-8"
    )
    assert lint_json(project)[1] == [
        f for f in everything if (f["path"], f["rule"]) != ("drift.md", "contradiction")
    ]
    (project / ".drift.yaml").unlink()
    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("8889", "8888"), "utf-8")
    literals = {f["literal"] for f in lint_json(project)[1]}
    assert "8888" not in literals and "8889" in literals


def test_a_template_edit_keeps_the_cache_and_a_facts_edit_does_not(project: Path) -> None:
    lint_json(project)
    (project / "templates" / "page.md.j2").write_text("# {{ facts.project.name }}\n", "utf-8")
    verbose = run(["-v", "lint", "docs"], project)
    assert "3 of 3 file(s) reused from the lint cache" in verbose.out  # lint reads no template
    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8") + "# a comment\n", "utf-8")
    verbose = run(["-v", "lint", "docs"], project)
    assert "0 of 3 file(s) reused from the lint cache" in verbose.out


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    first = lint_json(project, "--no-cache")
    assert not results_path(project).exists()
    lint_json(project)
    results_path(project).write_text("0" * 64 + '\n{"format": 1}\n')
    assert lint_json(project, "--no-cache") == first
    assert results_path(project).read_text().startswith("0" * 64)


def test_a_cache_that_cannot_be_written_is_silent(project: Path) -> None:
    first = lint_json(project, "--no-cache")
    results_path(project).parent.parent.mkdir(parents=True)
    results_path(project).parent.write_text("a file where the cache folder should be")
    assert lint_json(project) == first


def test_lint_outside_a_project_keeps_no_cache(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(DRIFT, "utf-8")
    result = run(["lint", "--facts", str(REPO / "facts.yaml"), "a.md"], tmp_path)
    assert result.code == 1
    assert not (tmp_path / ".cache").exists()


def test_hits_and_misses_are_counted_and_saved_only_when_something_is_new(
    tmp_path: Path, know: Knowledge
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(DRIFT, "utf-8")
    (tmp_path / "docs" / "b.md").write_text(CLEAN, "utf-8")
    path = tmp_path / "results.json"
    salt = salt_for((REPO / "facts.yaml").read_bytes())
    target = [Target(tmp_path / "docs")]

    cold = ResultCache(path, salt)
    fresh = lint_targets(target, know, frozenset(RULES), LintConfig(), cold)
    cold.save()
    assert (cold.hits, cold.misses) == (0, 2)

    warm = ResultCache(path, salt)
    stamp = path.stat().st_mtime_ns
    assert lint_targets(target, know, frozenset(RULES), LintConfig(), warm) == fresh
    warm.save()
    assert (warm.hits, warm.misses) == (2, 0)
    assert path.stat().st_mtime_ns == stamp  # nothing new: not rewritten

    other = ResultCache(path, salt + "x")  # other code or facts: nothing is reused
    assert lint_targets(target, know, frozenset(RULES), LintConfig(), other) == fresh
    assert (other.hits, other.misses) == (0, 2)


def test_decode_reads_bytes_as_text_mode_does(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"one\r\ntwo\rthree\n\xff\xfe bad \xe2\x82 utf-8\r\n\r")
    assert decode(path.read_bytes()) == path.read_text("utf-8", errors="replace")


def test_facts_saved_during_a_run_cannot_pair_one_version_with_the_other(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.lint import command

    facts = project / "facts.yaml"
    saved = facts.read_text("utf-8")
    real_build = command.build_knowledge

    def saved_meanwhile(*args: object) -> object:
        facts.write_text(saved.replace("ip: 192.168.1.48", "ip: 192.168.1.49"), "utf-8")
        return real_build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "build_knowledge", saved_meanwhile)
    lint_json(project)  # judged with the facts as first read, .48
    monkeypatch.undo()
    cached = lint_json(project)  # the facts now hold .49
    assert cached == lint_json(project, "--no-cache")
    assert "192.168.1.48" in {f["literal"] for f in cached[1]}
