"""Hostile trees and input: clear errors, exit 2, nothing written anywhere."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from tests.conftest import run, snapshot


def test_render_refuses_to_write_through_a_symlink_out_of_the_tree(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    shutil.move(project / "docs", outside)
    (project / "docs").symlink_to(outside, target_is_directory=True)
    page = sorted(outside.rglob("*.md"))[0]
    page.write_text("old\n", "utf-8")
    before = snapshot(outside)

    result = run(["render"], project)

    assert result.code == 2
    assert ": error: path resolves to " in result.err
    assert "hint: a symlink leads out of the tree; replace it with a real folder" in result.err
    assert snapshot(outside) == before


def test_render_refuses_to_write_through_a_symlinked_file_out_of_the_tree(
    project: Path, tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs.md"
    theirs.write_bytes(b"not yours\n")
    page = project / "docs" / "index.md"
    page.unlink()
    page.symlink_to(theirs)

    result = run(["render"], project)

    assert result.code == 2
    assert "hint: a symlink leads out of the tree; replace it with a real file" in result.err
    assert theirs.read_bytes() == b"not yours\n"


def test_a_folder_where_an_output_belongs_is_a_clear_error(project: Path) -> None:
    page = project / "docs" / "index.md"
    page.unlink()
    page.mkdir()
    for command in (["render"], ["check"]):
        result = run(command, project)
        assert result.code == 2, command
        assert result.err.startswith(f"{page}: error: "), result.err
        assert "not a regular file" in result.err
        assert "Traceback" not in result.err and "internal error" not in result.err


def test_a_cache_folder_that_is_a_file_is_a_clear_error(project: Path) -> None:
    (project / ".cache").write_text("not a folder\n", "utf-8")
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert ".cache" in result.err and "internal error" not in result.err
    assert snapshot(project) == before


def test_odd_files_in_a_checkout_are_clear_errors_and_never_block(
    project: Path, tmp_path: Path
) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "CLAUDE.md").mkdir()  # a folder where a hand-written file belongs
    (checkout / ".claude").write_text("a file where a folder belongs\n", "utf-8")
    fifo = tmp_path / "fifo-checkout"
    fifo.mkdir()
    os.mkfifo(fifo / "CLAUDE.md")  # reading it would wait for a writer forever
    for root in (checkout, fifo):
        for command in ("check", "sync"):
            result = run([command, "--repo", f"StakTrakrApi={root}"], project)
            assert result.code == 2, (command, root, result)
            assert "internal error" not in result.err
    assert not (checkout / ".claude").is_dir()


class HungError(Exception):
    """Raised by the alarm when a run blocks."""


def test_a_fifo_in_place_of_a_checked_file_does_not_block_the_recorded_proof(
    project: Path, tmp_path: Path
) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    claude = checkout / "CLAUDE.md"
    claude.write_text("# StakTrakrApi\n", "utf-8")
    option = f"StakTrakrApi={checkout}"
    assert run(["sync", "--add-missing", "--repo", option], project).code == 0
    assert run(["check", "--repo", option], project).code == 0  # records a proof
    claude.unlink()
    os.mkfifo(claude)  # reading it would wait for a writer forever

    def hung(signum: int, frame: object) -> None:
        raise HungError  # not an OSError: nothing on the way may take it for a file problem

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        result = run(["check", "--repo", option], project)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.code == 2
    assert "not a regular file" in result.err
