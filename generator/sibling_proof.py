"""A recorded proof that sibling checkouts are fresh, so that `check --repo` can skip rendering.

After a `check --repo` that found nothing, this records the inputs digest (facts, templates,
the generator's code and libraries), the options as given and the working folder, and for every
file the check read: where it resolved to and the hash of its bytes (or that it was absent).
A checkout folder is recorded with the list of its Markdown files, which the check scanned for
orphans (each of them is recorded as a file too). A later check with the same inputs and options
that finds every file resolving to the same place with the same bytes, and every checkout listing
the same Markdown files, would read exactly what the recorded check read, and so find nothing
again: it reports the checkouts fresh without loading facts or rendering. Anything else (a
changed file, a new symlink, other options, a damaged record) means a full check.

Standard library only (and lint's file discovery, which is): this runs before the heavy modules
are imported.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator import cache
from generator.files import read_bytes

FORMAT = 2  # 2: a folder's state holds the list of its Markdown files
KEPT = 16  # proofs kept, most recent first: one per set of options a team runs
ABSENT = "-"
FOLDER = "/"


def _path(root: Path) -> Path:
    return cache.cache_dir(root) / "checkouts.json"


def _key(inputs: str, options: Sequence[str]) -> str:
    text = "\0".join([f"checkouts {FORMAT}", inputs, str(Path.cwd()), *options])
    return cache.file_sha(text.encode())


def _state(path: Path) -> tuple[str, str]:
    """Where ``path`` resolves to, and the sha256 of its bytes (or that it is absent, a folder)."""
    if path.is_dir():
        from generator.lint.discover import markdown_files

        return folder_state(path, markdown_files(path))
    # Regular files only (a FIFO would block); anything odd raises, and fresh() says no.
    return file_state(path, read_bytes(path))


def folder_state(path: Path, listed: Sequence[str]) -> tuple[str, str]:
    """The state a checkout folder is recorded with: where it resolves, and a digest of the
    Markdown files it lists (lint's discover.markdown_files), so that a new file shows."""
    listing = cache.file_sha("\0".join(listed).encode("utf-8", errors="surrogateescape"))
    return str(path.resolve()), FOLDER + listing


def file_state(path: Path, data: bytes | None) -> tuple[str, str]:
    """The state a file is recorded with, from the bytes a check read (None: absent)."""
    return str(path.resolve()), ABSENT if data is None else cache.file_sha(data)


def _load(root: Path) -> dict[str, Any]:
    body = cache.read_checked(_path(root))
    if body is None:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    proofs = data.get("proofs")
    return proofs if isinstance(proofs, dict) else {}


def fresh(root: Path, inputs: str, options: Sequence[str]) -> int | None:
    """The number of fresh generated files when a recorded proof still holds, else None."""
    proof: Any = _load(root).get(_key(inputs, options))
    try:
        files = proof["files"]
        for given, resolved, sha in files:
            if _state(Path(given)) != (resolved, sha):
                return None
        count = proof["fresh"]
        return count if isinstance(count, int) else None
    except (KeyError, TypeError, ValueError, OSError):
        return None


def record(
    root: Path,
    inputs: str,
    options: Sequence[str],
    files: Mapping[Path, tuple[str, str]],
    fresh_count: int,
) -> None:
    """Record that checking with ``options`` found nothing, having read ``files``.

    ``files`` are named as the check reached them (checkout folder as given, then the path in
    it), checkout folders included, so that a moved symlink or folder shows on the next run;
    each with the state the check saw (:func:`file_state` of the bytes it judged), never a
    later reading, which a save in between would pass off as checked.

    Best effort: a proof that cannot be written costs the next check time only.
    """
    with contextlib.suppress(OSError):  # a cache folder unwritable
        entry = {
            "fresh": fresh_count,
            "files": [[str(path), *files[path]] for path in sorted(files)],
        }
        kept = {_key(inputs, options): entry}
        for key, other in _load(root).items():
            if len(kept) >= KEPT:
                break
            kept.setdefault(key, other)
        body = json.dumps({"format": FORMAT, "proofs": kept}, separators=(",", ":")).encode()
        cache.write_checked(_path(root), body)
