"""Hostile trees and input: clear errors, exit 2, nothing written anywhere."""

from __future__ import annotations

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
