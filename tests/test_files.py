"""Batch writes: what render does with hundreds of changed files at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.files import TEMP_SUFFIX, THREADS_FROM, write_all_if_changed


def _leftover_temps(root: Path) -> list[Path]:
    return sorted(root.rglob(f"*{TEMP_SUFFIX}"))


def test_many_writes_report_in_order_which_files_changed(tmp_path: Path) -> None:
    count = THREADS_FROM * 3  # enough to go through the threads
    writes = []
    for i in range(count):
        path = tmp_path / f"folder{i % 5}" / f"page{i}.md"
        data = f"page {i}\n".encode()
        path.parent.mkdir(parents=True, exist_ok=True)
        if i % 3 == 0:  # already current: must not be rewritten
            path.write_bytes(data)
        elif i % 3 == 1:  # an older version with its own mode: replaced, mode kept
            path.write_bytes(b"old\n")
            path.chmod(0o640)
        writes.append((path, data))

    written = write_all_if_changed(writes)

    assert written == [i % 3 != 0 for i in range(count)]
    for path, data in writes:
        assert path.read_bytes() == data
    assert (tmp_path / "folder1" / "page1.md").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "folder2" / "page2.md").stat().st_mode & 0o777 == 0o644  # a new file
    assert _leftover_temps(tmp_path) == []
    assert write_all_if_changed(writes) == [False] * count


@pytest.mark.parametrize("count", [3, THREADS_FROM * 2], ids=["few", "threaded"])
def test_a_write_that_fails_replaces_nothing(tmp_path: Path, count: int) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder is needed\n")
    writes = [(tmp_path / f"page{i}.md", b"new\n" * 1000) for i in range(count)]
    for path, _ in writes:
        path.write_bytes(b"old\n")
    writes.insert(count // 2, (blocker / "page.md", b"cannot be written\n"))

    with pytest.raises(OSError):
        write_all_if_changed(writes)

    for path, _ in writes:
        if path.parent != blocker:
            assert path.read_bytes() == b"old\n"  # staged, never renamed into place
    assert blocker.read_text() == "a file where a folder is needed\n"
    assert _leftover_temps(tmp_path) == []
