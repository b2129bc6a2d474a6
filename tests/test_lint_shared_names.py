"""Services of the same name on several hosts (a tinyproxy on each VM): a port or address any
of them holds is right; otherwise the one on the host the line names, else the closest value,
is the suggestion."""

from __future__ import annotations

import pytest

from generator.facts import parse_facts
from generator.lint.engine import lint_text
from generator.lint.knowledge import Knowledge, build_knowledge
from generator.lint.rules import RULES
from tests.conftest import REPO


def with_backup_vm(facts: str, services: str = "") -> str:
    """``facts`` with a copy of the Home VM as a Backup VM: the same services, other values
    (tinyproxy on 8890, dashboard.js on 3011, the Tailscale exit node at .51)."""
    start, end = facts.index("  home_vm:\n"), facts.index("  this_mac:\n")
    backup = facts[start:end]
    for old, new in (
        ("home_vm:", "backup_vm:"),
        ("name: Home VM", "name: Backup VM"),
        ("192.168.1.48", "192.168.1.49"),
        ("100.112.198.50", "100.112.198.51"),
        ("port: 8889", "port: 8890"),
        ("port: 3010", "port: 3011"),
    ):
        assert old in backup
        backup = backup.replace(old, new)
    return facts[:end] + backup + services + facts[end:]


def knowledge(services: str = "") -> Knowledge:
    text = with_backup_vm((REPO / "facts.yaml").read_text("utf-8"), services)
    return build_knowledge(parse_facts(text.encode(), "facts.yaml").facts)


@pytest.fixture(scope="module")
def two_vms() -> Knowledge:
    return knowledge()


def found(know: Knowledge, text: str) -> list[tuple[int, str, str, str | None, str | None]]:
    return [
        (f.line, f.rule, f.literal, f.suggestion, f.fact)
        for f in lint_text(text, know, frozenset(RULES))
    ]


def test_a_port_any_service_of_the_name_holds_is_right(two_vms: Knowledge) -> None:
    text = (
        "tinyproxy listens on 8889; tinyproxy listens on 8890.\n"
        "| Service | Host | Port |\n| --- | --- | --- |\n| tinyproxy | Backup VM | 8890 |\n"
        "\nProxy at `tinyproxy:8890`, dashboard.js (3011) and dashboard.js on port 3010.\n"
        # As `render` writes them in docs/devops-folders.md
        "| `dashboard.js` | dashboard.js on port 3010: Monitors both pollers; "
        "dashboard.js on port 3011: Monitors both pollers |\n"
        "| `tinyproxy-cox.conf` | tinyproxy on port 8889: Residential proxy for Fly.io; "
        "tinyproxy on port 8890: Residential proxy for Fly.io |\n"
    )
    assert found(two_vms, text) == []


def test_a_port_none_holds_suggests_the_closest(two_vms: Knowledge) -> None:
    text = "tinyproxy listens on 8891.\n\ntinyproxy listens on 8886.\n\ndashboard.js on 3012.\n"
    tinyproxy = "hosts.{}_vm.services.tinyproxy.port"
    assert found(two_vms, text) == [
        (1, "contradiction", "8891", "8890", tinyproxy.format("backup")),
        (3, "contradiction", "8886", "8889", tinyproxy.format("home")),
        (5, "contradiction", "3012", "3011", "hosts.backup_vm.services.dashboard.port"),
    ]


def test_the_host_named_beside_the_service_decides(two_vms: Knowledge) -> None:
    text = (
        "The Backup VM runs tinyproxy on 8887.\n\n"
        "The Backup VM runs dashboard.js on port 3012; the Home VM runs tinyproxy on 8891.\n"
    )
    assert found(two_vms, text) == [
        (1, "contradiction", "8887", "8890", "hosts.backup_vm.services.tinyproxy.port"),
        (3, "contradiction", "3012", "3011", "hosts.backup_vm.services.dashboard.port"),
        (3, "contradiction", "8891", "8889", "hosts.home_vm.services.tinyproxy.port"),
    ]


def test_an_address_of_a_service_shared_by_name(two_vms: Knowledge) -> None:
    text = (
        "Tailscale exit node 100.112.198.51 carries it; so does 100.112.198.50.\n\n"
        "The Tailscale exit node 100.112.198.52 carries it.\n\n"
        "On the Home VM the Tailscale exit node is 100.112.198.52.\n"
    )
    address = "hosts.{}_vm.services.tailscale.address"
    assert found(two_vms, text) == [
        (3, "contradiction", "100.112.198.52", "100.112.198.51", address.format("backup")),
        (5, "contradiction", "100.112.198.52", "100.112.198.50", address.format("home")),
    ]


def test_a_port_of_a_name_no_service_has_a_port_for(two_vms: Knowledge) -> None:
    text = "Redis listens on port 6379.\n\nOn the Backup VM, Redis listens on port 6379.\n"
    assert found(two_vms, text) == [
        (1, "unknown-literal", "6379", None, "hosts.home_vm.supervisord"),
        (3, "unknown-literal", "6379", None, "hosts.backup_vm.supervisord"),
    ]


def test_a_port_of_a_name_one_service_has_a_port_for() -> None:
    # A Redis with a port on a Cache VM, and one without in the VMs' stacks: a port beside
    # "Redis" is compared with that port, and is no unknown port.
    cache_vm = """\
  cache_vm:
    name: Cache VM
    kind: vm
    role: Cache
    services:
      redis:
        name: Redis
        port: 6380
        purpose: Cache
"""
    know = knowledge(cache_vm)
    text = "Redis listens on port 6380.\n\nRedis listens on port 6379.\n"
    assert found(know, text) == [
        (3, "contradiction", "6379", "6380", "hosts.cache_vm.services.redis.port")
    ]
