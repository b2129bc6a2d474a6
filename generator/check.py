"""Compare rendered outputs with the files on disk: fresh, stale, hand-edited, missing, orphan."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from generator.files import read_bytes
from generator.outputs import COPIES_ROOT, GENERATED_ROOTS, NOTICE_MARK
from generator.versions import KnownVersions

if TYPE_CHECKING:
    from generator.render import Rendered
    from generator.report import Reporter


class Finding(NamedTuple):
    """One file that is not as rendering would make it."""

    path: str
    # "stale", "hand-edited", "hand-written", "missing", "orphan" or "hand-edited orphan"
    state: str
    diff: str = ""


# States a render does not overwrite (or remove) without --force: the text was written by hand.
BY_HAND = frozenset({"hand-edited", "hand-written", "hand-edited orphan"})
_BLOCK_COPY_START = b"<!-- BEGIN GENERATED:"  # a block copy in repos/ starts with its marker
# The notice as render and sync write it, naming its template in brackets.
_NOTICE_LINE = re.compile(rf"<!-- {re.escape(NOTICE_MARK)} \((?P<template>[^)\n]*)\)[^\n]*-->")


def carries_notice(data: bytes) -> bool:
    """Whether the generator wrote this file: its first line (after any front matter) is the
    generated notice, or it is a block copy starting with its BEGIN marker. Only there: a
    hand-written page may quote the notice's words, and render must not take it for its own."""
    return data.startswith(_BLOCK_COPY_START) or notice_template(data) is not None


def notice_template(data: bytes) -> str | None:
    """The template the generated notice names (``templates/...``) when the file's first line,
    after any front matter, is that notice; else None."""
    from generator.markdown import split_front_matter  # a clean check never gets here

    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff").replace("\r\n", "\n")
    _, body = split_front_matter(text)
    found = _NOTICE_LINE.fullmatch(body.partition("\n")[0])
    return found.group("template") if found else None


def show_hand_edits(reporter: Reporter, edits: list[tuple[str, str]]) -> None:
    """Print each hand edit: a heading naming the file, then its diff."""
    for heading, diff in edits:
        reporter.line(reporter.paint(heading, "yellow"))
        reporter.diff(diff)


def refuse_hand_edits(
    reporter: Reporter, edits: list[tuple[str, str]], kind: str = "hand-edited"
) -> None:
    """The hand edits, then why nothing is written and the two ways out (render and sync)."""
    show_hand_edits(reporter, edits)
    reporter.line(
        f"refusing to overwrite {len(edits)} {kind} file(s); nothing written."
        " Move the edit into facts.yaml (or the template), or rerun with --force to discard it."
    )


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff between two versions of a file, as text."""
    before = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    after = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    import difflib  # only for stale files: a clean check never needs it

    # git's a/ and b/ prefixes for a path in the project; a checkout's absolute path as it is.
    old_name, new_name = (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")
    lines = difflib.unified_diff(before, after, old_name, new_name)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def compare(
    root: Path, rendered: Iterable[Rendered], versions: KnownVersions | None = None
) -> list[Finding]:
    """Every generated file that differs from disk, is missing, or is orphaned, sorted by path.

    ``versions`` tells a hand edit from a stale page (read from the tree when not given)."""
    rendered = list(rendered)
    versions = versions or KnownVersions(root)
    findings = [found for item in rendered if (found := _compare_one(root, item, versions))]
    produced = {item.output.path for item in rendered}
    orphans = find_orphans(root, produced)
    kept = {f.path for f in hand_edited_orphans(root, orphans, versions)}  # render keeps these
    findings.extend(
        Finding(path, "hand-edited orphan" if path in kept else "orphan") for path in orphans
    )
    return sorted(findings, key=lambda f: f.path)


def hand_edited(root: Path, rendered: Iterable[Rendered], versions: KnownVersions) -> list[Finding]:
    """The files a render must not overwrite: generated files (pages and sibling-repo copies)
    whose text was edited by hand, and files without the generated notice where an output goes
    (a hand-written page that a new template would replace)."""
    found = (_compare_one(root, item, versions, BY_HAND) for item in rendered)
    return [f for f in found if f]


_ALL_STATES = frozenset({"missing", "stale", *BY_HAND})


def _compare_one(
    root: Path,
    item: Rendered,
    versions: KnownVersions,
    states: Collection[str] = _ALL_STATES,
) -> Finding | None:
    """How the file on disk differs from the rendered output, if in ``states``; else None.

    The diff is built only for a finding that is returned.
    """
    on_disk = read_bytes(root / item.output.path)
    if on_disk is None:
        return Finding(item.output.path, "missing") if "missing" in states else None
    if on_disk == item.data:
        return None
    state = _difference(item, on_disk, versions)
    if state not in states:
        return None
    if state == "hand-written":
        return Finding(item.output.path, state)  # all of it would go: a diff tells nothing
    if on_disk.replace(b"\r\n", b"\n") == item.data:
        return Finding(item.output.path, state, _LINE_ENDINGS)
    return Finding(item.output.path, state, unified_diff(item.output.path, on_disk, item.data))


# A diff of identical-looking lines would hide this; git's core.autocrlf is the usual cause.
_LINE_ENDINGS = (
    "only the line endings differ: the file has CRLF, generated files have LF"
    " (this repo's .gitattributes keeps them LF on checkout; render rewrites them)\n"
)


def _difference(item: Rendered, on_disk: bytes, versions: KnownVersions) -> str:
    """Why a file on disk differs from its output: "stale", or the file was made by hand.

    A sibling-repo copy records a hash of its generated text (a sibling repo keeps no record
    of ours); a page is the generator's as long as it is a version a render here wrote or git
    holds (see versions.py). Either way, a file is called edited only when replacing it would
    lose a line: what git merged from two renders holds only lines this render writes too,
    and a conflict git left in it is resolved by rendering.
    """
    if item.output.repo:
        from generator.blocks import copy_hand_edited

        edited = copy_hand_edited(on_disk, whole=not item.output.block)
    elif not carries_notice(on_disk):
        return "hand-written"
    else:
        edited = not versions.known(item.output.path, on_disk)
    if not edited or _GIT_CONFLICT.search(on_disk):
        return "stale"
    return "hand-edited" if _would_lose_text(on_disk, item.data) else "stale"


def _would_lose_text(on_disk: bytes, output: bytes) -> bool:
    """Whether the file holds a line of text that ``output`` does not: one a render would drop.
    The generator's own marker lines do not count (their hashes change with every edit)."""
    kept = set(output.decode("utf-8", "replace").splitlines())
    return any(
        line.strip() and line not in kept and not _MARKER_LINE.search(line)
        for line in on_disk.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()
    )


# The lines git writes around the two sides of a conflict it could not merge.
_GIT_CONFLICT = re.compile(rb"^(?:<{7} |={7}\r?$|>{7} )", re.MULTILINE)
_MARKER_LINE = re.compile(rf"<!--\s*(?:{re.escape(NOTICE_MARK)}|(?:BEGIN|END) GENERATED:)")


def hand_edited_orphans(
    root: Path, orphans: Iterable[str], versions: KnownVersions
) -> list[Finding]:
    """Orphans (pages or sibling-repo copies) whose generated text was edited by hand: render
    removes the other orphans, these only with --force."""
    from generator.blocks import copy_hand_edited

    found = []
    for path in orphans:
        data = read_bytes(root / path) or b""
        if path.startswith(f"{COPIES_ROOT}/"):
            edited = copy_hand_edited(data, whole=not data.startswith(_BLOCK_COPY_START))
        else:
            edited = not versions.known(path, data)
        if edited:
            found.append(Finding(path, "hand-edited"))
    return found


def find_orphans(root: Path, produced: set[str]) -> list[str]:
    """Files that carry the generated notice but that no template produces any more."""
    orphans: list[str] = []
    for folder in GENERATED_ROOTS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*.md"):
            relative = path.relative_to(root).as_posix()
            if relative in produced:
                continue
            if carries_notice(path.read_bytes()):
                orphans.append(relative)
    return sorted(orphans)
