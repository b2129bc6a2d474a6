"""Hostile trees and input: clear errors, exit 2, nothing written anywhere."""

from __future__ import annotations

import os
import shutil
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
    assert "hint: a symlink leads out of the tree" in result.err
    assert snapshot(outside) == before


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
