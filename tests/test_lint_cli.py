"""`python -m generator lint`: files and folders, formats, exit codes, config, baseline, --repo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, git, run, snapshot

FACTS = str(REPO / "facts.yaml")
DRIFT = "# Home\n\nThe home VM is at 192.168.1.81.\n\ntinyproxy listens on 8888.\n"
CLEAN = "# Home\n\nThe Home VM (192.168.1.48) runs tinyproxy on port 8889.\n"


def lint(args: list[str], cwd: Path) -> tuple[int, str, str]:
    result = run(["lint", "--facts", FACTS, *args], cwd)
    return result.code, result.out, result.err


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def test_clean_folder_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"docs/a.md": CLEAN, "docs/b.markdown": CLEAN})
    code, out, err = lint(["docs"], tmp_path)
    assert (code, out, err) == (0, "no drift found in 2 file(s)\n", "")


def test_findings_exit_1_as_compiler_lines_sorted_without_colour(tmp_path: Path) -> None:
    write(tmp_path, {"docs/z.md": DRIFT, "docs/sub/a.md": DRIFT, "docs/skip.txt": DRIFT})
    code, out, err = lint(["docs"], tmp_path)
    assert code == 1
    assert err == ""
    assert out.splitlines() == [
        "docs/sub/a.md:3:19: retired-value `192.168.1.81` is a former value: The home VM's old"
        " IP, still in home-poller.md before the audit. (did you mean 192.168.1.48?)",
        "docs/sub/a.md:5:22: contradiction `8888` is not the port of tinyproxy: facts hold 8889"
        " (did you mean 8889?)",
        "docs/z.md:3:19: retired-value `192.168.1.81` is a former value: The home VM's old IP,"
        " still in home-poller.md before the audit. (did you mean 192.168.1.48?)",
        "docs/z.md:5:22: contradiction `8888` is not the port of tinyproxy: facts hold 8889"
        " (did you mean 8889?)",
        "4 finding(s) in 2 file(s); 2 file(s) linted",
    ]
    assert "\x1b[" not in out


def test_colour_when_forced_and_never_with_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.md": DRIFT})
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[33mretired-value\x1b[0m" in lint(["a.md"], tmp_path)[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in lint(["a.md"], tmp_path)[1]


def test_quiet_drops_the_summary(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": CLEAN})
    assert lint(["-q", "a.md"], tmp_path) == (0, "", "")


def test_json_records(tmp_path: Path) -> None:
    write(tmp_path, {"docs/sub/a.md": DRIFT})
    code, out, _ = lint(["--format", "json", "docs"], tmp_path)
    assert code == 1
    assert json.loads(out) == [
        {
            "path": "sub/a.md",
            "line": 3,
            "column": 19,
            "literal": "192.168.1.81",
            "rule": "retired-value",
            "message": "is a former value: The home VM's old IP, still in home-poller.md before"
            " the audit.",
            "suggestion": "192.168.1.48",
            "fact": "hosts.home_vm.ip",
        },
        {
            "path": "sub/a.md",
            "line": 5,
            "column": 22,
            "literal": "8888",
            "rule": "contradiction",
            "message": "is not the port of tinyproxy: facts hold 8889",
            "suggestion": "8889",
            "fact": "hosts.home_vm.services.tinyproxy.port",
        },
    ]


def test_json_of_a_clean_tree_is_an_empty_array(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": CLEAN})
    assert lint(["--format", "json", "."], tmp_path) == (0, "[]\n", "")


def test_sarif_2_1_0(tmp_path: Path) -> None:
    write(tmp_path, {"docs/a.md": DRIFT})
    code, out, _ = lint(["--format", "sarif", "docs"], tmp_path)
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "retired-value",
        "no-reference",
        "retired-not-active",
        "retired-component",
        "contradiction",
        "unknown-literal",
        "deploy-location",
        "forbidden-paths",
        "single-source",
        "ignore-comment",
    ]
    first = sarif_run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "retired-value"
    assert first["level"] == "error"
    assert first["message"]["text"].startswith("192.168.1.81: is a former value")
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "docs/a.md"},
                "region": {
                    "startLine": 3,
                    "startColumn": 19,
                    "endColumn": 31,
                    "snippet": {"text": "192.168.1.81"},
                },
            }
        }
    ]
    assert len(sarif_run["results"]) == 2


def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    write(tmp_path, {"my docs/50% é.md": DRIFT})
    log = json.loads(lint(["--format", "sarif", "my docs"], tmp_path)[1])
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"my%20docs/50%25%20%C3%A9.md"}


def test_sarif_gives_a_file_outside_the_working_folder_a_file_uri(tmp_path: Path) -> None:
    """A checkout given by its absolute path (--repo KEY=/abs): a bare "/tmp/..." is no URI
    a SARIF viewer resolves; file:///tmp/... is."""
    write(tmp_path, {"elsewhere/my docs/a.md": DRIFT, "here/.keep": ""})
    folder = tmp_path / "elsewhere" / "my docs"
    log = json.loads(lint(["--format", "sarif", str(folder)], tmp_path / "here")[1])
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {(folder / "a.md").as_uri()}
    assert next(iter(uris)).startswith("file:///") and "my%20docs" in next(iter(uris))


def test_explain(tmp_path: Path) -> None:
    code, out, _ = lint(["--explain", "contradiction"], tmp_path)
    assert code == 0
    assert out.startswith(
        "contradiction: a literal tied by its line to a fact, with another value\n"
    )
    assert "tinyproxy on 8888 while facts hold 8889" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--explain", "nope"], "unknown rule 'nope'; rules: contradiction, deploy-location,"),
        (["--rule", "nope", "."], "unknown rule 'nope'; rules: contradiction,"),
        (["--skip-rule", "x", "."], "unknown rule 'x'; rules: contradiction,"),
        (["missing.md"], "generator: error: no such file or folder: missing.md"),
        (["--repo", "staktrakr"], "--repo 'staktrakr': write --repo NAME=PATH"),
        (["--repo", "nope=."], "--repo nope=.: unknown repo 'nope'; known repos: StakTrakr,"),
        (["--format", "xml", "."], "invalid choice: 'xml'"),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = lint(args, tmp_path)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_bad_facts_exit_2_naming_the_place(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text((REPO / "facts.yaml").read_text("utf-8").replace("port: 8889", "port: x"))
    write(tmp_path, {"a.md": CLEAN})
    result = run(["lint", "--facts", str(facts), "a.md"], tmp_path)
    assert result.code == 2
    assert result.out == ""
    assert "facts.yaml:" in result.err and ": error: " in result.err


def test_rules_follow_the_facts_file(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text((REPO / "facts.yaml").read_text("utf-8").replace("port: 8889", "port: 8888"))
    write(tmp_path, {"a.md": "tinyproxy listens on 8888.\n", "b.md": "tinyproxy on 8889.\n"})
    result = run(["lint", "--facts", str(facts), "--format", "json", "."], tmp_path)
    assert [(r["path"], r["literal"], r["suggestion"]) for r in json.loads(result.out)] == [
        ("b.md", "8889", "8888")
    ]


def test_rule_and_skip_rule(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": DRIFT})
    only = json.loads(lint(["--format", "json", "--rule", "contradiction", "a.md"], tmp_path)[1])
    assert [r["rule"] for r in only] == ["contradiction"]
    skipped = ["--skip-rule", "contradiction", "--skip-rule", "retired-value", "a.md"]
    assert lint(skipped, tmp_path) == (0, "no drift found in 1 file(s)\n", "")


def test_baseline_reports_only_new_findings(tmp_path: Path) -> None:
    write(tmp_path, {"docs/a.md": DRIFT})
    code, out, _ = lint(["--write-baseline", "base.json", "docs"], tmp_path)
    assert (code, out) == (0, "wrote base.json: 2 finding(s) recorded\n")
    recorded = json.loads((tmp_path / "base.json").read_text("utf-8"))
    assert recorded["version"] == 1
    assert recorded["findings"][0] == {
        "path": "docs/a.md",
        "rule": "contradiction",
        "literal": "8888",
        "count": 1,
    }
    assert lint(["--baseline", "base.json", "docs"], tmp_path)[0] == 0
    # Lines moved and one more copy of a known mistake: only the copy is new.
    write(tmp_path, {"docs/a.md": "# Moved\n\n" + DRIFT + "\nAgain 192.168.1.81.\n"})
    code, out, _ = lint(["--baseline", "base.json", "docs"], tmp_path)
    assert code == 1
    assert out.splitlines()[0].startswith("docs/a.md:9:7: retired-value `192.168.1.81`")
    assert len(out.splitlines()) == 2


def test_bad_baseline_exits_2(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": CLEAN, "base.json": '{"version": 1,\n "findings": [}'})
    code, out, err = lint(["--baseline", "base.json", "a.md"], tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("base.json:2:15: error: not JSON: Expecting value")
    code, _, err = lint(["--baseline", "none.json", "a.md"], tmp_path)
    assert code == 2
    assert "none.json: error: no such baseline file" in err


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"version": 1,\n "findings": [\xff]}', "base.json:2:15: error: not UTF-8: byte 0xff"),
        (
            b'{"version": 1, "findings": [{"path": "a.md", "rule": "retired-value",'
            b' "literal": "x", "count": 1e400}]}',
            "base.json:1:96: error: bad count 1e400",
        ),
        (b'{"version": 1, "findings": [\n  ["a.md"]]}', "base.json:2:3: error: bad baseline entry"),
        (
            b'{"version": 1, "findings": [\n  {"path": 7, "rule": "x", "literal": "y"}]}',
            "base.json:2:3: error: bad baseline entry",
        ),
        (None, "base.json: error: a folder, not a baseline file"),
        (
            b'{"version": 1,\n "findings": [{"count": ' + b"9" * 5000 + b"}]}",
            "base.json:2:25: error: a number too long to read",
        ),
    ],
)
def test_unreadable_baseline_exits_2_naming_it(
    tmp_path: Path, data: bytes | None, message: str
) -> None:
    write(tmp_path, {"a.md": CLEAN})
    if data is None:
        (tmp_path / "base.json").mkdir()
    else:
        (tmp_path / "base.json").write_bytes(data)
    code, out, err = lint(["--baseline", "base.json", "a.md"], tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert "Traceback" not in err


@pytest.mark.parametrize("count", ["1.5", "true", '"2"', "0", "-1", "null", "[1]", "2.0"])
def test_a_count_that_is_no_whole_number_of_1_or_more_is_a_located_error(
    tmp_path: Path, count: str
) -> None:
    entry = '    {"path": "a.md", "rule": "retired-value", "literal": "x", "count": '
    lines = ['{"version": 1, "findings": [', f"{entry}1}},", "", "", f"{entry}{count}}}", "]}"]
    write(tmp_path, {"a.md": DRIFT, "base.json": "\n".join(lines)})
    code, out, err = lint(["--baseline", "base.json", "a.md"], tmp_path)
    assert (code, out) == (2, "")
    column = len(entry) + 1
    assert err.splitlines()[:2] == [
        f"base.json:5:{column}: error: bad count {count}: a count is a whole number of times,"
        " 1 or more",
        "  hint: write a whole number, or write a new baseline with --write-baseline",
    ]


def test_every_bad_count_is_reported_and_whole_counts_still_count(tmp_path: Path) -> None:
    base = {
        "version": 1,
        "findings": [
            {"path": "a.md", "rule": "retired-value", "literal": "192.168.1.81", "count": 2},
            {"path": "a.md", "rule": "contradiction", "literal": "8888", "count": 1},
        ],
    }
    write(tmp_path, {"a.md": DRIFT + "Again 192.168.1.81.\n", "base.json": json.dumps(base)})
    assert lint(["--baseline", "base.json", "a.md"], tmp_path)[0] == 0
    base["findings"][0]["count"] = True
    base["findings"][1]["count"] = 1.5
    write(tmp_path, {"base.json": json.dumps(base, indent=2)})
    code, _, err = lint(["--baseline", "base.json", "a.md"], tmp_path)
    assert code == 2
    assert [line.split(": bad count")[0] for line in err.splitlines() if "error" in line] == [
        "base.json:8:16: error",
        "base.json:14:16: error",
    ]


def test_config_excludes_paths_and_ignores_rules_per_path(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docs/archive/old.md": DRIFT,
            "docs/history.md": DRIFT,
            "docs/now.md": DRIFT,
            ".drift.yaml": "lint:\n  exclude: [docs/archive/]\n"
            "  per-path-ignores:\n    history.md: [retired-value]\n",
        },
    )
    out = json.loads(lint(["--format", "json", "docs"], tmp_path)[1])
    assert [(r["path"], r["rule"]) for r in out] == [
        ("history.md", "contradiction"),
        ("now.md", "retired-value"),
        ("now.md", "contradiction"),
    ]


def test_config_allows_literals_no_fact_holds_on_purpose(tmp_path: Path) -> None:
    """An allowed literal is never unknown; a former value stays flagged though it is listed."""
    text = (
        "# Net\n\nOur router is 10.0.0.1, DNS is 1.1.1.1 (also 1.1.1.1:53), the NAS 10.0.0.50."
        "\n\nThe home VM was 192.168.1.81. Backups run at `30 2 * * *`.\n"
    )
    write(tmp_path, {"net.md": text})
    rules = {
        (r["rule"], r["literal"])
        for r in json.loads(lint(["--format", "json", "net.md"], tmp_path)[1])
    }
    assert ("unknown-literal", "10.0.0.1") in rules and ("unknown-literal", "30 2 * * *") in rules
    (tmp_path / ".drift.yaml").write_text(
        'lint:\n  allow: [10.0.0.1, "1.1.1.1", 30 2 * * *, 192.168.1.81]\n', "utf-8"
    )
    found = json.loads(lint(["--format", "json", "net.md"], tmp_path)[1])
    assert [(r["rule"], r["literal"]) for r in found] == [
        ("unknown-literal", "10.0.0.50"),
        ("retired-value", "192.168.1.81"),
    ]


def test_an_empty_config_is_told_what_it_may_hold(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": CLEAN, ".drift.yaml": "# nothing yet\n"})
    code, _, err = lint(["a.md"], tmp_path)
    assert code == 2
    assert err == (
        ".drift.yaml:1:1: error: file is empty\n"
        "  hint: write a `lint:` mapping of exclude, per-path-ignores and allow,"
        " or delete the file\n"
    )


def test_bad_config_exits_2_with_line_and_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": DRIFT,
            "lint.yaml": "lint:\n  exclude: [x]\n  per-path-ignores:\n    a.md: [retird-value]\n"
            "  colour: yes\n",
        },
    )
    before = snapshot(tmp_path)
    code, out, err = lint(["--config", "lint.yaml", "a.md"], tmp_path)
    assert (code, out) == (2, "")
    assert "lint.yaml:4:12: error: unknown rule 'retird-value'" in err
    assert "lint.yaml:5:3: error: unknown setting 'colour'" in err
    assert snapshot(tmp_path) == before


def test_a_pattern_pathspec_cannot_compile_exits_2_with_its_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": DRIFT,
            "lint.yaml": 'lint:\n  exclude: [ok/, "\\\\", "[z-a]"]\n'
            '  per-path-ignores:\n    "[z-a]": [retired-value]\n',
        },
    )
    code, out, err = lint(["--config", "lint.yaml", "a.md"], tmp_path)
    assert (code, out) == (2, "")
    assert "lint.yaml:2:18: error: bad pattern '\\\\': Invalid git pattern" in err
    assert "lint.yaml:2:24: error: bad pattern '[z-a]': bad character range z-a\n" in err
    assert "lint.yaml:4:5: error: bad pattern '[z-a]'" in err
    assert "Traceback" not in err


def test_git_checkout_honours_gitignore(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "build/\n*.tmp.md\n",
            "tracked.md": DRIFT,
            "new.md": DRIFT,
            "build/out.md": DRIFT,
            "scratch.tmp.md": DRIFT,
        },
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".gitignore", "tracked.md")
    git(tmp_path, "commit", "-q", "-m", "init")
    out = json.loads(lint(["--format", "json", "."], tmp_path)[1])
    assert sorted({r["path"] for r in out}) == ["new.md", "tracked.md"]


def test_a_folder_inside_a_checkout_is_listed_by_git(tmp_path: Path) -> None:
    # The folder linted holds no .git: the checkout is found above it, and git's view is used
    # (the ignore rule lives only in the checkout's root .gitignore).
    write(tmp_path, {".gitignore": "docs/gen/\n", "docs/a.md": DRIFT, "docs/gen/b.md": DRIFT})
    git(tmp_path, "init", "-q")
    out = json.loads(lint(["--format", "json", "docs"], tmp_path)[1])
    assert {r["path"] for r in out} == {"a.md"}


def test_plain_folder_honours_its_gitignores_and_lints_hidden_folders_as_git_does(
    tmp_path: Path,
) -> None:
    """.claude/skills/*/SKILL.md and .github/copilot-instructions.md are files sync manages in
    sibling repos: a folder that is no checkout lints them as a checkout does."""
    files = {
        ".gitignore": "build/\n",
        "a.md": DRIFT,
        "build/b.md": DRIFT,
        ".claude/skills/x/SKILL.md": DRIFT,
        ".github/copilot-instructions.md": DRIFT,
        ".cache/c.md": DRIFT,
        # A tool's own folder that ignores itself, and a rule that holds below its folder only.
        ".pytest_cache/.gitignore": "*\n",
        ".pytest_cache/README.md": DRIFT,
        "notes/.gitignore": "draft.md\n",
        "notes/draft.md": DRIFT,
        "draft.md": DRIFT,
    }
    expected = {
        "a.md",
        ".claude/skills/x/SKILL.md",
        ".github/copilot-instructions.md",
        ".cache/c.md",
        "draft.md",
    }
    write(tmp_path / "plain", {**files, "node_modules/d.md": DRIFT, ".venv/e.md": DRIFT})
    out = json.loads(lint(["--format", "json", "plain"], tmp_path)[1])
    assert {r["path"] for r in out} == expected
    write(tmp_path / "checkout", files)
    git(tmp_path / "checkout", "init", "-q")
    out = json.loads(lint(["--format", "json", "checkout"], tmp_path)[1])
    assert {r["path"] for r in out} == expected


def test_a_byte_order_mark_is_not_part_of_line_1(tmp_path: Path) -> None:
    """As check and sync read it: a marker, fence or ignore comment on line 1 counts, and
    columns on line 1 count from after the mark, as an editor shows them."""
    files = {
        "column.md": "The home VM is at 192.168.1.81.\n",
        "block.md": "<!-- BEGIN GENERATED: x -->\n192.168.1.81\n<!-- END GENERATED: x -->\n",
        "ignore.md": "<!-- drift: ignore contradiction quoted -->\ntinyproxy listens on 8888.\n",
        "fence.md": "```sh\nspot-poller.yml\nis retired\n```\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
    out = json.loads(lint(["--format", "json", "."], tmp_path)[1])
    assert [(r["path"], r["line"], r["column"], r["rule"]) for r in out] == [
        ("column.md", 1, 19, "retired-value"),
        ("fence.md", 2, 1, "retired-component"),  # code: its line alone is its sentence
    ]


def test_repo_tree_checks(tmp_path: Path) -> None:
    checkout = write(
        tmp_path / "StakTrakr",
        {
            "README.md": CLEAN,
            "devops/spot-poller/.env": "KEY=1\n",
            "devops/spot-poller/__pycache__/poller.cpython-311.pyc": "",
            "web/fly.toml": "app = 'x'\n",
        },
    )
    code, out, _ = lint(["--format", "json", "--repo", f"staktrakr={checkout}"], tmp_path)
    assert code == 1
    assert [(r["path"], r["line"], r["rule"], r["fact"]) for r in json.loads(out)] == [
        ("devops/", 0, "forbidden-paths", "repos.staktrakr.must_not_contain"),
        ("devops/spot-poller/", 0, "retired-value", "components.docker_spot_poller"),
        ("web/fly.toml", 0, "forbidden-paths", "repos.staktrakr.must_not_contain"),
    ]
    # The repo's name works as well as its key, as for sync and check --repo.
    code, out, _ = lint(["--repo", "StakTrakr=StakTrakr"], tmp_path)
    assert out.splitlines()[0] == (
        "StakTrakr/devops/: forbidden-paths `devops/` matches 'devops/**', which StakTrakr must"
        " not contain (Frontend only (HTML, JS, CSS). No poller code, no devops)"
    )


def test_single_source_copies_in_the_devops_repo(tmp_path: Path) -> None:
    checkout = write(
        tmp_path / "api",
        {
            "devops/scraper/price-extract.js": "",
            "devops/fly-poller/price-extract.js": "",
            "devops/fly-poller/run-spot.sh": "",
            # Installed dependencies are not copies: their own package.json is not the shared one.
            "devops/home-scraper/node_modules/left-pad/package.json": "{}",
        },
    )
    out = json.loads(lint(["--format", "json", "--repo", f"staktrakr_api={checkout}"], tmp_path)[1])
    assert [(r["path"], r["rule"], r["suggestion"]) for r in out] == [
        (
            "devops/fly-poller/price-extract.js",
            "single-source",
            "devops/scraper/price-extract.js",
        )
    ]


def test_lint_without_facts_option_uses_the_project(project: Path) -> None:
    write(project, {"notes/a.md": DRIFT})
    result = run(["lint", "notes"], project)
    assert result.code == 1
    assert result.out.startswith("notes/a.md:3:19: retired-value")


@pytest.mark.parametrize("odd", ["fifo", "broken symlink"])
def test_an_odd_markdown_file_is_a_clear_error_and_never_blocks(tmp_path: Path, odd: str) -> None:
    (tmp_path / "a.md").write_text("# Fine\n", "utf-8")
    if odd == "fifo":
        os.mkfifo(tmp_path / "b.md")  # reading it would wait for a writer forever
    else:
        (tmp_path / "b.md").symlink_to(tmp_path / "nowhere.md")
    result = run(["lint", "--facts", str(REPO / "facts.yaml"), "."], tmp_path)
    assert result.code == 2
    assert result.err.startswith("./b.md: error: "), result.err
    assert "internal error" not in result.err
