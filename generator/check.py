"""Compare rendered outputs with the files on disk: fresh, stale, missing or orphaned."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from generator.files import read_bytes
from generator.outputs import COPIES_ROOT, NOTICE_MARK, PAGE_ROOTS

if TYPE_CHECKING:
    from generator.render import Rendered
    from generator.report import Reporter


class Finding(NamedTuple):
    """One file that is not as rendering would make it."""

    path: str
    state: str  # "stale", "hand-edited", "missing" or "orphan"
    diff: str = ""


def show_hand_edits(reporter: Reporter, edits: list[tuple[str, str]]) -> None:
    """Print each hand edit: a heading naming the file, then its diff."""
    for heading, diff in edits:
        reporter.line(reporter.paint(heading, "yellow"))
        reporter.diff(diff)


def refuse_hand_edits(reporter: Reporter, edits: list[tuple[str, str]]) -> None:
    """The hand edits, then why nothing is written and the two ways out (render and sync)."""
    show_hand_edits(reporter, edits)
    reporter.line(
        f"refusing to overwrite {len(edits)} hand-edited file(s); nothing written."
        " Move the edit into facts.yaml (or the template), or rerun with --force to discard it."
    )


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff between two versions of a file, as text."""
    before = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    after = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    import difflib  # only for stale files: a clean check never needs it

    lines = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def compare(root: Path, rendered: Iterable[Rendered]) -> list[Finding]:
    """Every generated file that differs from disk, is missing, or is orphaned, sorted by path."""
    rendered = list(rendered)
    findings = [found for item in rendered if (found := _compare_one(root, item))]
    produced = {item.output.path for item in rendered}
    findings.extend(Finding(path, "orphan") for path in find_orphans(root, produced))
    return sorted(findings, key=lambda f: f.path)


def hand_edited(root: Path, rendered: Iterable[Rendered]) -> list[Finding]:
    """The sibling-repo copies whose generated text was edited by hand, with their diffs."""
    found = (_compare_one(root, item, {"hand-edited"}) for item in rendered if item.output.repo)
    return [f for f in found if f]


_ALL_STATES = frozenset({"missing", "stale", "hand-edited"})


def _compare_one(
    root: Path, item: Rendered, states: Collection[str] = _ALL_STATES
) -> Finding | None:
    """How the file on disk differs from the rendered output, if in ``states``; else None.

    The diff is built only for a finding that is returned.
    """
    on_disk = read_bytes(root / item.output.path)
    if on_disk is None:
        return Finding(item.output.path, "missing") if "missing" in states else None
    if on_disk == item.data:
        return None
    state = "hand-edited" if _hand_edited(item, on_disk) else "stale"
    if state not in states:
        return None
    return Finding(item.output.path, state, unified_diff(item.output.path, on_disk, item.data))


def _hand_edited(item: Rendered, on_disk: bytes) -> bool:
    """A sibling-repo copy whose generated text no longer matches the hash it was written with."""
    if not item.output.repo:
        return False
    from generator.blocks import copy_hand_edited

    return copy_hand_edited(on_disk, whole=not item.output.block)


def find_orphans(root: Path, produced: set[str]) -> list[str]:
    """Files that carry the generated notice but that no template produces any more."""
    orphans: list[str] = []
    for folder in (*PAGE_ROOTS, COPIES_ROOT):
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*.md"):
            relative = path.relative_to(root).as_posix()
            if relative in produced:
                continue
            with path.open("rb") as handle:
                head = handle.read(4096)
            # Block copies in repos/ start with their BEGIN marker instead of the notice.
            if NOTICE_MARK.encode() in head or head.startswith(b"<!-- BEGIN GENERATED:"):
                orphans.append(relative)
    return sorted(orphans)
