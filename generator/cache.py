"""A cache that lets `check` and `render` skip work they can prove would change nothing.

Two proofs, both from content hashes, never from timestamps:

- Whole tree: the manifest records a digest of everything rendering depends on (the facts
  file, every template, the generator's own source, the installed library versions) with the
  hash of each output. When a later check sees the same inputs and the same output bytes on
  disk, a fresh render would make exactly those bytes (rendering is deterministic).
- One output: each output also records the facts keys its template read (from read tracking)
  with a digest of each value. When nothing but facts changed and none of the values it read
  did, and its file still holds the recorded bytes, that output is reused instead of rendered.

Any other state (a missing, unreadable or tampered manifest, a changed input) means a full
render. The folder is git-ignored and safe to delete at any time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from generator.files import write_if_changed

FORMAT = 3
_PACKAGE = Path(__file__).resolve().parent
MISSING = "-"  # digest of a key that no longer resolves: never equal to a recorded one


class Manifest(NamedTuple):
    """What the last render recorded.

    Every output's reads were current when it was recorded (an output is reused only when none
    of its reads changed), so one table of value digests serves them all; outputs that read
    the same keys share one reads tuple.
    """

    inputs: str  # input_digest of that render
    code: str  # code_digest of that render
    digests: dict[str, str]  # facts key -> value digest, for every key any output read
    outputs: dict[str, tuple[str, tuple[str, ...]]]  # path -> (sha, keys read in order)


def cache_dir(root: Path) -> Path:
    return root / ".cache" / "generator"


def formatted_dir(root: Path) -> Path:
    """Where CachedNormaliser keeps formatted text (see normalise.py)."""
    return cache_dir(root) / "formatted"


def _manifest_path(root: Path) -> Path:
    return cache_dir(root) / "manifest.json"


@functools.cache
def _library_versions() -> tuple[str, ...]:
    """Installed distributions (name and version), since formatting depends on them.

    Listed once per process: the digest and the format cache's salt both need them.
    """
    names: set[str] = set()
    for entry in sys.path:
        if not entry.endswith(("site-packages", "dist-packages")):  # dist-: Debian's
            continue
        try:
            names.update(p.name for p in Path(entry).iterdir() if p.name.endswith(".dist-info"))
        except OSError:
            continue
    return tuple(sorted(names))


def current_subfolder(parent: Path, name: str) -> Path:
    """``parent / name``, after removing what else ``parent`` holds (older code's entries).

    Best effort: a run that cannot remove them only keeps a little dead cache.
    """
    import shutil  # only when rendering: a clean check never gets here

    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            if entry.name != name:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
    return parent / name


def _tree_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Each regular file under ``folder`` (``__pycache__`` left out; symlinked folders not
    entered) as (its posix path relative to ``folder``, its path), in the order of their parts.

    Directory entries' own types, not a stat per file as pathlib's rglob makes: every run lists
    the generator's source and the templates (rglob took 1 ms for the source alone, this half).
    """
    found: list[tuple[str, str]] = []

    def visit(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        visit(entry.path, f"{prefix}{entry.name}/")
                elif entry.is_file() and (suffixes is None or entry.name.endswith(suffixes)):
                    found.append((prefix + entry.name, entry.path))

    if folder.is_dir():
        visit(str(folder), "")
    return sorted(found, key=lambda item: item[0].split("/"))


@functools.cache  # the source does not change while a run reads it
def source_digest() -> str:
    """The generator's source and the library versions: what every cached result depends on."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    _digest_tree(digest, "source", _PACKAGE, (".py", ".json"))
    for item in _library_versions():
        digest.update(f"\0{item}".encode())
    return digest.hexdigest()


def template_sources(root: Path) -> dict[str, bytes]:
    """Every file under the project's templates/ by relative path, read once per run: the
    digest covers these bytes, and a render that has them renders exactly these."""
    folder = root / "templates"
    return {name: _read(path) for name, path in _tree_files(folder)}


def base_digest(templates: Mapping[str, bytes]) -> str:
    """Templates, the generator's source and library versions: everything but the facts."""
    digest = hashlib.sha256(source_digest().encode())
    for name, data in templates.items():
        digest.update(f"\0template\0{name}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _digest_tree(digest: Any, label: str, folder: Path, suffixes: tuple[str, ...] | None) -> None:
    for name, path in _tree_files(folder, suffixes):
        digest.update(f"\0{label}\0{name}\0".encode())
        digest.update(_read(path))


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:  # noqa: PTH123 - a listed path: no Path object needed
        return handle.read()


def input_digest(base: str, facts: bytes) -> str:
    """A digest of everything the rendered bytes depend on: the base digest and the facts."""
    digest = hashlib.sha256(base.encode())
    digest.update(b"\0facts\0" + facts)
    return digest.hexdigest()


def code_digest(base: str, outputs: Iterable[str]) -> str:
    """What an output depends on besides the facts it reads (the set of outputs: links)."""
    digest = hashlib.sha256(base.encode())
    for path in sorted(outputs):
        digest.update(f"\0{path}".encode())
    return digest.hexdigest()


def file_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def value_digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def write_checked(path: Path, body: bytes) -> None:
    """Write ``body`` after a line holding its sha256, atomically and only when it changes.

    Every cache file has this form, so that :func:`read_checked` tells a damaged or truncated
    file from a good one. Callers that may run without the lock treat OSError as best effort.
    """
    write_if_changed(path, file_sha(body).encode() + b"\n" + body)


def read_checked(path: Path) -> bytes | None:
    """The body :func:`write_checked` wrote, or None when missing, unreadable or damaged."""
    try:
        stamp, _, body = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    return body if stamp == file_sha(body).encode() else None


def save(root: Path, manifest: Manifest) -> None:
    """Write the manifest unless the file already holds exactly it.

    The file is one line with the sha256 of the rest, then compact JSON: the keys read, their
    digests, the distinct reads lists as indices into the keys, and per output its hash and
    reads list.
    """
    keys = sorted(manifest.digests)
    position = {key: i for i, key in enumerate(keys)}
    lists: dict[tuple[str, ...], int] = {}
    outputs = {}
    for path, (sha, reads) in sorted(manifest.outputs.items()):
        outputs[path] = [sha, lists.setdefault(reads, len(lists))]
    body = {
        "format": FORMAT,
        "inputs": manifest.inputs,
        "code": manifest.code,
        "keys": keys,
        "digests": [manifest.digests[key] for key in keys],
        "reads": [[position[key] for key in reads] for reads in lists],
        "outputs": outputs,
    }
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    write_checked(_manifest_path(root), text)


def load(root: Path) -> Manifest | None:
    """The recorded manifest, or None when it is missing, damaged or of another format."""
    text = read_checked(_manifest_path(root))
    if text is None:
        return None
    try:
        body = json.loads(text)
        if body["format"] != FORMAT:
            return None
        keys = [str(key) for key in body["keys"]]
        lists = [tuple(keys[i] for i in reads) for reads in body["reads"]]
        return Manifest(
            str(body["inputs"]),
            str(body["code"]),
            dict(zip(keys, map(str, body["digests"]), strict=True)),
            {str(path): (str(sha), lists[at]) for path, (sha, at) in body["outputs"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def disk_matches(root: Path, outputs: Mapping[str, str]) -> bool:
    """True when every recorded output is on disk with exactly its recorded bytes."""
    for path, sha in outputs.items():
        try:
            data = (root / path).read_bytes()
        except OSError:
            return False
        if file_sha(data) != sha:
            return False
    return True
