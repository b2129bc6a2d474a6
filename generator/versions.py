"""The versions of a generated file known not to be hand edits: the one the last render in this
tree wrote (its manifest), and the ones git holds for it (its index, each side of a merge).

A page carries no hash of itself (one would change on every render, so any two branches that
both rendered it would conflict on that line); these records take its place.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.cache import Manifest


class KnownVersions:
    """Looked up lazily: a run with nothing to judge reads neither record."""

    def __init__(self, root: Path, manifest: Manifest | None = None) -> None:
        """``manifest``: the one the caller has loaded already, if any (else read on first use)."""
        self.root = root
        self._written = None if manifest is None else _shas(manifest)
        self._git: dict[str, set[str]] | None = None

    def known(self, path: str, data: bytes) -> bool:
        """Whether ``data`` is a version of ``path`` (relative to the root) that a render here
        wrote or that git holds, switching branches or merging say. True when neither record
        exists (no render here yet, no git): with nothing to tell an edit by, none is assumed.
        The manifest is asked first: git runs only for a file the last render did not write."""
        from generator.cache import file_sha

        written = self.written.get(path)
        if written is not None and file_sha(data) == written:
            return True
        blobs = self.git_blobs.get(path)
        if blobs is None:
            return written is None
        return git_blob_id(data) in blobs

    @property
    def written(self) -> dict[str, str]:
        if self._written is None:
            from generator import cache

            manifest = cache.load(self.root)
            self._written = {} if manifest is None else _shas(manifest)
        return self._written

    @property
    def git_blobs(self) -> dict[str, set[str]]:
        if self._git is None:
            self._git = _index_blobs(self.root)
        return self._git


def _shas(manifest: Manifest) -> dict[str, str]:
    return {path: sha for path, (sha, _) in manifest.outputs.items()}


def git_blob_id(data: bytes) -> str:
    """The object id git gives a file of these bytes (with no filter applied)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _index_blobs(root: Path) -> dict[str, set[str]]:
    """Path (relative to ``root``) -> the blob ids git's index holds for it: one, or during a
    merge that stopped on a conflict, the common version and both sides. Empty outside git."""
    import subprocess  # only when a file differs from its render: a clean check never runs git

    try:
        done = subprocess.run(
            ["git", "ls-files", "--stage", "-z"], cwd=root, capture_output=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0:
        return {}
    found: dict[str, set[str]] = {}
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if path and len(fields) == 3:
            found.setdefault(path, set()).add(fields[1])
    return found
