"""Batch writes: what render does with hundreds of changed files at once."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from generator import files
from generator.errors import WriteError
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


def test_a_threaded_write_that_fails_replaces_nothing_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = [(tmp_path / f"page{i}.md", b"new\n") for i in range(THREADS_FROM * 2)]
    for path, _ in writes:
        path.write_bytes(b"old\n")
    real_stage = files._stage

    def full_disk_for_one(path: Path, data: bytes) -> Path:
        if path.name == "page40.md":  # a fault injected into the real file system
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_stage(path, data)

    monkeypatch.setattr(files, "_stage", full_disk_for_one)
    with pytest.raises(OSError, match="No space left"):
        write_all_if_changed(writes)
    assert all(path.read_bytes() == b"old\n" for path, _ in writes)
    assert _leftover_temps(tmp_path) == []


def test_a_write_error_names_the_file_it_was_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "page.md"

    def fsync_fails(fd: int) -> None:
        raise OSError(errno.EFBIG, "File too large")  # as the kernel says it: no file name

    monkeypatch.setattr(os, "fsync", fsync_fails)
    with pytest.raises(OSError) as caught:
        write_all_if_changed([(target, b"data\n")])
    assert caught.value.filename == str(target)
    assert _leftover_temps(tmp_path) == []


def test_a_rename_that_fails_says_what_was_replaced_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = [(tmp_path / f"page{i}.md", b"new\n") for i in range(3)]
    real_stage_all = files._stage_all

    def becomes_a_folder(batch: list[tuple[Path, bytes]]) -> list[Path]:
        staged = real_stage_all(batch)
        (tmp_path / "page1.md").mkdir()  # after staging, before the renames
        (tmp_path / "page1.md" / "keep").write_text("x")
        return staged

    monkeypatch.setattr(files, "_stage_all", becomes_a_folder)
    with pytest.raises(WriteError) as caught:
        write_all_if_changed(writes)
    assert "1 of 3 file(s) were already replaced" in caught.value.format()
    assert caught.value.diagnostics[0].path == str(tmp_path / "page1.md")
    assert _leftover_temps(tmp_path) == []
