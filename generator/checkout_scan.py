"""The files of a sibling checkout that may hold what no target puts there any more (orphans).

Looked at: the checkout's Markdown files as lint finds them (in a git checkout, what git tracks
plus untracked files it does not ignore; elsewhere a walk that honours .gitignore). A file is
the generator's own when its first line (after any front matter) is the notice sync writes on
a whole file, naming a template under ``templates/repos/files/``; a file with anything like a
marker may hold managed blocks. Target paths are planned on their own, not here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.blocks import may_hold_blocks
from generator.check import notice_template
from generator.files import read_bytes
from generator.outputs import NOTICE_MARK
from generator.targets import FILE_TEMPLATES

_WHOLE_FILE_TEMPLATES = f"templates/{FILE_TEMPLATES}/"
_NOTICE_BYTES = NOTICE_MARK.encode()


@dataclass(frozen=True)
class Scanned:
    """One Markdown file of a checkout that no target names, as read."""

    relative: str  # posix, as listed
    path: Path  # resolved, inside the checkout
    data: bytes
    whole: bool  # sync wrote it whole: the generator's own file
    marked: bool  # not whole, but may hold managed blocks


def scan(
    root: Path, listed: Sequence[str], targeted: Collection[Path], owned: Sequence[Path]
) -> Iterator[Scanned]:
    """Each listed file that is not a target, read once. ``listed`` is what
    :func:`generator.lint.discover.markdown_files` lists in the checkout.

    ``root`` is resolved; ``targeted`` are the resolved target paths, and ``owned`` resolved
    folders that are never looked into (this project's own outputs, when the checkout holds
    them: render owns those). A symlink is skipped: the file it leads to is judged under its
    own name when it is in the checkout, and is none of the checkout's business otherwise.
    """
    for relative in listed:
        link = root / relative
        if link.is_symlink():
            continue
        path = link.resolve()  # a folder on the way may be a link
        if not path.is_relative_to(root) or path in targeted:
            continue
        if any(path.is_relative_to(folder) for folder in owned):
            continue
        data = read_bytes(path)
        if data is None:  # removed since it was listed
            continue
        whole = _NOTICE_BYTES in data and _written_whole(data)
        yield Scanned(relative, path, data, whole, not whole and may_hold_blocks(data))


def _written_whole(data: bytes) -> bool:
    """Whether sync wrote this file whole (not a wiki page: those carry another notice)."""
    template = notice_template(data)
    return template is not None and template.startswith(_WHOLE_FILE_TEMPLATES)
