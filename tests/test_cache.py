"""The cache speeds up check but can never change its verdict; the lock keeps writers apart."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import cache
from generator import render as render_module
from generator.errors import WorkerError
from generator.facts import load_facts
from generator.lock import tree_lock
from generator.normalise import prune_unused
from generator.outputs import Output
from generator.project import Project
from generator.render import Rendered
from tests.conftest import REPO, run, snapshot
from tests.test_sync import repo_args, siblings  # noqa: F401 - siblings is a fixture

MANIFEST = Path(".cache/generator/manifest.json")


def _verdicts(project: Path) -> tuple[int, str]:
    result = run(["check"], project)
    return result.code, result.out


def _corrupt(project: Path, how: str) -> None:
    manifest = project / MANIFEST
    if how == "delete":
        manifest.unlink()
    elif how == "garbage":
        manifest.write_bytes(b"\x00not json")
    elif how == "truncate":
        manifest.write_bytes(manifest.read_bytes()[:40])
    elif how == "forge-hash":
        # Claim the hand-edited bytes are what rendering makes, without fixing the checksum.
        # Every recorded hash is set to the file's hash on disk, so that only the checksum line
        # stands between a hand edit and a passing check.
        stamp, _, text = manifest.read_text("utf-8").partition("\n")
        data = json.loads(text)
        for page, entry in data["outputs"].items():
            entry[0] = hashlib.sha256((project / page).read_bytes()).hexdigest()
        manifest.write_text(stamp + "\n" + json.dumps(data, separators=(",", ":")), "utf-8")


@pytest.mark.parametrize("how", ["delete", "garbage", "truncate", "forge-hash"])
def test_a_damaged_cache_never_changes_the_verdict(project: Path, how: str) -> None:
    assert run(["render"], project).code == 0
    assert (project / MANIFEST).is_file()
    clean = _verdicts(project)
    assert clean[0] == 0

    _corrupt(project, how)
    assert _verdicts(project) == clean

    # And with a stale page: same failure, same diff, with or without a damaged cache. (Its
    # last line cut: an added line would be a hand edit, which only the manifest, the record
    # of what render wrote here, can tell; without it the page is only stale, still failing.)
    page = sorted((project / "docs").rglob("*.md"))[0]
    page.write_text(page.read_text("utf-8").rstrip("\n").rsplit("\n", 1)[0] + "\n", "utf-8")
    stale = _verdicts(project)
    assert stale[0] == 1
    if (project / MANIFEST).exists():
        _corrupt(project, how)
    assert _verdicts(project) == stale


def test_any_input_change_bypasses_the_cache(project: Path) -> None:
    assert run(["render"], project).code == 0
    template = project / "templates" / "docs" / "home-poller.md.j2"
    template.write_text(template.read_text("utf-8") + "\nA new closing line.\n", "utf-8")
    result = run(["check"], project)
    assert result.code == 1
    assert "+A new closing line." in result.out


def test_a_second_writer_is_refused_with_a_clear_message(project: Path) -> None:
    assert run(["render"], project).code == 0
    template = project / "templates" / "docs" / "home-poller.md.j2"
    template.write_text(template.read_text("utf-8") + "\nA new closing line.\n", "utf-8")
    before = snapshot(project)
    with tree_lock(project):
        result = run(["render"], project)
    assert result.code == 2
    assert "another render or sync is writing to" in result.err
    assert "wait for it to finish, then run render again" in result.err
    assert snapshot(project) == before
    assert run(["render"], project).code == 0


def test_a_render_in_another_process_holding_the_lock_refuses_this_one(project: Path) -> None:
    """Two real processes: the lock is the kernel's, not one process's bookkeeping, and it
    goes with the process that held it."""
    assert run(["render"], project).code == 0
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(project)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_THIS_TREE,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            result = run(["render"], project)
            assert result.code == 2
            assert "another render or sync is writing to" in result.err
        finally:
            holder.kill()  # no clean release: the kernel drops the lock of a killed process
    assert run(["render"], project).code == 0


_HOLD_LOCK = """
import sys
from pathlib import Path
from generator.lock import tree_lock
with tree_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


# Each edit changes facts a different way: a value, a list's length, a mapping's keys.
EDITS = {
    "a value": ("port: 8889", "port: 8890"),
    # At the end: no item a page read before changes, only the list's length.
    "an item added to a list": (
        "    step: pull\n    folder: scraper\n",
        "    step: pull\n    folder: scraper\n  - actor: this_mac\n    step: merge\n",
    ),
    "an item removed from a list": ("  - hop: Bullion dealer sites\n", ""),
    "a record added to a mapping": (
        "hosts:\n",
        "hosts:\n  spare_vm:\n    name: Spare VM\n    kind: vm\n    role: standby\n"
        "    services: {}\n",
    ),
    # Only the fact index shows these: a record's own source, the order of its keys, and a
    # key no page reads.
    "a record's own source": (
        '    source: "API Pipeline Audit: Three data feeds"\n',
        '    source: "Checked against the feed itself"\n',
    ),
    "two keys swapped": (
        "    name: Docker spot-poller container\n    kind: docker-container\n",
        "    kind: docker-container\n    name: Docker spot-poller container\n",
    ),
    "a key no page reads": (
        "    name: spot-history-YYYY.json\n",
        "    name: spot-history-YYYY.json\n    aliases: [spot history seed]\n",
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_incremental_render_gives_the_bytes_of_a_full_render(project: Path, edit: str) -> None:
    assert run(["render"], project).code == 0
    facts = project / "facts.yaml"
    old, new = EDITS[edit]
    assert old in facts.read_text("utf-8")
    facts.write_text(facts.read_text("utf-8").replace(old, new, 1), "utf-8")

    incremental = run(["render", "--verbose"], project)
    assert incremental.code == 0, incremental.err
    reused = next(line for line in incremental.out.splitlines() if "reused from the cache" in line)
    assert not reused.startswith("0 of"), reused
    assert "files written" in incremental.out  # the edit shows on some page

    shutil.rmtree(project / ".cache")
    from_scratch = run(["render"], project)
    assert from_scratch.code == 0
    assert "nothing written" in from_scratch.out, from_scratch.out


def test_format_and_template_caches_are_keyed_by_the_generators_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["render"], project).code == 0
    folder = project / ".cache" / "generator"
    formatted = {p.name for p in _formatted_entries(project)}
    assert formatted
    # As after an upgrade of the generator (its source digest is what changes).
    monkeypatch.setattr(cache, "source_digest", lambda: "f" * 64)
    assert run(["render"], project).out.endswith("nothing written\n")
    again = {p.name for p in _formatted_entries(project)}
    assert len(again - formatted) == len(formatted)  # nothing formatted before was reused
    assert [p.name for p in (folder / "templates").iterdir()] == ["f" * 16]  # old code's gone


def _formatted_entries(project: Path) -> list[Path]:
    """The formatted-text cache's entries (files in its two-character shards)."""
    return sorted((project / ".cache" / "generator" / "formatted").glob("??/*"))


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 24 * 3600
    os.utime(path, (then, then))


def test_render_removes_formatted_text_unused_for_a_week(project: Path) -> None:
    assert run(["render"], project).code == 0
    used = _formatted_entries(project)
    stale = used[0].parent / ("0" * 64)  # the text of a page version no render makes now
    cache.write_checked(stale, b"# old\n")
    stamp = project / ".cache" / "generator" / "formatted" / ".pruned"
    for entry in [*used, stale, stamp]:  # the stamp: the last sweep was a week ago too
        _age(entry, 8)
    (project / MANIFEST).unlink()  # so that render formats every page again: each a hit

    assert run(["render"], project).out.endswith("nothing written\n")
    assert _formatted_entries(project) == used  # the hits were marked used; the rest went

    # At most one sweep a day: an entry that turns stale meanwhile stays until the next.
    cache.write_checked(stale, b"# old\n")
    _age(stale, 8)
    (project / MANIFEST).unlink()
    assert run(["render"], project).code == 0
    assert stale.exists()
    _age(stamp, 1.5)
    assert "nothing rendered" in run(["render", "-v"], project).out  # proven fresh: no sweep
    assert stale.exists()
    (project / MANIFEST).unlink()
    assert run(["render"], project).code == 0
    assert not stale.exists()
    assert run(["check"], project).code == 0


def test_an_entry_that_cannot_be_removed_stops_neither_the_sweep_nor_its_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [tmp_path / shard / (shard * 32) for shard in ("aa", "bb", "cc")]
    for entry in entries:
        cache.write_checked(entry, b"# old\n")
        _age(entry, 8)
    unlink = Path.unlink

    def refuse_the_first(path: Path, missing_ok: bool = False) -> None:
        if path.name == entries[0].name:
            raise PermissionError(1, "Operation not permitted", str(path))
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse_the_first)
    assert prune_unused(tmp_path) == 2
    assert [e.exists() for e in entries] == [True, False, False]
    assert (tmp_path / ".pruned").exists()  # so the next runs do not sweep again today


def test_damaged_formatting_and_template_caches_are_recomputed(project: Path) -> None:
    assert run(["render"], project).code == 0
    clean = _verdicts(project)
    entries = [p for p in (project / ".cache" / "generator").rglob("*") if p.is_file()]
    assert any("formatted" in p.parts for p in entries)
    for entry in entries:
        if entry.name != "write.lock":
            entry.write_bytes(entry.read_bytes()[::-1])  # every cache file garbled
    assert _verdicts(project) == clean
    assert run(["render"], project).out.endswith("nothing written\n")


def _many_pages(project: Path) -> render_module.Renderer:
    """A renderer for the project with its pages copied six times: enough to go parallel."""
    pages = project / "templates" / "docs"
    for i in range(6):
        shutil.copytree(
            pages,
            pages / f"copy{i}",
            ignore=shutil.ignore_patterns("copy*", "reference", "facts-index*"),
        )
    loaded = load_facts(project / "facts.yaml")
    renderer = render_module.Renderer(Project(project, project / "facts.yaml"), loaded)
    assert len(renderer.outputs) >= render_module.PARALLEL_FROM
    return renderer


needs_cores = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"), reason="parallel only on 2+ cores"
)
_REAL_RENDER_IN_WORKER = render_module._render_in_worker


# Stand-ins for the worker function, at module level so that the pool can pickle them by name.
def _render_noting_the_process(output: Output) -> Rendered:
    with Path(os.environ["TEST_WORKER_PIDS"]).open("a") as pids:
        pids.write(f"{os.getpid()}\n")
    return _REAL_RENDER_IN_WORKER(output)


def _render_dying_on_one_page(output: Output) -> Rendered:
    if output.path.endswith("copy2/index.md"):
        os._exit(9)  # as a worker the OOM killer took
    return _REAL_RENDER_IN_WORKER(output)


@needs_cores
def test_many_outputs_render_in_parallel_to_the_same_bytes(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = _many_pages(project)
    pages = project / "templates" / "docs"
    pids = tmp_path / "pids"
    monkeypatch.setenv("TEST_WORKER_PIDS", str(pids))
    monkeypatch.setattr(render_module, "_render_in_worker", _render_noting_the_process)
    in_parallel = renderer.render_all()
    workers = set(pids.read_text().split())
    assert workers and str(os.getpid()) not in workers  # worker processes rendered them
    serial = [renderer.render(o) for o in renderer.outputs if o.path != "docs/facts-index.md"]
    by_path = {r.output.path: r for r in in_parallel}
    assert all(by_path[r.output.path] == r for r in serial)

    broken = pages / "copy3" / "index.md.j2"
    broken.write_text("{{ facts.hosts.nowhere }}\n", "utf-8")
    result = run(["render"], project)
    assert result.code == 2
    assert result.err.startswith("templates/docs/copy3/index.md.j2:1: error: ")


@needs_cores
def test_a_render_worker_that_dies_is_an_error_not_a_hang(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = _many_pages(project)
    monkeypatch.setattr(render_module, "_render_in_worker", _render_dying_on_one_page)

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the render waited for a dead worker")

    previous = signal.signal(signal.SIGALRM, hung)  # a hang fails this test, not the suite
    signal.alarm(60)
    try:
        with pytest.raises(WorkerError, match="a rendering process died"):
            renderer.render_all()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_commands_that_only_read_work_when_the_cache_cannot_be_written(project: Path) -> None:
    assert run(["render"], project).code == 0
    shutil.rmtree(project / ".cache")
    (project / ".cache").write_text("a file where the cache folder should be\n", "utf-8")
    before = snapshot(project)

    assert run(["check"], project).code == 0
    where = run(["where", "hosts.home_vm.ip"], project)
    assert where.code == 0, where.err
    assert "docs/home-poller.md:" in where.out
    assert snapshot(project) == before


def test_render_of_a_tree_the_cache_proves_fresh_renders_nothing(project: Path) -> None:
    assert run(["render"], project).code == 0
    again = run(["render", "--verbose"], project)
    assert "the cache proves every output current: nothing rendered" in again.out
    assert again.out.endswith("nothing written\n")

    page = project / "docs" / "home-poller.md"
    page.write_text(page.read_text("utf-8") + "edited\n", "utf-8")
    refused = run(["render", "--verbose"], project)
    assert "nothing rendered" not in refused.out
    assert "docs/home-poller.md: hand-edited" in refused.out
    repaired = run(["render", "--force", "--verbose"], project)
    assert "wrote docs/home-poller.md" in repaired.out
    assert run(["check"], project).code == 0


# What a check the cache proves clean must not import: the renderer's libraries, and the
# standard modules that were most of its start-up (dataclasses brings inspect and ast;
# argparse imports shutil for each option added, unless given a width).
_NOT_ON_THE_FAST_PATH = ("jinja2", "yaml", "mdformat", "markdown_it", "dataclasses", "shutil")
_IMPORTED_BY_CHECK = """
import json, sys
from generator.cli import main
code = main(["check", "-q", *json.loads(sys.argv[1])])
print(code, *sorted(set(sys.modules) & set(sys.argv[2:])))
"""


def _check_imports(project: Path, *options: str) -> list[str]:
    """The exit code of a check (with ``options``) in a fresh interpreter, then which of those
    modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BY_CHECK, json.dumps(options), *_NOT_ON_THE_FAST_PATH],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=_THIS_TREE,
    )
    return done.stdout.split()


# The generator under test, whatever checkout the environment's install points at.
_THIS_TREE = {**os.environ, "PYTHONPATH": str(REPO)}


def test_a_clean_check_imports_only_what_it_needs(project: Path) -> None:
    # Rendered in a fresh interpreter too: this one's memoised source digest may predate an edit.
    render = [sys.executable, "-m", "generator", "render", "-q"]
    subprocess.run(render, cwd=project, check=True, env=_THIS_TREE)
    assert _check_imports(project) == ["0"]
    # Without the cache's proof, check renders: the same probe sees the libraries loaded.
    shutil.rmtree(project / ".cache")
    code, *loaded = _check_imports(project)
    assert code == "0" and {"jinja2", "yaml", "mdformat"} <= set(loaded)


def test_a_clean_check_of_sibling_checkouts_imports_only_what_it_needs(
    project: Path,
    siblings: dict[str, Path],  # noqa: F811 - the fixture imported above
) -> None:
    """As above, with --repo: checking the options first must not load the facts machinery."""
    checkouts = repo_args(siblings)
    assert run(["sync", *checkouts], project).code == 0
    subprocess.run(
        [sys.executable, "-m", "generator", "check", "-q", *checkouts],
        cwd=project,
        check=True,
        env=_THIS_TREE,
    )  # a clean check --repo records its proof
    assert _check_imports(project, *checkouts) == ["0"]


def test_a_target_entry_digest_follows_its_own_entry_only(project: Path) -> None:
    """What the sibling-repo targets give templates comes from facts.yaml's targets section."""
    from generator.facts import load_facts
    from generator.reuse import ValueDigests

    facts = project / "facts.yaml"
    before = ValueDigests(load_facts(facts).facts.raw)
    keys = ["targets.staktrakr.0.path", "targets.staktrakr.0.blocks", "targets.staktrakr"]
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("memory_mb: 4096", "memory_mb: 8192", 1), "utf-8")
    other_fact = ValueDigests(load_facts(facts).facts.raw)
    assert [other_fact(k) for k in keys] == [before(k) for k in keys]

    facts.write_text(text.replace("- path: CLAUDE.md", "- path: CLAUDE.local.md", 1), "utf-8")
    own_entry = ValueDigests(load_facts(facts).facts.raw)
    assert own_entry(keys[0]) != before(keys[0])
    assert own_entry(keys[1]) == before(keys[1])


def test_facts_saved_during_a_render_cannot_pair_one_version_with_the_other(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["render"], project).code == 0
    facts = project / "facts.yaml"
    saved = facts.read_text("utf-8")
    a = saved.replace("port: 8889", "port: 8891")
    b = saved.replace("port: 8889", "port: 8892")
    facts.write_text(a, "utf-8")
    real_load = cache.load

    def saved_meanwhile(root: Path) -> cache.Manifest | None:
        facts.write_text(b, "utf-8")  # an editor saves B after the render digested A
        return real_load(root)

    monkeypatch.setattr(cache, "load", saved_meanwhile)
    assert run(["render"], project).code == 0
    monkeypatch.undo()

    facts.write_text(a, "utf-8")
    cached = _verdicts(project)
    shutil.rmtree(project / ".cache")
    assert cached == _verdicts(project)  # the cache says what a run without it says


def test_a_template_saved_during_a_render_cannot_pair_one_version_with_the_other(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["render"], project).code == 0
    shutil.rmtree(project / ".cache")  # so that the render below renders
    template = project / "templates" / "docs" / "home-poller.md.j2"
    saved = template.read_text("utf-8")
    real_load = cache.load

    def saved_meanwhile(root: Path) -> cache.Manifest | None:
        template.write_text(saved + "\nAn edit saved after the render digested the template.\n")
        return real_load(root)

    monkeypatch.setattr(cache, "load", saved_meanwhile)
    assert run(["render"], project).code == 0
    monkeypatch.undo()

    template.write_text(saved, "utf-8")  # as a git checkout puts it back
    cached = _verdicts(project)
    shutil.rmtree(project / ".cache")
    assert cached == _verdicts(project)  # the cache says what a run without it says
