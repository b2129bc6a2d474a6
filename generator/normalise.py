"""The one wrapper around mdformat, with pinned extensions and options, and its cache."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from generator.cache import read_checked, write_checked
from generator.markdown import in_code_fence

EXTENSIONS = frozenset({"gfm", "tables", "frontmatter", "mkdocs"})
# Compact tables: a changed value rewrites its own row only, not the padding of every row.
OPTIONS = {"wrap": "keep", "number": False, "end_of_line": "lf", "compact_tables": True}


def normalise(markdown: str) -> str:
    """Markdown in its one canonical form; ``normalise(normalise(x)) == normalise(x)``."""
    import mdformat  # imported here: a run served from the cache never needs it

    return str(mdformat.text(markdown, extensions=EXTENSIONS, options=OPTIONS))


def by_section(markdown: str, format_part: Callable[[str], str]) -> str:
    """Format each ``## `` section on its own and join them with one blank line.

    For a long page of independent sections (the fact index): with a cached formatter, a
    changed fact re-formats only its own section. mdformat separates blocks by one blank line,
    so this gives the bytes of formatting the whole page, as long as nothing spans sections
    (a reference-style link defined in another section, say); headings inside fenced code do
    not split.
    """
    parts: list[list[str]] = [[]]
    lines = markdown.splitlines(keepends=True)
    for line, in_code in zip(lines, in_code_fence(lines), strict=True):
        if not in_code and line.startswith("## ") and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    return "\n".join(format_part("".join(part)) for part in parts)


# Every page version ever formatted would stay otherwise: at 3,000 pages, one fact edit
# adds megabytes. An entry's time is its last use, refreshed at most daily.
UNUSED_FOR = 7 * 24 * 3600  # seconds unused before render removes an entry
DAY = 24 * 3600


class CachedNormaliser:
    """``normalise`` behind a content-addressed cache: mdformat is most of a render's time.

    An entry is keyed by the exact input and the installed library versions (``salt``), and
    carries the hash of its text, so a damaged entry is recomputed rather than trusted. Entries
    no run has used for a week are removed by :func:`prune_unused`.
    """

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = f"{salt}\0{sorted(EXTENSIONS)}\0{sorted(OPTIONS.items())}\0".encode()

    def __call__(self, markdown: str) -> str:
        key = hashlib.sha256(self.salt + markdown.encode()).hexdigest()
        path = self.folder / key[:2] / key
        body = read_checked(path)
        if body is not None:
            with contextlib.suppress(UnicodeDecodeError):
                text = body.decode("utf-8")
                _mark_used(path)
                return text
        result = normalise(markdown)
        # Best effort: a check runs without the lock, and a cache it cannot write costs time only.
        with contextlib.suppress(OSError):
            write_checked(path, result.encode("utf-8"))
        return result


def _mark_used(path: Path) -> None:
    """Set an entry's time to now when it is a day old or more: its time is its last use."""
    with contextlib.suppress(OSError):  # best effort, like every cache write
        if time.time() - path.stat().st_mtime >= DAY:
            os.utime(path)


def prune_unused(folder: Path) -> int:
    """Remove the entries of ``folder`` (a CachedNormaliser's) unused for UNUSED_FOR; returns
    how many. At most once a day: the sweep stats every entry. Render calls it under the tree
    lock; a check reading an entry meanwhile only formats that text again."""
    stamp = folder / ".pruned"
    now = time.time()
    try:
        if now - stamp.stat().st_mtime < DAY:
            return 0
    except FileNotFoundError:
        pass
    except OSError:
        return 0
    removed = 0
    try:
        for shard in _entries(folder):
            if shard.is_dir(follow_symlinks=False):
                for entry in _entries(shard.path):
                    removed += _remove_if_unused(entry, now - UNUSED_FOR)
    finally:  # an entry that cannot go must not make every later run sweep again
        with contextlib.suppress(OSError):
            stamp.touch()  # sets the time of a stamp that exists too
    return removed


def _entries(folder: str | Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:  # gone, or unreadable: nothing to sweep there
        return []


def _remove_if_unused(entry: os.DirEntry[str], used_before: float) -> int:
    try:
        if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < used_before:
            Path(entry.path).unlink()
            return 1
    except OSError:  # removed meanwhile, or not ours to remove: the next sweep may
        pass
    return 0
