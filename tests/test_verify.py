"""`verify`: facts whose last check is too old or missing, most used first; source and checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.verify import parse_age
from tests.conftest import run

IP_CHECK = (
    "hosts.home_vm.ip: used by {uses} outputs; verified 2026-02-25 ({days} days ago)"
    " by API Pipeline Audit: a document review, not a check on the VM"
)
DUE = re.compile(r"^  (\S+): used by (\d+) outputs?; ")


def due(out: str) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for x in out.splitlines() if (m := DUE.match(x))]


def ip_uses(project: Path) -> int:
    """Outputs other than the fact index that `where` finds the home VM's IP in."""
    out = run(["where", "hosts.home_vm.ip"], project).out
    paths = {x.strip().split(":")[0] for x in out.splitlines()[1:] if x.startswith("  ")}
    return len(paths - {"docs/facts-index.md"})


def test_a_recent_check_is_not_due(project: Path) -> None:
    result = run(["verify", "--older-than", "30d", "--today", "2026-03-10"], project)
    assert result.code == 1, result.err  # the others are due
    keys = [k for k, _ in due(result.out)]
    assert "hosts.home_vm.ip" not in keys
    total = len(keys) + 1  # every other fact has never been verified
    assert result.out.splitlines()[0] == (
        f"{len(keys)} of {total} facts the outputs state were last verified more than 30 days"
        " before 2026-03-10, or never (most used first):"
    )
    # History is no claim to check, and a fact no output states misleads nobody.
    assert not [k for k in keys if k.startswith("former_values.")]
    assert all(uses > 0 for _, uses in due(result.out))


def test_an_old_check_is_due_and_facts_come_most_used_first(project: Path) -> None:
    result = run(["verify", "--older-than", "6w", "--today", "2026-04-10"], project)
    assert result.code == 1, result.err
    listed = due(result.out)
    uses = [n for _, n in listed]
    assert uses == sorted(uses, reverse=True)
    ip_line = next(x for x in result.out.splitlines() if x.startswith("  hosts.home_vm.ip:"))
    assert ip_line == "  " + IP_CHECK.format(uses=ip_uses(project), days=44)
    never = next(x for x in result.out.splitlines() if x.startswith("  hosts.home_vm.role:"))
    assert never.endswith("; never verified")


def test_a_check_on_the_host_covers_the_keys_below_it(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    anchor = '    source: "API Pipeline Audit: Home VM role"\n'
    assert text.count(anchor) == 1
    check = (
        "    verified:\n      date: 2026-04-01\n      by: Ops\n"
        "      how: checked over SSH on the VM\n"
    )
    facts.write_text(text.replace(anchor, anchor + check), "utf-8")
    result = run(["verify", "--older-than", "30d", "--today", "2026-04-10"], project)
    assert result.code == 1, result.err
    keys = {k for k, _ in due(result.out)}
    assert "hosts.home_vm.role" not in keys
    assert "hosts.home_vm.services.tinyproxy.port" not in keys
    assert "hosts.home_vm.ip" in keys  # its own, older check is more specific
    assert "hosts.fly_app.role" in keys
    assert run(["render", "-q"], project).code == 0
    page = (project / "docs/home-poller.md").read_text("utf-8")
    assert "| tinyproxy | `8889` |" in page
    row = next(x for x in page.splitlines() if x.startswith("| tinyproxy | `8889` |"))
    assert row.endswith("| 2026-04-01 (Ops: checked over SSH on the VM) |")
    ip_row = next(x for x in page.splitlines() if x.startswith("| IP address |"))
    assert ip_row == (
        "| IP address | `192.168.1.48` | 2026-02-25 (API Pipeline Audit: a document review,"
        " not a check on the VM) |"
    )


def test_a_page_says_how_a_fact_was_checked_or_that_it_was_not(project: Path) -> None:
    page = (project / "docs/home-poller.md").read_text("utf-8")
    rows = {row.split(" | ")[0]: row for row in page.splitlines() if row.startswith("| ")}
    assert rows["| IP address"].endswith(
        "| 2026-02-25 (API Pipeline Audit: a document review, not a check on the VM) |"
    )
    assert rows["| Role"].endswith("| not checked yet |")


def test_verify_exits_0_only_when_no_fact_is_due(project: Path) -> None:
    import yaml

    facts = project / "facts.yaml"
    data = yaml.safe_load(facts.read_text("utf-8"))
    # A check recorded on every top-level key covers every fact below it.
    check = {"date": "2026-04-01", "by": "Ops", "how": "reviewed"}
    data["provenance"] = {key: {"verified": check} for key in data if key != "provenance"}
    facts.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")

    fresh = run(["verify", "--older-than", "30d", "--today", "2026-04-10"], project)
    later = run(["verify", "--older-than", "30d", "--today", "2026-06-10"], project)

    assert fresh.code == 0, fresh.err + fresh.out
    assert (
        fresh.out.startswith("all ")
        and " facts the outputs state were verified in the 30 days" in fresh.out
    )
    assert later.code == 1
    assert due(later.out)


@pytest.mark.parametrize("age", ["a month", "1m", "2y", "1.5w"])
def test_a_bad_age_is_told_the_units_accepted(project: Path, age: str) -> None:
    result = run(["verify", "--older-than", age], project)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"generator: error: --older-than {age!r}: give a whole number and a unit, d (days),"
        " w (weeks) or mo (months of 30 days), e.g. 30d, 6w or 3mo\n"
    )


@pytest.mark.parametrize(("age", "days"), [("45d", 45), ("6w", 42), ("1mo", 30), ("3mo", 90)])
def test_an_age_in_days_weeks_or_months_is_counted_in_days(age: str, days: int) -> None:
    assert parse_age(age) == days


def test_bad_date_is_a_usage_error(project: Path) -> None:
    result = run(["verify", "--today", "28/11/2026"], project)
    assert (result.code, result.out) == (2, "")
    assert result.err == "generator: error: --today '28/11/2026': give a date as YYYY-MM-DD\n"


def test_a_provenance_entry_must_name_a_fact(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    facts.write_text(text.replace("  hosts.home_vm.ip:\n", "  hosts.home_vm.ipp:\n", 1), "utf-8")
    line = next(
        n for n, x in enumerate(facts.read_text("utf-8").splitlines(), 1) if "home_vm.ipp" in x
    )
    result = run(["render"], project)
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        f"facts.yaml:{line}:3: error: provenance entry 'hosts.home_vm.ipp' names no fact\n"
        "      hosts.home_vm.ipp:\n"
        "      ^\n"
        "  hint: write the dotted key of an existing fact, e.g. hosts.home_vm.ip\n"
    )
