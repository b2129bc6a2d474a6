"""The seed's invariants as checks: where deploys run from, and what a repo tree may hold."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pathspec

from generator.lint.context import PROHIBITION, Context, Rule, nearest
from generator.lint.findings import Finding
from generator.lint.knowledge import Knowledge, spelling
from generator.lint.rules.retired import RETIRED_VALUE
from generator.lint.scanner import Token
from generator.model import Devops

DEPLOY_LOCATION = Rule(
    "deploy-location",
    "the deploy command described from another repo, folder or host than facts allow",
    "facts.yaml's deploy names the command, the host, the repo and the folder it runs from.\n"
    "A mention of the command (its words before any option, whatever options follow) that is\n"
    "not a prohibition or a limit (never, do not, only ...; an option is no word of it) is\n"
    "reported when its paragraph or code block changes into another folder first (cd ...), when\n"
    "the line gives the job to another host, or when the file belongs to a repo (--repo) that\n"
    "does not deploy and names neither the allowed folder, nor the allowed host or repo.\n"
    "Fix: cd into the allowed folder of the allowed repo, or state the prohibition.",
    3,
)
FORBIDDEN_PATHS = Rule(
    "forbidden-paths",
    "a file or folder in a repo checkout that the repo's must_not_contain forbids",
    "With --repo KEY=PATH, every file and folder of the checkout (ignored ones included, since a\n"
    "ghost folder often holds only ignored files; .git and node_modules excepted) is matched\n"
    "against repos.KEY.must_not_contain (gitignore-style patterns). A matching folder is\n"
    "reported once, at its top.\n"
    "Fix: move the code to the repo that owns it, or delete it.",
    7,
)
SINGLE_SOURCE = Rule(
    "single-source",
    "a copy of a shared-engine file outside the folder that is its single source",
    "An invariant with check single-source names a devops folder as the only home of its files.\n"
    "With --repo for the devops repo, a file with the same name under another devops folder\n"
    "(and not listed there by facts) is reported.\n"
    "Fix: delete the copy and use the shared file.",
    8,
)
RULES = (DEPLOY_LOCATION, FORBIDDEN_PATHS, SINGLE_SOURCE)

_CD = re.compile(r"\bcd[ \t]+([^\s;&|`)]+)")
_OPTION = re.compile(r"(?<![\w-])--?[^\W\d_][\w-]*")  # -f, --remote-only, --no-cache
_SKIP_DIRS = {".git", "node_modules"}


def on_name(token: Token, ctx: Context) -> None:
    know = ctx.know
    deploy = know.facts.deploy
    if deploy is None or spelling(token.text) != spelling(know.deploy_program):
        return  # another name the scanner looks for (its options follow the command)
    allowed_repo = know.repo_names[deploy.repo]
    allowed_host = know.facts.hosts[deploy.host].name
    # Without a folder in the deploy rule, anywhere in the allowed repo will do.
    place = "/".join(filter(None, (allowed_repo, know.deploy_folder))) + "/"
    suggestion = (
        f"cd {know.deploy_folder} && {deploy.command}" if know.deploy_folder else deploy.command
    )
    move = _last_cd(ctx, ctx.doc.block(token.start), token.start)
    problems: list[tuple[int, str, str, str, str]] = []  # start, literal, message, hint, fact
    if move:
        folder = move.group(1).strip("'\"").rstrip("/")
        others = {name.lower() for key, name in know.repo_names.items() if key != deploy.repo}
        if not folder.endswith(know.deploy_folder) or any(
            part.lower() in others for part in folder.split("/")
        ):
            problems.append(
                (
                    move.start(1),
                    move.group(1),
                    f"is not where {deploy.command} runs: facts allow only {place}",
                    suggestion,
                    "deploy.folder",
                )
            )
    host = nearest(ctx, know.host_names, know.host, token.start)
    named_allowed = any(
        know.host(said).key == deploy.host
        for said in ctx.mentions(know.host_names, token.start).said
    )
    if host is not None and host.key != deploy.host and not named_allowed:
        problems.append(
            (
                token.start,
                token.text,
                f"is given to the {host.label}; only the {allowed_host} runs it",
                f"{allowed_host}: {suggestion}",
                "deploy.host",
            )
        )
    elif ctx.repo is not None and ctx.repo != deploy.repo and not move and not named_allowed:
        # In another repo's docs the command must be put in the allowed repo.
        problems.append(
            (
                token.start,
                token.text,
                f"is described in {know.repo_names[ctx.repo]}; it runs only from {place}",
                place,
                "deploy.repo",
            )
        )
    if not problems:
        return
    if ctx.of_sentence("prohibition", token.start, _prohibits):
        return  # "never run fly deploy", "only the Mac runs fly deploy"
    for start, literal, message, hint, fact in problems:
        if fact == "deploy.repo" and ctx.of_sentence(
            ("names", allowed_repo), token.start, lambda s: allowed_repo.lower() in s.lower()
        ):
            continue
        ctx.emit(DEPLOY_LOCATION, start, literal, message, hint, fact)


def _prohibits(sentence: str) -> bool:
    # Options are no words of the sentence: "--remote-only" limits nothing.
    return bool(PROHIBITION.search(_OPTION.sub(" ", sentence)))


def _last_cd(ctx: Context, block: tuple[int, int], at: int) -> re.Match[str] | None:
    """The last ``cd`` that a search of the block up to ``at`` finds. The block is searched
    once, however many deploy commands it holds."""
    text = ctx.doc.text
    moves, ends = ctx.once(("cd", block), lambda: _moves(text, *block))
    done = bisect.bisect_right(ends, at)  # these end by ``at``: a search up to it finds them
    if done < len(moves) and moves[done].start() < at:
        # The next runs past ``at``: cut there, it is shorter or no match, and no match of the
        # cut text starts before it (none of the whole text does).
        cut = list(_CD.finditer(text, moves[done].start(), at))
        if cut:
            return cut[-1]
    return moves[done - 1] if done else None


def _moves(text: str, start: int, end: int) -> tuple[list[re.Match[str]], list[int]]:
    found = list(_CD.finditer(text, start, end))
    return found, [m.end() for m in found]


HANDLERS = {"name": on_name}


def check_tree(
    root: Path, repo: str, know: Knowledge, enabled: frozenset[str], shown: str
) -> list[Finding]:
    """Findings about the files a repo checkout holds (forbidden, ghost, copied)."""
    found: list[Finding] = []

    def add(rule: Rule, path: str, message: str, suggestion: str | None, fact: str) -> None:
        if rule.id in enabled:
            display = f"{shown}/{path}" if shown not in ("", ".") else path
            found.append(Finding(display, 0, 0, rule.id, path, message, suggestion, fact, path))

    facts = know.facts
    patterns = [
        (p, pathspec.GitIgnoreSpec.from_lines([p])) for p in facts.repos[repo].must_not_contain
    ]
    for path, is_dir in _walk(root, patterns):
        for pattern, spec in patterns:
            if spec.match_file(path + "/" if is_dir else path):
                add(
                    FORBIDDEN_PATHS,
                    path + "/" if is_dir else path,
                    f"matches {pattern!r}, which {facts.repos[repo].name} must not contain "
                    f"({facts.repos[repo].owns.rstrip('.')})",
                    None,
                    f"repos.{repo}.must_not_contain",
                )
                break
    for former in know.former:
        if former.is_path and (root / former.value).is_dir():
            add(
                RETIRED_VALUE,
                former.value.rstrip("/") + "/",
                f"is a former folder that still exists: {former.note}",
                former.current,
                former.fact,
            )
    devops = facts.devops
    if devops is not None and repo == devops.repo:
        for subject in know.invariants.get("single-source", ()):
            key = subject.rsplit(".", 1)[-1]
            if subject.startswith("devops.folders.") and key in devops.folders:
                for path, reference in _copies(root, devops, key):
                    source = devops.path_of(reference)
                    add(
                        SINGLE_SOURCE,
                        path,
                        f"copies a shared file whose single source is {source}",
                        source,
                        subject,
                    )
    return found


def _walk(
    root: Path, patterns: list[tuple[str, pathspec.GitIgnoreSpec]]
) -> Iterator[tuple[str, bool]]:
    """Every file and folder under ``root``; a folder a pattern matches is not entered."""
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        keep = []
        for name in sorted(dirs):
            if name in _SKIP_DIRS:
                continue
            yield prefix + name, True
            if not any(spec.match_file(prefix + name + "/") for _, spec in patterns):
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            yield prefix + name, False


def _copies(root: Path, devops: Devops, key: str) -> Iterator[tuple[str, str]]:
    """Files under other devops folders that share a name with a file of folder ``key``."""
    shared = {name.rsplit("/", 1)[-1]: name for name in devops.folders[key].files}
    for other_key, other in sorted(devops.folders.items()):
        if other_key == key:
            continue
        folder = root / devops.folder_path(other_key)
        if not folder.is_dir():
            continue
        listed = {name.rsplit("/", 1)[-1] for name in other.files}
        # The same walk as the tree checks: .git and node_modules are not the repo's own files.
        for relative, is_dir in _walk(folder, []):
            name = relative.rsplit("/", 1)[-1]
            if not is_dir and name in shared and name not in listed:
                path = (folder / relative).relative_to(root).as_posix()
                yield path, f"{key}/{shared[name]}"
