"""Byte-faithful file I/O: atomic writes that happen only when the bytes change."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from generator.errors import Diagnostic, UnsafePathError, WriteError

TEMP_SUFFIX = ".generator-tmp"


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist.

    Only a regular file is read: a FIFO would block the run, and a folder is an error.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    try:
        return path.read_bytes()
    except FileNotFoundError:  # removed since the stat
        return None


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix."""
    replace_all([(path, data)])


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly it; True when written."""
    return write_all_if_changed([(path, data)]) == [True]


def write_all_if_changed(writes: Sequence[tuple[Path, bytes]]) -> list[bool]:
    """:func:`replace_all` for the files that do not already hold their bytes; True for each
    file written, in order."""
    changed = [read_bytes(path) != data for path, data in writes]
    replace_all([write for write, change in zip(writes, changed, strict=True) if change])
    return changed


# Creating, syncing and renaming a file is mostly waiting on the file system, with the GIL
# released: a few threads overlap those waits (1,500 files: 1.3 s alone, 0.5 s on eight).
WRITER_THREADS = 8
THREADS_FROM = 32  # below this, starting threads costs more than it saves


def replace_all(writes: Sequence[tuple[Path, bytes]]) -> None:
    """Replace every file with its bytes, each atomically, and none when any cannot be staged.

    Each new version is first written and synced to a temp file beside its target; only when
    all of them exist are they renamed into place. So an error while writing (a full disk, a
    read-only folder) replaces nothing: the temp files are removed and the error is raised.
    """
    staged = _stage_all(writes)
    for done, (temp, (path, _)) in enumerate(zip(staged, writes, strict=True)):
        try:
            temp.replace(path)
        except OSError as exc:  # rare once staged: the target became a folder, say
            _remove(staged[done:])
            raise WriteError(
                Diagnostic(
                    str(path),
                    0,
                    0,
                    f"cannot replace: {exc.strerror}; {done} of {len(writes)} file(s) were"
                    " already replaced",
                    "fix the path, then run the command again to write the rest",
                )
            ) from None


def _stage_all(writes: Sequence[tuple[Path, bytes]]) -> list[Path]:
    """A staged temp file per write, in order; when any fails, none is left behind."""
    if len(writes) < THREADS_FROM:
        staged: list[Path] = []
        try:
            for path, data in writes:
                staged.append(_stage(path, data))
        except BaseException:
            _remove(staged)
            raise
        return staged
    from concurrent.futures import ThreadPoolExecutor

    # Leaving the block waits for every write. (Interrupted there, the temp files already
    # written stay behind; the next render or sync removes them under its lock.)
    with ThreadPoolExecutor(WRITER_THREADS) as pool:
        futures = [pool.submit(_stage, path, data) for path, data in writes]
    errors = [error for future in futures if (error := future.exception()) is not None]
    staged = [future.result() for future in futures if future.exception() is None]
    if errors:
        _remove(staged)
        raise errors[0]
    return staged


def _remove(temps: list[Path]) -> None:
    for temp in temps:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _stage(path: Path, data: bytes) -> Path:
    """A synced temp file beside ``path`` holding ``data``, with ``path``'s permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o7777
    import tempfile  # only when writing: a clean check never writes

    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        exc.filename = str(path)  # the target, not a temp name nobody chose
        raise
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(mode if mode is not None else 0o644)
    except BaseException as exc:
        _remove([temp])
        if isinstance(exc, OSError):
            exc.filename = str(path)  # a failed write or fsync names no file at all
        raise
    return temp


def remove_all(paths: Sequence[Path], keep: Sequence[Path]) -> None:
    """Delete each file, then each folder that leaves empty, up to (not including) the
    nearest folder of ``keep`` above it: removing a page removes its emptied section too."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        folder = path.parent
        while folder not in keep and any(folder.is_relative_to(k) for k in keep):
            try:
                folder.rmdir()
            except OSError:  # not empty (or not ours to remove): the folders above are not
                break
            folder = folder.parent


def contained(root: Path, relative: str) -> Path:
    """``root / relative``, refusing ``..``, absolute paths and symlinks that lead outside root."""
    return contained_all(root, [relative])[0]


def contained_all(root: Path, relatives: list[str]) -> list[Path]:
    """:func:`contained` for many paths, resolving each folder once (a site has thousands)."""
    real_root = root.resolve()
    real_folders: dict[Path, Path] = {}
    targets = []
    for relative in relatives:
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
            raise UnsafePathError(
                Diagnostic(
                    relative, 0, 0, "path leaves the tree it is written into", f"root: {root}"
                )
            )
        target = root / relative
        folder = real_folders.get(target.parent)
        if folder is None:
            folder = real_folders[target.parent] = target.parent.resolve()
        # The file itself can be a symlink too; only then does it need resolving on its own.
        linked_file = target.is_symlink()
        real = target.resolve() if linked_file else folder / target.name
        if not real.is_relative_to(real_root):
            kind = "file" if linked_file else "folder"
            raise UnsafePathError(
                Diagnostic(
                    relative,
                    0,
                    0,
                    f"path resolves to {real}, outside {real_root}",
                    f"a symlink leads out of the tree; replace it with a real {kind}",
                )
            )
        targets.append(target)
    return targets


def remove_stale_temps(folders: set[Path], *, recursive: bool = False) -> None:
    """Delete temp files a killed run left behind (call while holding the tree's lock)."""
    for folder in sorted(folders):
        if folder.is_dir():
            found = folder.rglob if recursive else folder.glob
            for leftover in found(f".*{TEMP_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
