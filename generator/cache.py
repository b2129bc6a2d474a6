"""A cache that lets `check` prove a clean tree fresh without rendering anything.

After a render (or a full check) finds every output as rendering makes it, the manifest
records a digest of everything rendering depends on (the facts file, every template, the
generator's own source, the installed library versions) and the hash of each output. When a
later check sees the same inputs digest and the same output hashes on disk, a fresh render
would produce exactly those bytes (rendering is deterministic), so the tree is fresh. Any
other state (a missing, unreadable or tampered manifest, a changed input) falls back to a full
render. The folder is git-ignored and safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.files import write_atomic

FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent


def cache_dir(root: Path) -> Path:
    return root / ".cache" / "generator"


def _manifest_path(root: Path) -> Path:
    return cache_dir(root) / "manifest.json"


def _library_versions() -> list[str]:
    """Installed distributions (name and version), since formatting depends on them."""
    names: set[str] = set()
    for entry in sys.path:
        if not entry.endswith("site-packages"):
            continue
        try:
            names.update(p.name for p in Path(entry).iterdir() if p.name.endswith(".dist-info"))
        except OSError:
            continue
    return sorted(names)


def _tree_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and (suffixes is None or p.suffix in suffixes)
        and "__pycache__" not in p.parts
    )


def input_digest(root: Path, facts_path: Path, extra: Iterable[str] = ()) -> str:
    """A digest of everything the rendered bytes depend on."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    digest.update(b"facts\0" + facts_path.read_bytes())
    for label, folder, suffixes in (
        ("template", root / "templates", None),
        ("source", _PACKAGE, (".py", ".json")),
    ):
        for path in _tree_files(folder, suffixes):
            digest.update(f"\0{label}\0{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    for item in (*_library_versions(), *extra):
        digest.update(f"\0{item}".encode())
    return digest.hexdigest()


def file_sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checksum(body: Mapping[str, object]) -> str:
    return file_sha(json.dumps(body, sort_keys=True).encode())


def save(root: Path, inputs: str, outputs: Mapping[str, str]) -> None:
    """Record that rendering ``inputs`` gives ``outputs`` (path → sha256 of the bytes)."""
    body = {"format": FORMAT, "inputs": inputs, "outputs": dict(sorted(outputs.items()))}
    text = json.dumps({**body, "checksum": _checksum(body)}, indent=1, sort_keys=True)
    write_atomic(_manifest_path(root), text.encode() + b"\n")


def recorded_outputs(root: Path, inputs: str) -> dict[str, str] | None:
    """The outputs recorded for exactly these inputs, or None when the cache cannot vouch."""
    try:
        manifest = json.loads(_manifest_path(root).read_bytes())
        body = {k: manifest[k] for k in ("format", "inputs", "outputs")}
        valid = manifest.get("checksum") == _checksum(body)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not valid or body["format"] != FORMAT or body["inputs"] != inputs:
        return None
    outputs = body["outputs"]
    if not isinstance(outputs, dict):
        return None
    return {str(k): str(v) for k, v in outputs.items()}


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
