"""What each sibling repo receives from the generator, as declared under `targets` in facts.yaml."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.blocks import block_text, parse, protected_file
from generator.errors import Diagnostic, FactsError, MarkerError, TemplateError, UsageError
from generator.facts import LoadedFacts
from generator.model import Repo
from generator.normalise import normalise
from generator.outputs import COPIES_ROOT, TEMPLATE_SUFFIX, Output

BLOCK_COPIES = "generated-blocks"  # inside a repo's copy folder: one file per block
FILE_TEMPLATES = "repos/files"
BLOCK_TEMPLATES = "repos/blocks"


@dataclass(frozen=True)
class Target:
    """One file in a sibling repo: a whole generated file, or a hand-written file with blocks."""

    repo: str  # repos key
    path: str  # posix, relative to the repo root
    file: str | None  # whole-file template name
    blocks: tuple[str, ...]
    anchor: str | None
    if_present: bool

    @property
    def whole(self) -> bool:
        return self.file is not None


def file_template(name: str) -> str:
    return f"{FILE_TEMPLATES}/{name}.md{TEMPLATE_SUFFIX}"


def block_template(name: str) -> str:
    return f"{BLOCK_TEMPLATES}/{name}.md{TEMPLATE_SUFFIX}"


def repo_key(name: str, repos: Mapping[str, Repo], given: str = "") -> str:
    """The facts key of the repo a ``--repo NAME=PATH`` option names, by key or by name.

    An exact match wins; otherwise case is ignored (``StakTrakr`` or ``staktrakr``). ``given``
    says where the name was written, for the error (by default, a ``--repo`` option).
    """
    for key, repo in repos.items():
        if name in (key, repo.name):
            return key
    for key, repo in repos.items():
        if name.lower() in (key.lower(), repo.name.lower()):
            return key
    known = ", ".join(sorted(repo.name for repo in repos.values()))
    raise UsageError(
        f"{given or f'--repo {name}=...'}: unknown repo {name!r}; "
        + (f"known repos: {known}" if known else "no repo is declared under `repos` in the facts")
    )


def repo_name(loaded: LoadedFacts, key: str) -> str:
    return loaded.facts.repos[key].name


def declared_targets(loaded: LoadedFacts, templates_dir: Path) -> list[Target]:
    """Every declared target, checked against the repos and the templates that exist."""
    raw: dict[str, Any] = loaded.facts.raw.get("targets") or {}
    doc = loaded.document
    targets: list[Target] = []
    problems: list[Diagnostic] = []
    for key, entries in raw.items():
        if key not in loaded.facts.repos:
            known = ", ".join(sorted(loaded.facts.repos))
            problems.append(
                doc.diagnostic(
                    ("targets", key),
                    f"unknown repo {key!r} (repos.{key} does not exist)",
                    f"known repos: {known}" if known else f"declare {key!r} under `repos`",
                    of_key=True,
                )
            )
            continue
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            where = ("targets", key, index)
            path = entry["path"]
            if path in seen:
                problems.append(
                    doc.diagnostic(
                        (*where, "path"), f"{path} is declared twice for {key}", "merge the entries"
                    )
                )
            seen.add(path)
            names = [entry["file"]] if "file" in entry else entry["blocks"]
            field = "file" if "file" in entry else "blocks"
            for position, name in enumerate(names):
                template = file_template(name) if field == "file" else block_template(name)
                if not (templates_dir / template).is_file():
                    at = (*where, field) if field == "file" else (*where, field, position)
                    problems.append(
                        doc.diagnostic(
                            at,
                            f"no template templates/{template} for {field} {name!r}",
                            f"create templates/{template}, or fix the name",
                        )
                    )
            for option in ("anchor", "if_present"):
                if field == "file" and option in entry:
                    problems.append(
                        doc.diagnostic(
                            (*where, option),
                            f"{option} applies to files with blocks, not to whole files",
                            f"remove {option}: a whole file is always written in full",
                        )
                    )
            targets.append(
                Target(
                    repo=key,
                    path=path,
                    file=entry.get("file"),
                    blocks=tuple(entry.get("blocks", ())),
                    anchor=entry.get("anchor"),
                    if_present=bool(entry.get("if_present", False)),
                )
            )
    if problems:
        raise FactsError(problems)
    return targets


def targets_by_repo(targets: list[Target]) -> dict[str, tuple[Target, ...]]:
    """The declared targets shaped like facts.yaml's `targets`, for the templates to read."""
    found: dict[str, list[Target]] = {}
    for target in targets:
        found.setdefault(target.repo, []).append(target)
    return {key: tuple(targets) for key, targets in found.items()}


def copy_outputs(loaded: LoadedFacts, targets: list[Target]) -> list[Output]:
    """This repo's copy of every target: whole files at their path, each block once per repo."""
    outputs: dict[str, Output] = {}
    for target in targets:
        base = f"{COPIES_ROOT}/{repo_name(loaded, target.repo)}"
        if target.file is not None:
            path = f"{base}/{target.path}"
            outputs[path] = Output(path, file_template(target.file), repo=target.repo)
        for block in target.blocks:
            path = f"{base}/{BLOCK_COPIES}/{block}.md"
            outputs[path] = Output(path, block_template(block), repo=target.repo, block=block)
    return sorted(outputs.values())


def finish_copy(output: Output, body: str, format_: Callable[[str], str] = normalise) -> str:
    """The bytes-to-be of a copy: a block between its markers, or a whole file with its notice."""
    text = format_(body)
    if output.block:
        finished = block_text(output.block, text) + "\n"
        try:
            found = parse(finished.encode("utf-8"), f"templates/{output.template}")
        except MarkerError as exc:
            raise TemplateError(exc.diagnostics) from None
        if set(found.blocks) != {output.block}:
            raise TemplateError(
                Diagnostic(
                    f"templates/{output.template}",
                    0,
                    0,
                    "the rendered block opens a code block that swallows its END marker",
                    "close every ``` fence inside the block template",
                )
            )
        return finished
    return protected_file(output.template, text)
