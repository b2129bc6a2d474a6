"""Bad facts are reported all at once, at their lines, with exit 2 and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import FactsError
from generator.facts import parse_facts
from tests.conftest import run, snapshot


def _edit(project: Path, old: str, new: str) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in facts.yaml"
    facts.write_text(text.replace(old, new), "utf-8")


def _line_of(project: Path, needle: str) -> int:
    lines = (project / "facts.yaml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == needle.strip())


def test_duplicate_key_invalid_ip_and_cron_in_one_run(project: Path) -> None:
    _edit(project, "    ip: 192.168.1.48\n", "    ip: 192.168.1.480\n    database: again\n")
    _edit(project, 'cron: "5,20,35,50 * * * *"', 'cron: "5,20,35,61 * * * *"')
    before = snapshot(project)

    result = run(["render"], project)

    assert result.code == 2
    assert result.out == ""
    ip_line = _line_of(project, "ip: 192.168.1.480")
    first = _line_of(project, "database: again")
    second = _line_of(project, "database: Turso DB")
    cron_line = _line_of(project, 'cron: "5,20,35,61 * * * *"')
    assert result.err == (
        f"facts.yaml:{ip_line}:9: error: '192.168.1.480' is not a valid IPv4 address\n"
        "        ip: 192.168.1.480\n"
        "            ^\n"
        "  hint: write four numbers 0-255 separated by dots\n"
        f"facts.yaml:{second}:5: error: duplicate key 'database' (first defined on line {first})\n"
        "        database: Turso DB\n"
        "        ^\n"
        "  hint: YAML keeps only the last value: delete one of the two\n"
        f"facts.yaml:{cron_line}:11: error: invalid cron expression '5,20,35,61 * * * *':"
        " is not acceptable, out of range\n"
        '        cron: "5,20,35,61 * * * *"\n'
        "              ^\n"
        "  hint: use five fields: minute hour day month weekday\n"
    )
    assert snapshot(project) == before


def test_invalid_ip_port_cron_and_types_reported_together_sorted(project: Path) -> None:
    _edit(project, "    ip: 192.168.1.48\n", "    ip: 192.168.1.480\n")
    _edit(project, 'cron: "5,20,35,50 * * * *"', 'cron: "5,20,35,61 * * * *"')
    _edit(project, "        port: 3010\n", "        port: 8889\n")
    _edit(project, "    memory_mb: 4096\n", "    memory_mb: lots\n")
    before = snapshot(project)

    result = run(["check"], project)

    cron_line = _line_of(project, 'cron: "5,20,35,61 * * * *"')
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert errors == [
        f"facts.yaml:{_line_of(project, 'memory_mb: lots')}:16: error: expected a whole number,"
        " found text",
        f"facts.yaml:{_line_of(project, 'ip: 192.168.1.480')}:9: error: '192.168.1.480' is not"
        " a valid IPv4 address",
        f"facts.yaml:{_line_of(project, 'name: dashboard.js') + 1}:15: error: port 8889 on host"
        " 'home_vm'"
        " is already claimed by service 'tinyproxy'",
        f"facts.yaml:{cron_line}:11: error: invalid cron expression"
        " '5,20,35,61 * * * *': is not acceptable, out of range",
    ]
    assert snapshot(project) == before


def test_dangling_references_name_the_unknown_key(project: Path) -> None:
    _edit(
        project,
        "  - hop: tinyproxy\n    host: home_vm\n",
        "  - hop: tinyproxy\n    host: home_mv\n",
    )
    feed_host = "    writer:\n      host: fly_app\n      script: run-spot.sh"
    _edit(project, feed_host, feed_host.replace("fly_app", "fly_ap"))
    before = snapshot(project)

    result = run(["render"], project)

    assert result.code == 2
    hop_line = _line_of(project, "host: home_mv")
    writer_line = _line_of(project, "host: fly_ap")
    assert (
        f"facts.yaml:{hop_line}:11: error: unknown host 'home_mv' (hosts.home_mv does not exist)\n"
        "        host: home_mv\n"
        "              ^\n"
        "  hint: did you mean 'home_vm'? known hosts: fly_app, home_vm, this_mac\n"
    ) in result.err
    assert f"facts.yaml:{writer_line}:13: error: unknown host 'fly_ap'" in result.err
    assert "Traceback" not in result.err
    assert snapshot(project) == before


def test_a_branch_rule_names_a_known_repo(project: Path) -> None:
    rule = "    repo: staktrakr_api\n    branch: api\n"
    _edit(project, rule, rule.replace("staktrakr_api", "staktrakr_ap"))
    result = run(["check"], project)
    assert result.code == 2
    line = _line_of(project, "repo: staktrakr_ap")
    assert (
        f"facts.yaml:{line}:11: error: unknown repo 'staktrakr_ap'"
        " (repos.staktrakr_ap does not exist)"
    ) in result.err
    assert "did you mean 'staktrakr_api'?" in result.err


def test_unknown_key_suggests_the_nearest(project: Path) -> None:
    _edit(project, "    poller_id: home\n", "    poler_id: home\n")
    result = run(["check"], project)
    assert result.code == 2
    line = _line_of(project, "poler_id: home")
    assert f"facts.yaml:{line}:5: error: unknown key 'poler_id'" in result.err
    assert "hint: did you mean 'poller_id'? allowed keys: config, database," in result.err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"a: [1, 2\n",
            "facts.yaml:1:9: error: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        (b"project: \xff\xfe\n", "facts.yaml:1:10: error: file is not valid UTF-8"),
        (b"x: !!python/object/apply:os.system [echo hi]\n", "unsupported YAML tag"),
        (b"", "facts.yaml:1:1: error: file is empty"),
        (b"a: &a [*a]\n", "facts.yaml:1:4: error: the document nests deeper than 64 levels"),
        (
            b"x: " + b"[" * 3000 + b"]" * 3000 + b"\n",
            "facts.yaml:1:1: error: the document nests deeper than 64 levels",
        ),
    ],
    ids=["syntax", "not-utf8", "python-tag", "empty", "alias-in-itself", "deep-nesting"],
)
def test_unreadable_facts(project: Path, raw: bytes, expected: str) -> None:
    (project / "facts.yaml").write_bytes(raw)
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert expected in result.err.splitlines()[0] or expected in result.err
    assert snapshot(project) == before


def test_an_impossible_date_and_an_odd_digit_are_located_errors(project: Path) -> None:
    _edit(project, "\n    date: 2026-02-25\n", "\n    date: 2026-02-30\n")
    _edit(project, "    subject: deploy\n", "    subject: network_path.²\n")  # not an index
    date_line = _line_of(project, "    date: 2026-02-30")
    subject_line = _line_of(project, "    subject: network_path.²")
    result = run(["render"], project)
    assert result.code == 2
    assert "internal error" not in result.err
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert errors[0].startswith(
        f"facts.yaml:{date_line}:11: error: 2026-02-30 is not a date: day is out of range"
    )
    assert errors[1].startswith(f"facts.yaml:{subject_line}:14: error: ")


def test_every_date_field_must_be_a_real_day_in_ascii_digits(project: Path) -> None:
    # The schema's `format: date` covers every date field, whatever its key is called.
    arabic = "\u0662\u0660\u0662\u0666-02-25"  # Arabic-Indic digits: Python's \d matches them
    _edit(project, "    since: 2026-02-23\n", "    since: 2026-02-30\n")
    _edit(project, "      date: 2026-02-25\n", "      date: 2026-13-01\n")
    _edit(project, "\n    date: 2026-02-25\n", f"\n    date: {arabic}\n")
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert errors == [
        f"facts.yaml:{_line_of(project, f'date: {arabic}')}:11: error: {arabic!r} is not in the"
        " expected form",
        f"facts.yaml:{_line_of(project, 'since: 2026-02-30')}:12: error: 2026-02-30 is not a"
        " date: day is out of range for month",
        f"facts.yaml:{_line_of(project, 'date: 2026-13-01')}:13: error: 2026-13-01 is not a"
        " date: month must be in 1..12",
    ]
    assert result.err.count("hint: write a real YYYY-MM-DD") == 2
    assert snapshot(project) == before


def test_a_former_value_equal_to_its_current_value_is_a_located_error(project: Path) -> None:
    _edit(project, "    ip: 192.168.1.48\n", "    ip: 192.168.1.81\n")
    line = _line_of(project, "  - value: 192.168.1.81")
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert result.err == (
        f"facts.yaml:{line}:12: error: former value '192.168.1.81' equals the current value of"
        " hosts.home_vm.ip\n"
        "      - value: 192.168.1.81\n"
        "               ^\n"
        "  hint: drop this former value, or correct hosts.home_vm.ip if it still holds the old"
        " one\n"
    )
    assert snapshot(project) == before


def test_a_number_too_long_to_convert_is_a_located_error(project: Path) -> None:
    # Python refuses to convert an integer of more than 4300 digits (a ValueError).
    _edit(project, "memory_mb: 4096", "memory_mb: " + "9" * 5000)
    line = _line_of(project, "memory_mb: " + "9" * 5000)
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert "internal error" not in result.err
    assert result.err.startswith(
        f"facts.yaml:{line}:16: error: a number of 5000 characters, too long to read"
    )
    assert snapshot(project) == before


def test_alias_bomb_is_refused(project: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (project / "facts.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    result = run(["render"], project)
    assert result.code == 2
    assert "error: the document expands to more than 200000 values" in result.err


def test_huge_facts_file_is_refused_before_parsing(project: Path) -> None:
    with (project / "facts.yaml").open("ab") as handle:
        handle.write(b"# padding\n" * 5_300_000)
    result = run(["render"], project)
    assert result.code == 2
    assert "error: file is 53.0 MB, more than the 5 MB limit" in result.err


def test_debug_shows_the_traceback(project: Path) -> None:
    _edit(project, "    poller_id: home\n", "    poler_id: home\n")
    assert "Traceback" in run(["--debug", "check"], project).err


def test_a_new_deploy_host_must_agree_with_the_gate_and_the_flow(project: Path) -> None:
    # Pages would say the home VM deploys, and also that it never does: every place that
    # still names the old deploy host is reported, at once, and nothing is written.
    _edit(
        project,
        "  command: fly deploy\n  host: this_mac\n",
        "  command: fly deploy\n  host: home_vm\n",
    )
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if ": error: " in line]
    assert [line.split(": error: ")[1] for line in errors] == [
        "this rule deploys, but deploy.host says only 'home_vm' deploys",
        "this rule deploys, but deploy.host says only 'home_vm' deploys",
        "'home_vm' deploys (deploy.host), so it does not open PRs for others to deploy",
        "step 'merge' is the deploying host's, and deploy.host is 'home_vm'",
        "step 'deploy' is the deploying host's, and deploy.host is 'home_vm'",
    ]
    assert snapshot(project) == before


def test_only_the_deploy_repo_has_the_deploys_role(project: Path) -> None:
    _edit(project, "    deploy_role: opens-prs\n", "    deploy_role: deploys\n")
    result = run(["check"], project)
    assert result.code == 2
    assert (
        "error: deploy.repo is 'staktrakr_api', so repo 'stakscrapr' must have deploy_role"
        " opens-prs or none"
    ) in result.err


def test_an_invariant_needs_a_subject_its_check_can_judge(project: Path) -> None:
    _edit(
        project,
        "  - id: home-vm-ip\n    check: consistent-value\n    subject: hosts.home_vm.ip\n",
        "  - id: home-vm-ip\n    check: consistent-value\n    subject: repos.staktrakr\n"
        "  - id: home-vm-ip\n    check: single-source\n    subject: hosts.home_vm\n"
        "  - id: gone\n    check: retired-not-active\n"
        "    subject: components.retail_poller_container\n",
    )
    result = run(["check"], project)
    assert result.code == 2
    messages = [
        line.split(": error: ")[1] for line in result.err.splitlines() if ": error: " in line
    ]
    assert messages == [
        "check 'consistent-value' needs one value, such as a host's address (hosts.KEY.ip), not"
        " 'repos.staktrakr'",
        "invariant id 'home-vm-ip' is already used by invariants[5]",
        "check 'single-source' needs a devops folder (devops.folders.KEY), not 'hosts.home_vm'",
        "check 'retired-not-active' needs a retired component (components.KEY with status"
        " retired), not 'components.retail_poller_container'",
    ]


def test_a_feed_script_is_a_file_of_the_devops_layout(project: Path) -> None:
    _edit(project, "      script: run-spot.sh\n", "      script: run-silver.sh\n")
    result = run(["check"], project)
    assert result.code == 2
    line = _line_of(project, "script: run-silver.sh")
    assert (
        f"facts.yaml:{line}:15: error: script 'run-silver.sh' is not a file of any devops folder"
        in result.err
    )


# A new project's first facts: every table, none of them filled in yet.
FRESH = """\
project:
  name: Acme
  summary: A new project.
  audit: {title: Audit, date: 2026-01-01, status: Draft}
repos: {}
hosts: {}
network_path: []
feeds: {}
components: {}
devops: {repo: web, root: devops, folders: {}}
change_gate: []
deploy: {host: laptop, repo: web, folder: site, command: make deploy}
sync_flow: []
invariants: []
changes_required: []
former_values: []
"""


def _fresh_errors(text: str = FRESH) -> str:
    with pytest.raises(FactsError) as caught:
        parse_facts(text.encode(), "facts.yaml")
    return caught.value.format()


def test_a_reference_in_a_fresh_project_says_nothing_is_declared_yet() -> None:
    errors = _fresh_errors()
    assert not [line for line in errors.splitlines() if line.endswith(": ")]  # empty lists
    assert (
        "facts.yaml:12:16: error: unknown host 'laptop' (hosts.laptop does not exist)\n"
        "    deploy: {host: laptop, repo: web, folder: site, command: make deploy}\n"
        "                   ^\n"
        "  hint: no host is declared yet: declare 'laptop' under `hosts`\n"
    ) in errors
    assert "hint: no devops folder is declared yet: declare 'site' under `devops.folders`" in (
        errors
    )


def test_a_count_in_an_error_agrees_with_its_noun() -> None:
    # A list of block names, when given, names at least one block (a minimum about a value
    # that is there: no section has a minimum any more, a project states only what it has).
    item = "  - {path: AGENTS.md, blocks: []}"
    errors = _fresh_errors(FRESH + f"targets:\n web:\n{item}\n")
    line = len(FRESH.splitlines()) + 3
    assert f"facts.yaml:{line}:{item.index('[]') + 1}: error: needs at least 1 item\n" in errors
    assert "needs at least 1 items" not in errors


def test_an_empty_facts_file_points_at_something_that_exists(project: Path) -> None:
    # Not at facts.yaml itself: that is the empty file.
    (project / "facts.yaml").write_text("# facts of the new project\n", "utf-8")
    result = run(["check"], project)
    assert result.code == 2
    assert result.err == (
        "facts.yaml:1:1: error: file is empty\n"
        "  hint: write the facts as a YAML mapping: `python -m generator schema` lists its keys,"
        " and which of them are required\n"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "project: [\n",
            "facts.yaml:1:11: error: invalid YAML: expected the node content, but found"
            " '<stream end>'\n"
            "    project: [\n"
            "              ^\n"
            "  hint: the file ends where YAML expects more: close every [, { and quote it opens\n",
        ),
        (
            "project:\n  name: [Acme\n\n\n",
            "facts.yaml:2:14: error: invalid YAML: expected ',' or ']', but got '<stream end>'\n"
            "      name: [Acme\n"
            "                 ^\n"
            "  hint: the [ list opened at line 2, column 9 is not closed: close it, or quote the"
            " value if the [ is text\n",
        ),
    ],
    ids=["bracket-at-end", "trailing-blank-lines"],
)
def test_a_syntax_error_at_the_end_is_shown_on_the_last_line(raw: str, expected: str) -> None:
    # PyYAML places the end of the input on the line after the last: nothing to show there.
    with pytest.raises(FactsError) as caught:
        parse_facts(raw.encode(), "facts.yaml")
    assert caught.value.format() + "\n" == expected


def test_a_hint_takes_its_example_key_from_the_project_at_hand() -> None:
    # Not another project's key (hosts.home_vm.ip): this one has no host yet.
    errors = _fresh_errors(FRESH + "provenance:\n  hosts.pi.ipp: {source: a guess}\n")
    assert errors.endswith("  hint: write the dotted key of an existing fact, e.g. project.name")


def test_an_invalid_key_is_shown_at_the_key_not_at_its_mapping() -> None:
    errors = _fresh_errors(FRESH.replace("hosts: {}\n", "hosts:\n  laptop: {}\n  Home-VM: {}\n"))
    assert (
        "facts.yaml:8:3: error: invalid key 'Home-VM'\n"
        "      Home-VM: {}\n"
        "      ^\n"
        "  hint: A key: lower case letters, digits and underscores, starting with a letter.\n"
    ) in errors
