"""A project that is not StakTrakr: only `project` is required, kinds are open, and a record
carries facts of its own under `extra`."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import FactsError
from generator.facts import LoadedFacts, parse_facts
from generator.lint.knowledge import build_knowledge
from tests.conftest import run

PROJECT = "project:\n  name: Homelab\n  summary: A Raspberry Pi at home and a VM in the cloud.\n"

# Two hosts of kinds the bundled facts never use, one with facts of its own; one repo, with
# none of StakTrakr's keys (no deploy_role, no must_not_contain, no services).
FACTS = (
    PROJECT
    + """\
hosts:
  pi:
    name: Raspberry Pi
    kind: raspberry-pi
    role: Serves the home dashboard with nginx.
    ip: 192.168.0.10
    extra:
      os: Raspberry Pi OS 12
      model: Pi 4 Model B
      disks: [sd-card, usb-ssd]
      nginx: {workers: 2, tls: true}
  cloud:
    name: Cloud VM
    kind: cloud-vm
    role: Hosts the public site.
repos:
  site:
    slug: me/site
    role: website
    owns: The public site and its nginx config.
"""
)

# The project's own template: it reads what the facts have and tests what they may not.
INDEX = """\
# {{ facts.project.name }}

{{ facts.project.summary }}

| Host | Kind | OS |
| --- | --- | --- |
{% for host in facts.hosts.values() %}
{% set os = host.extra.os if "os" in host.extra else "unknown" %}
| {{ host.name | cell }} | {{ host.kind | code | cell }} | {{ os | cell }} |
{% endfor %}
{% if facts.deploy %}

Deploy with {{ facts.deploy.command | code }}.
{% endif %}
{% for repo in facts.repos.values() %}

- {{ repo.slug | code }}: {{ repo.owns }}
{% endfor %}
"""

# A second page that reads no `extra`: editing the OS must leave it alone.
REPOS = """\
# Repos

{% for repo in facts.repos.values() %}
- {{ repo.slug | code }}
{% endfor %}
"""


def _loaded(text: str) -> LoadedFacts:
    return parse_facts(text.encode(), "facts.yaml")


def _errors(text: str) -> list[str]:
    with pytest.raises(FactsError) as caught:
        _loaded(text)
    return [line for line in caught.value.format().splitlines() if ": error: " in line]


def _hints(text: str) -> str:
    with pytest.raises(FactsError) as caught:
        _loaded(text)
    return caught.value.format()


def test_project_alone_is_a_complete_facts_file() -> None:
    facts = _loaded(PROJECT).facts
    assert facts.project.name == "Homelab"
    assert facts.repos == facts.hosts == facts.feeds == facts.components == {}
    assert facts.network_path == facts.change_gate == facts.sync_flow == ()
    assert facts.invariants == facts.changes_required == facts.former_values == ()
    assert facts.devops is None
    assert facts.deploy is None


def test_the_linter_knows_a_project_that_has_nothing_but_its_name() -> None:
    know = build_knowledge(_loaded(PROJECT).facts)
    assert know.deploy_program == know.deploy_folder == ""
    assert know.paths == set()
    assert know.scanner.tokens("Run make deploy from docs/ on 10.0.0.1, cron 5 * * * *.") != []


def test_only_project_is_required() -> None:
    assert _errors("hosts: {}\n") == ["facts.yaml:1:1: error: missing required key 'project'"]


# Each reference into a section the facts leave out is one error saying that nothing is
# declared there yet, never an exception and never silence.
ABSENT = {
    "a deploy host and repo": (
        "deploy: {command: make deploy, host: laptop, repo: site}\n",
        [
            "unknown host 'laptop' (hosts.laptop does not exist)",
            "unknown repo 'site' (repos.site does not exist)",
        ],
    ),
    "a devops folder": (
        "change_gate:\n  - {change: Site, folder: web, via: pr, deploy: pull}\n",
        ["unknown devops folder 'web' (devops.folders.web does not exist)"],
    ),
    "a sync-flow actor": (
        "sync_flow:\n  - {actor: laptop, step: edit}\n",
        ["unknown host 'laptop' (hosts.laptop does not exist)"],
    ),
    "a hop's host": (
        "network_path:\n  - {hop: Router}\n  - {hop: Pi, host: pi}\n",
        ["unknown host 'pi' (hosts.pi does not exist)"],
    ),
    "a feed's writer": (
        "feeds:\n  prices:\n    name: Prices\n    file: data/prices.json\n"
        "    writer: {host: pi, script: fetch.sh}\n    every_minutes: 5\n",
        ["unknown host 'pi' (hosts.pi does not exist)"],
    ),
    "a component's repo and feed": (
        "components:\n  old:\n    name: old.yml\n    kind: github-workflow\n    repo: site\n"
        "    status: retired\n    note: Gone.\n    replaced_by: prices\n",
        [
            "unknown repo 'site' (repos.site does not exist)",
            "unknown feed 'prices' (feeds.prices does not exist)",
        ],
    ),
    "a service's config file": (
        "hosts:\n  pi:\n    name: Pi\n    kind: raspberry-pi\n    role: Web.\n    services:\n"
        "      nginx: {name: nginx, purpose: Web server, config: web/nginx.conf}\n",
        ["unknown devops folder 'web' (devops.folders.web does not exist)"],
    ),
    "a hop's service on a host without services": (
        "hosts:\n  pi: {name: Pi, kind: raspberry-pi, role: Web.}\n"
        "network_path:\n  - {hop: nginx, host: pi, service: nginx}\n",
        ["unknown service 'nginx' (hosts.pi.services.nginx does not exist)"],
    ),
}


@pytest.mark.parametrize("case", sorted(ABSENT))
def test_a_reference_into_an_absent_section_says_it_is_not_declared(case: str) -> None:
    section, expected = ABSENT[case]
    errors = _hints(PROJECT + section)
    messages = [
        line.split(": error: ", 1)[1] for line in errors.splitlines() if ": error: " in line
    ]
    assert messages == expected
    assert "is declared yet: declare" in errors


def test_the_checks_of_meaning_pass_a_small_project_that_states_what_it_has() -> None:
    facts = _loaded(
        FACTS
        + "deploy: {command: make deploy --remote, host: pi, repo: site}\n"
        + "invariants:\n  - {id: pi-address, check: consistent-value, subject: hosts.pi.ip}\n"
        + "former_values:\n  - {value: 192.168.0.9, fact: hosts.pi.ip, note: Before the move.}\n"
    ).facts
    # deploy_role left out follows the deploy rule; no devops layout means no folder.
    assert facts.repos["site"].deploy_role == "deploys"
    assert facts.repos["site"].must_not_contain == ()
    assert facts.hosts["pi"].services == {}
    assert facts.deploy is not None and facts.deploy.folder is None
    know = build_knowledge(facts)
    assert know.deploy_program == "make deploy" and know.deploy_folder == ""


def test_a_deploy_role_given_must_still_agree_with_the_deploy_rule() -> None:
    errors = _errors(
        FACTS.replace("    owns: The public", "    deploy_role: opens-prs\n    owns: The public")
        + "deploy: {command: make deploy, host: pi, repo: site}\n"
    )
    assert len(errors) == 1
    assert "so repo 'site' must have deploy_role deploys" in errors[0]


def test_kinds_of_things_are_any_hyphenated_word() -> None:
    facts = _loaded(FACTS).facts
    assert facts.hosts["pi"].kind == "raspberry-pi"
    assert facts.repos["site"].role == "website"
    errors = _hints(FACTS.replace("kind: raspberry-pi", "kind: Raspberry Pi"))
    assert "error: 'Raspberry Pi' is not in the expected form" in errors
    assert "words joined by hyphens (e.g. raspberry-pi)" in errors


def test_what_the_generator_acts_on_stays_a_closed_list() -> None:
    errors = _hints(
        FACTS + "components:\n  c: {name: c, kind: service, status: paused, note: n.}\n"
    )
    assert "error: 'paused' is not one of: active, retired, removed, seed" in errors


def test_extra_holds_free_form_values() -> None:
    pi = _loaded(FACTS).facts.hosts["pi"]
    assert pi.extra == {
        "os": "Raspberry Pi OS 12",
        "model": "Pi 4 Model B",
        "disks": ["sd-card", "usb-ssd"],
        "nginx": {"workers": 2, "tls": True},
    }
    assert _loaded(FACTS).facts.hosts["cloud"].extra == {}


def test_an_unknown_key_suggests_extra_and_still_catches_typos() -> None:
    errors = _hints(FACTS.replace("    ip: 192.168.0.10\n", "    ip: 192.168.0.10\n    os: x\n"))
    assert "error: unknown key 'os'" in errors
    assert "put a fact of your own under `extra` (extra: {os: ...})" in errors
    typo = _hints(FACTS.replace("    role: Hosts", "    rol: Hosts"))
    assert "hint: did you mean 'role'?" in typo


def test_extra_values_and_keys_are_checked_for_what_they_are() -> None:
    errors = _errors(
        FACTS.replace("      model: Pi 4 Model B\n", "      model:\n      Bad-Key: 1\n")
    )
    assert errors == [
        "facts.yaml:12:13: error: expected text, a number, true or false, a list or a mapping,"
        " found empty",
        "facts.yaml:13:7: error: invalid key 'Bad-Key'",
    ]


def test_no_check_or_rule_gives_extra_a_meaning_but_its_addresses_are_known() -> None:
    # A `config` under extra is the user's own path, not a devops file. An address there is
    # a fact all the same: prose stating it is no unknown literal.
    text = FACTS.replace(
        "      os: Raspberry Pi OS 12\n",
        "      os: Raspberry Pi OS 12\n      config: /etc/nginx/nginx.conf\n"
        "      gateway: 192.168.0.1\n",
    )
    know = build_knowledge(_loaded(text).facts)
    assert know.ips["192.168.0.10"] == "hosts.pi.ip"
    assert know.ips["192.168.0.1"] == "hosts.pi.extra.gateway"
    assert not any("nginx.conf" in path for path in know.paths)


@pytest.fixture
def homelab(tmp_path: Path) -> Path:
    """A new project from scratch: facts, one template of its own, no StakTrakr file."""
    root = tmp_path / "homelab"
    (root / "templates" / "docs").mkdir(parents=True)
    (root / "facts.yaml").write_text(FACTS, "utf-8")
    (root / "templates" / "docs" / "index.md.j2").write_text(INDEX, "utf-8")
    (root / "templates" / "docs" / "repos.md.j2").write_text(REPOS, "utf-8")
    return root


def test_a_new_project_renders_checks_and_tracks_its_facts(homelab: Path) -> None:
    rendered = run(["render"], homelab)
    assert rendered.code == 0, rendered.err
    page = (homelab / "docs" / "index.md").read_text("utf-8")
    assert "| Raspberry Pi | `raspberry-pi` | Raspberry Pi OS 12 |" in page
    assert "| Cloud VM | `cloud-vm` | unknown |" in page
    assert "Deploy with" not in page
    assert "`hosts.pi`" in page  # the footer names the facts the page is built from
    assert run(["check"], homelab).code == 0

    # The page read hosts.pi.extra.os: changing it renders that page again, not the other.
    facts = homelab / "facts.yaml"
    facts.write_text(FACTS.replace("Raspberry Pi OS 12", "Debian 13"), "utf-8")
    again = run(["render", "--verbose"], homelab)
    assert again.code == 0, again.err
    assert "wrote docs/index.md" in again.out
    assert "1 of 2 outputs reused from the cache" in again.out
    assert "| Raspberry Pi | `raspberry-pi` | Debian 13 |" in (
        homelab / "docs" / "index.md"
    ).read_text("utf-8")
    assert run(["check"], homelab).code == 0

    # An extra key no page reads changes nothing.
    facts.write_text(FACTS.replace("Raspberry Pi OS 12", "Debian 13").replace("4 Model", "5"))
    unread = run(["render", "--verbose"], homelab)
    assert "2 of 2 outputs reused from the cache" in unread.out, unread.out
    assert "nothing written" in unread.out


def test_where_verify_and_lint_work_on_a_new_project(homelab: Path) -> None:
    assert run(["render"], homelab).code == 0
    where = run(["where", "hosts.pi.extra.os"], homelab)
    assert where.code == 0, where.err
    assert where.out.startswith("hosts.pi.extra.os = Raspberry Pi OS 12\n")
    assert "docs/index.md:" in where.out

    verify = run(["verify"], homelab)
    assert verify.code == 1  # nothing is verified yet
    assert "hosts.pi.extra.os: used by 1 output; never verified" in verify.out

    (homelab / "notes.md").write_text(
        "The Pi is at 192.168.0.10. The NAS is at 192.168.0.20.\n", "utf-8"
    )
    lint = run(["lint", "."], homelab)
    assert lint.code == 1
    assert "notes.md:1:42: unknown-literal `192.168.0.20`" in lint.out
    assert "(did you mean 192.168.0.10?)" in lint.out
    assert "192.168.0.10`" not in lint.out
    (homelab / "notes.md").write_text("The Pi is at 192.168.0.10.\n", "utf-8")
    assert run(["lint", "."], homelab).code == 0


def test_the_deploy_rule_without_a_devops_folder_is_linted(homelab: Path) -> None:
    facts = homelab / "facts.yaml"
    facts.write_text(FACTS + "deploy: {command: make deploy, host: pi, repo: site}\n", "utf-8")
    (homelab / "notes.md").write_text(
        "On the Cloud VM, run make deploy.\n\nOnly the Raspberry Pi runs make deploy.\n",
        "utf-8",
    )
    lint = run(["lint", "notes.md"], homelab)
    assert lint.code == 1
    assert lint.out.splitlines()[0] == (
        "notes.md:1:22: deploy-location `make deploy` is given to the Cloud VM; only the"
        " Raspberry Pi runs it (did you mean Raspberry Pi: make deploy?)"
    )
    assert "notes.md:3:" not in lint.out


def test_extra_is_listed_on_the_fact_index_and_changes_no_other_page(project: Path) -> None:
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    old = "    database: Turso DB\n"
    assert old in text
    facts.write_text(
        text.replace(old, old + "    extra:\n      os: Ubuntu 24.04\n      config: /etc/x\n"),
        "utf-8",
    )
    rendered = run(["render"], project)
    assert rendered.code == 0, rendered.err
    assert rendered.out.splitlines()[0] == "wrote docs/facts-index.md"
    assert "1 of" in rendered.out.splitlines()[-1]
    index = (project / "docs" / "facts-index.md").read_text("utf-8")
    assert "hosts.home_vm.extra.os" in index
    assert "Ubuntu 24.04" in index
    assert run(["check"], project).code == 0
