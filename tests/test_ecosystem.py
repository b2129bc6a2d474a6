"""The generator fits the tools around it: pre-commit, GitHub Actions (actionlint) and Zensical."""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import GIT_ENV, REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _tool(name: str) -> str:
    """A console script from this interpreter's environment (the dev dependencies)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is missing: run `make install` (it is a dev dependency)"
    return found


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, **GIT_ENV, "NO_COLOR": "1", **(env or {})}
    merged.pop("FORCE_COLOR", None)
    return subprocess.run(args, cwd=cwd, env=merged, capture_output=True, text=True, check=False)


def _git(cwd: Path, *args: str) -> None:
    done = _run(["git", *args], cwd)
    assert done.returncode == 0, done.stderr


# --- GitHub Actions ------------------------------------------------------------------------


def test_there_are_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"docs.yml", "sibling-check.yml"} <= names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_accepts_the_workflow(workflow: Path) -> None:
    done = _run([_tool("actionlint"), "-no-color", str(workflow)], REPO)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_is_not_a_rubber_stamp(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.nonexistent_context_value }}\n",
        encoding="utf-8",
    )
    done = _run([_tool("actionlint"), "-no-color", str(broken)], tmp_path)
    assert done.returncode == 1
    assert 'property "nonexistent_context_value" is not defined' in done.stdout


def _load(name: str) -> dict[str, object]:
    loaded = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_docs_workflow_runs_the_gates_on_pull_requests_and_deploys_main() -> None:
    text = (REPO / ".github" / "workflows" / "docs.yml").read_text("utf-8")
    flow = _load("docs.yml")
    jobs = flow["jobs"]
    assert isinstance(jobs, dict)
    runs = [step.get("run") for step in jobs["verify"]["steps"]]
    assert [r for r in runs if r and r.startswith("make ") and r != "make install"] == [
        "make check",
        "make lint",
        "make site",
        "make test",
    ]
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages"):
        assert f"uses: actions/{action}@v" in text
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert flow["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_an_exact_version() -> None:
    for workflow in WORKFLOWS:
        for line in workflow.read_text("utf-8").splitlines():
            if "uses:" in line and not line.lstrip().startswith("#"):
                ref = line.split("@", 1)[1].strip()
                exact = ref.count(".") == 2 or len(ref) == 40
                assert exact, f"{workflow.name}: {line.strip()} is not pinned to an exact version"


def test_sibling_workflow_is_reusable_and_names_the_fix() -> None:
    flow = _load("sibling-check.yml")
    trigger = flow[True]  # YAML 1.1 reads the key `on` as true
    assert isinstance(trigger, dict)
    inputs = trigger["workflow_call"]["inputs"]
    assert inputs["repo"]["required"] is True
    assert inputs["generator-ref"]["required"] is True
    text = (REPO / ".github" / "workflows" / "sibling-check.yml").read_text("utf-8")
    assert 'python -m generator check --repo "$REPO_KEY=$GITHUB_WORKSPACE/target"' in text
    assert "github/codeql-action/upload-sarif@" in text
    assert "::error title=Generated docs are stale::" in text


# --- pre-commit ----------------------------------------------------------------------------


def test_pre_commit_files_are_valid() -> None:
    pre_commit = [sys.executable, "-m", "pre_commit"]
    manifest = _run([*pre_commit, "validate-manifest", ".pre-commit-hooks.yaml"], REPO)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = _run([*pre_commit, "validate-config", ".pre-commit-config.yaml"], REPO)
    assert config.returncode == 0, config.stdout + config.stderr


def test_hooks_install_the_package_and_lint_only_markdown() -> None:
    hooks = {
        hook["id"]: hook
        for hook in yaml.safe_load(REPO.joinpath(".pre-commit-hooks.yaml").read_text("utf-8"))
    }
    assert hooks["generator-check"]["language"] == "python"
    assert hooks["generator-check"]["pass_filenames"] is False
    assert hooks["generator-lint"]["language"] == "python"
    assert hooks["generator-lint"]["types"] == ["markdown"]
    assert hooks["generator-lint"]["entry"] == "python -m generator lint"


def test_ruff_pin_matches_the_ruff_in_use() -> None:
    config = yaml.safe_load(REPO.joinpath(".pre-commit-config.yaml").read_text("utf-8"))
    pins = {
        dep
        for repo in config["repos"]
        for hook in repo["hooks"]
        for dep in hook.get("additional_dependencies", [])
        if dep.startswith("ruff")
    }
    version = _run([_tool("ruff"), "--version"], REPO).stdout.split()[1]
    assert pins == {f"ruff=={version}"}


def _tracked_copy(target: Path) -> Path:
    """A fresh git repo holding the working tree's tracked files, committed: a clean clone."""
    listed = _run(["git", "ls-files", "-z"], REPO)
    assert listed.returncode == 0, listed.stderr
    target.mkdir()
    for name in listed.stdout.split("\0"):
        source = REPO / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return target


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A clean clone, and a pre-commit home in tmp (try-repo installs the hook afresh anyway)."""
    base = tmp_path_factory.mktemp("pre-commit")
    yield _tracked_copy(base / "clone"), {"PRE_COMMIT_HOME": str(base / "home")}


def _try_repo(cwd: Path, repo: Path, hook: str, env: dict[str, str], *extra: str) -> str:
    done = _run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, *extra], cwd, env)
    return f"{done.returncode}\n{done.stdout}{done.stderr}"


@pytest.mark.slow
def test_try_repo_generator_check_passes_on_a_clean_clone(
    hook_repo: tuple[Path, dict[str, str]],
) -> None:
    clone, env = hook_repo
    output = _try_repo(clone, Path(), "generator-check", env, "--all-files")
    assert output.startswith("0\n"), output
    assert "generated docs are fresh" in output
    assert "Passed" in output


@pytest.mark.slow
def test_try_repo_generator_check_fails_with_the_fix_after_an_edit(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    clone, env = hook_repo
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(clone), str(work))
    page = work / "docs" / "reference" / "cli.md"
    page.write_text(page.read_text("utf-8") + "\nA line added by hand.\n", encoding="utf-8")
    output = _try_repo(work, clone, "generator-check", env, "--all-files")
    assert output.startswith("1\n"), output
    assert "Failed" in output
    assert "docs/reference/cli.md: hand-edited" in output
    assert "+A line added by hand." not in output  # the diff shows what render would make
    assert "-A line added by hand." in output
    assert "then run `make render`; or run `python -m generator render --force`" in output


@pytest.mark.slow
def test_try_repo_generator_lint_passes_then_fails_on_a_stale_value(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    clone, env = hook_repo
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(clone), str(work))
    clean = _try_repo(work, clone, "generator-lint", env, "--all-files")
    assert clean.startswith("0\n"), clean
    facts = yaml.safe_load((work / "facts.yaml").read_text("utf-8"))
    stale = next(
        former["value"]
        for former in facts["former_values"]
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", former["value"])
    )
    page = f"# Notes\n\nThe home VM is at {stale}.\n"
    (work / "notes.md").write_text(page, encoding="utf-8")
    (work / "unstaged.md").write_text(page, encoding="utf-8")
    _git(work, "add", "notes.md")
    found = _try_repo(work, clone, "generator-lint", env)  # staged files only
    assert found.startswith("1\n"), found
    assert "notes.md:3:" in found
    assert stale in found
    assert "unstaged.md" not in found


# --- Zensical and make -----------------------------------------------------------------------


def _pages(site: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every HTML page of a built site: its title heading and the ids of its headings."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        text = path.read_text("utf-8")
        title = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
        heading = html.unescape(re.sub(r"<[^>]+>", "", title.group(1))).strip() if title else ""
        ids = tuple(re.findall(r'<h[1-6][^>]* id="([^"]+)"', text))
        pages[path.relative_to(site).as_posix()] = (heading, ids)
    return pages


@pytest.mark.slow
def test_zensical_builds_the_same_pages_as_mkdocs(project: Path) -> None:
    shutil.copy2(REPO / "zensical.yml", project / "zensical.yml")
    mkdocs = _run([_tool("mkdocs"), "build", "--strict", "--site-dir", "site"], project)
    assert mkdocs.returncode == 0, mkdocs.stderr
    zensical = _run(
        [_tool("zensical"), "build", "--strict", "--clean", "-f", "zensical.yml"], project
    )
    assert zensical.returncode == 0, zensical.stdout + zensical.stderr
    assert "No issues found" in zensical.stdout + zensical.stderr
    by_mkdocs, by_zensical = _pages(project / "site"), _pages(project / "site-zensical")
    assert "reference/cli/index.html" in by_mkdocs
    assert by_mkdocs["reference/cli/index.html"][1][:2] == ("command-line-reference", "commands")
    assert sorted(by_zensical) == sorted(by_mkdocs)
    assert by_zensical == by_mkdocs


def test_make_help_lists_every_target_with_one_line_and_no_colour_in_a_pipe() -> None:
    done = _run(["make", "--no-print-directory", "help"], REPO)
    assert done.returncode == 0, done.stderr
    assert "\033[" not in done.stdout
    listed = {line.split()[0] for line in done.stdout.splitlines()[1:]}
    makefile = (REPO / "Makefile").read_text("utf-8")
    phony = set(re.findall(r"^\.PHONY: (\S+)", makefile, re.M))
    assert phony == listed
    assert {"render", "check", "test", "site", "site-zensical", "help"} <= listed


def _step(workflow: str, name: str) -> dict[str, str]:
    jobs = _load(workflow)["jobs"]
    assert isinstance(jobs, dict)
    return next(s for job in jobs.values() for s in job["steps"] if s.get("name") == name)


def test_sibling_check_step_fails_with_a_fix_command_that_works(
    project: Path, tmp_path: Path
) -> None:
    """Run the reusable workflow's check script as the runner would, then its printed fix."""
    workspace = tmp_path / "workspace"
    generator, target = workspace / "generator", workspace / "target"
    shutil.copytree(project, generator)
    target.mkdir()
    (target / "CLAUDE.md").write_text("# StakTrakrApi\n\n## Deploying\n", encoding="utf-8")
    python_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{python_dir}{os.pathsep}{os.environ['PATH']}",
        "REPO_KEY": "staktrakr_api",
        "GENERATOR_REPOSITORY": "lbruton/StakTrakrWiki",
        "GENERATOR_REF": "v9.9.9",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    # The pinned ref of this repo is consistent: its own outputs are rendered.
    assert _run([sys.executable, "-m", "generator", "render"], generator, env).returncode == 0
    first = _run(
        [
            sys.executable,
            "-m",
            "generator",
            "sync",
            "--repo",
            f"staktrakr_api={target}",
            "--add-missing",
        ],
        generator,
        env,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    script = tmp_path / "check.sh"
    script.write_text(_step("sibling-check.yml", "Check")["run"], encoding="utf-8")
    fresh = _run(["bash", "-e", str(script)], generator, env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "::error" not in fresh.stdout

    # This repo moves on: a fact changes and is rendered here, the sibling is now behind.
    facts = generator / "facts.yaml"
    text = facts.read_text("utf-8")
    assert "Frontend only (HTML, JS, CSS)." in text
    facts.write_text(text.replace("(HTML, JS, CSS)", "(HTML, JS and CSS)"), encoding="utf-8")
    assert _run([sys.executable, "-m", "generator", "render"], generator, env).returncode == 0

    # Someone also deleted the sibling's managed blocks: the fix must add them back.
    claude = target / "CLAUDE.md"
    assert "BEGIN" in claude.read_text("utf-8")
    claude.write_text("# StakTrakrApi\n\n## Deploying\n", encoding="utf-8")
    stale = _run(["bash", "-e", str(script)], generator, env)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "repo-boundaries/SKILL.md: stale" in stale.stdout
    assert "missing" in stale.stdout
    error = next(line for line in stale.stdout.splitlines() if line.startswith("::error "))
    fix = (
        'src=$(mktemp -d) && git clone https://github.com/lbruton/StakTrakrWiki "$src"'
        ' && git -C "$src" checkout v9.9.9 && python -m pip install "$src"'
        ' && python -m generator --root "$src" sync --add-missing --repo staktrakr_api="$PWD"'
    )
    first = (
        "If the check above lists hand-written files to create or hand edits to move,"
        " do that first (its Fix line says how)."
    )
    assert error == (
        "::error title=Generated docs are stale::From the root of your clone of this repo,"
        f" run: {fix}   Then commit the changed files. {first}"
    )
    assert f"```sh\n{fix}\n```" in (tmp_path / "summary.md").read_text("utf-8")

    # The last part of the fix, from the sibling's root, with the generator already cloned:
    # the clone is a fresh folder each time, so a second run does not meet the first's clone.
    sync = fix.split('python -m pip install "$src" && ', 1)[1]
    fixed = _run(["bash", "-c", f"src={shlex.quote(str(generator))}; {sync}"], target, env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    again = _run(["bash", "-e", str(script)], generator, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "(HTML, JS and CSS)" in (target / ".claude/skills/repo-boundaries/SKILL.md").read_text(
        "utf-8"
    )
    assert "BEGIN" in claude.read_text("utf-8")

    # Lint findings go to SARIF with paths relative to the sibling's root; findings alone
    # (exit 1) do not fail the step, the annotations report them.
    stale_ip = "192.168.1.81"
    assert stale_ip in (generator / "facts.yaml").read_text("utf-8")
    with (target / "CLAUDE.md").open("a", encoding="utf-8") as handle:
        handle.write(f"\nThe home VM is at {stale_ip}.\n")
    lint_script = tmp_path / "lint.sh"
    lint_script.write_text(_step("sibling-check.yml", "Lint (SARIF)")["run"], encoding="utf-8")
    linted = _run(["bash", "-e", str(lint_script)], target, env)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    sarif = json.loads((workspace / "lint.sarif").read_text("utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "CLAUDE.md"
    ]
