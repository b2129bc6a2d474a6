"""Each lint rule on small texts, against the bundled facts: what it reports and what it leaves."""

from __future__ import annotations

from generator.lint.engine import lint_text
from generator.lint.findings import Finding
from generator.lint.knowledge import Knowledge
from generator.lint.rules import RULES


def lint(know: Knowledge, text: str, repo: str | None = None) -> list[Finding]:
    return lint_text(text, know, frozenset(RULES), repo=repo)


def short(findings: list[Finding]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.rule, f.literal, f.suggestion, f.fact) for f in findings]


# retired-value


def test_former_ip_is_reported_with_the_current_value(know: Knowledge) -> None:
    found = lint(know, "The home VM is at 192.168.1.81 on the LAN.\n")
    assert short(found) == [("retired-value", "192.168.1.81", "192.168.1.48", "hosts.home_vm.ip")]
    assert (found[0].line, found[0].column) == (1, 19)
    assert found[0].message == (
        "is a former value: The home VM's old IP, still in home-poller.md before the audit."
    )


def test_former_folder_path_suggests_the_same_file_under_the_new_folder(know: Knowledge) -> None:
    found = lint(know, "Edit `devops/retail-poller/run-spot.sh` and push.\n")
    assert short(found) == [
        (
            "retired-value",
            "devops/retail-poller/run-spot.sh",
            "devops/fly-poller/run-spot.sh",
            "devops.folders.fly_poller.path",
        )
    ]


def test_a_sentence_telling_the_change_may_name_the_former_value(know: Knowledge) -> None:
    assert lint(know, "Fix IP: 192.168.1.81 → 192.168.1.48\n") == []
    assert lint(know, "Rename devops/retail-poller/ to devops/fly-poller/.\n") == []
    assert lint(know, "The old address 192.168.1.81 is gone.\n") == []


def test_current_values_are_not_reported(know: Knowledge) -> None:
    text = "The Home VM (192.168.1.48) keeps devops/fly-poller/run-spot.sh in sync.\n"
    assert lint(know, text) == []


# retired-component, retired-not-active, no-reference


def test_retired_workflow_listed_as_an_active_feed(know: Knowledge) -> None:
    row = "| Spot prices | `data/hourly/YYYY/MM/DD/HH.json` | `spot-poller.yml` | hourly |\n"
    assert short(lint(know, row)) == [
        (
            "retired-not-active",
            "spot-poller.yml",
            "run-spot.sh on the Fly.io container (Spot prices feed)",
            "components.spot_poller_workflow",
        )
    ]


def test_retired_workflow_in_a_sentence_saying_it_is_retired_is_fine(know: Knowledge) -> None:
    assert lint(know, "`spot-poller.yml` is retired; it is not an active data source.\n") == []
    assert lint(know, "| spot-poller.yml | RETIRED since 2026-02-23 |\n") == []


def test_retired_workflow_named_without_a_feed_context(know: Knowledge) -> None:
    found = lint(know, "Open `spot-poller.yml` in the editor.\n")
    assert short(found) == [
        (
            "retired-component",
            "spot-poller.yml",
            "run-spot.sh on the Fly.io container (Spot prices feed)",
            "components.spot_poller_workflow",
        )
    ]


def test_removed_container_in_a_docker_command(know: Knowledge) -> None:
    text = "```sh\ndocker exec firecrawl-docker-retail-poller-1 node capture.js\n```\n"
    found = lint(know, text)
    assert short(found) == [
        (
            "retired-component",
            "firecrawl-docker-retail-poller-1",
            None,
            "components.retail_poller_container",
        )
    ]
    assert (found[0].line, found[0].column) == (2, 13)


def test_docker_spot_poller_is_never_referenced(know: Knowledge) -> None:
    text = "Restart the Docker spot-poller container: `docker compose restart spot-poller`.\n"
    assert [(f.rule, f.literal, f.column) for f in lint(know, text)] == [
        ("no-reference", "Docker spot-poller container", 13),
        ("no-reference", "spot-poller", 67),
    ]


def test_alias_spelled_with_spaces_or_hyphens_is_found(know: Knowledge) -> None:
    found = lint(know, "Start the local docker spot-poller first.\n")
    assert [(f.rule, f.literal) for f in found] == [("no-reference", "local docker spot-poller")]


def test_a_prohibition_may_name_the_removed_container(know: Knowledge) -> None:
    assert lint(know, "Never run a local Docker spot-poller.\n") == []
    assert lint(know, "No skill refers to a Docker spot-poller container.\n") == []


def test_a_sentence_saying_the_component_is_gone_may_name_it(know: Knowledge) -> None:
    """As the invariants page tells readers: "gone" says it as "deleted" does."""
    assert lint(know, "The spot-poller container is gone.\n") == []
    assert lint(know, "The spot-poller container was deleted.\n") == []
    assert lint(know, "The old spot-poller container is going strong.\n") != []


def test_a_sentence_wrapped_over_lines_counts_as_one(know: Knowledge) -> None:
    text = "The workflow `spot-poller.yml`\nwas retired in February.\n"
    assert lint(know, text) == []


# contradiction


def test_service_with_another_port(know: Knowledge) -> None:
    found = lint(know, "tinyproxy listens on 8888 for Fly.io traffic.\n")
    assert short(found) == [
        ("contradiction", "8888", "8889", "hosts.home_vm.services.tinyproxy.port")
    ]
    assert found[0].message == "is not the port of tinyproxy: facts hold 8889"


def test_service_with_its_own_port_is_fine(know: Knowledge) -> None:
    assert lint(know, "tinyproxy (port 8889) and dashboard.js (port 3010) run there.\n") == []


def test_the_nearest_service_name_decides(know: Knowledge) -> None:
    found = lint(know, "tinyproxy on 8889, dashboard.js on 8889.\n")
    assert short(found) == [
        ("contradiction", "8889", "3010", "hosts.home_vm.services.dashboard.port")
    ]
    assert found[0].column == 36


def test_host_with_another_ip(know: Knowledge) -> None:
    found = lint(know, "The Home VM (192.168.1.50) runs the stack.\n")
    assert short(found) == [("contradiction", "192.168.1.50", "192.168.1.48", "hosts.home_vm.ip")]


def test_a_host_named_in_the_next_sentence_does_not_own_an_address(know: Knowledge) -> None:
    found = lint(know, "The NAS is at 192.168.1.50. SSH to 192.168.1.51 for the Home VM.\n")
    assert short(found) == [
        ("unknown-literal", "192.168.1.50", "192.168.1.48", "hosts.home_vm.ip"),
        ("contradiction", "192.168.1.51", "192.168.1.48", "hosts.home_vm.ip"),
    ]


def test_a_host_in_the_same_table_row_owns_an_address(know: Knowledge) -> None:
    found = lint(know, "| Host | IP |\n| --- | --- |\n| Home VM. Main. | 192.168.1.50 |\n")
    assert short(found) == [("contradiction", "192.168.1.50", "192.168.1.48", "hosts.home_vm.ip")]


def test_a_service_without_an_address_is_reached_at_its_hosts(know: Knowledge) -> None:
    """Not the numerically nearest address (another host's, perhaps) but its host's."""
    found = lint(know, "Check that tinyproxy answers on 192.168.1.50:8889.\n")
    assert short(found) == [("contradiction", "192.168.1.50", "192.168.1.48", "hosts.home_vm.ip")]


def test_script_with_another_cron(know: Knowledge) -> None:
    found = lint(know, "Cron: `0 * * * * /app/run-spot.sh`\n")
    assert short(found) == [
        ("contradiction", "0 * * * *", "5,20,35,50 * * * *", "feeds.spot_prices.cron")
    ]


def test_script_with_its_cron_or_cadence_is_fine(know: Knowledge) -> None:
    assert lint(know, "`5,20,35,50 * * * *` runs run-spot.sh.\n") == []
    assert lint(know, "`*/15 * * * *` runs run-publish.sh.\n") == []
    assert lint(know, "`0,15,30,45 * * * *` runs run-publish.sh.\n") == []


def test_script_with_another_cadence(know: Knowledge) -> None:
    found = lint(know, "`*/10 * * * *` runs run-publish.sh.\n")
    assert short(found) == [
        (
            "contradiction",
            "*/10 * * * *",
            "*/15 * * * * (every 15 minutes)",
            "feeds.market_prices.every_minutes",
        )
    ]


def test_a_schedule_in_words_against_the_feed_in_its_sentence(know: Knowledge) -> None:
    text = (
        "The Spot prices feed runs every 10 minutes.\n\n"
        "`run-spot.sh` runs every hour. The dashboard refreshes every 5 minutes.\n\n"
        "Market prices are written Every 15 min by `run-publish.sh`.\n\n"
        "Spot prices: at minutes 5, 20, 35, 50 of every hour.\n"
    )
    assert short(lint(know, text)) == [
        ("contradiction", "every 10 minutes", "every 15 minutes", "feeds.spot_prices.cron"),
        ("contradiction", "every hour", "every 15 minutes", "feeds.spot_prices.cron"),
    ]


def test_feed_with_another_file(know: Knowledge) -> None:
    found = lint(know, "Spot prices are written to `data/api/spot.json` by the poller.\n")
    assert short(found) == [
        (
            "contradiction",
            "data/api/spot.json",
            "data/hourly/YYYY/MM/DD/HH.json",
            "feeds.spot_prices.file",
        )
    ]


def test_feed_with_a_concrete_file_of_its_template_is_fine(know: Knowledge) -> None:
    assert lint(know, "Spot prices: `data/hourly/2026/02/25/14.json`.\n") == []


# unknown-literal


def test_unknown_ip_suggests_a_known_address_in_the_same_network(know: Knowledge) -> None:
    found = lint(know, "Then ssh to 192.168.1.77 and restart it.\n")
    assert short(found) == [("unknown-literal", "192.168.1.77", "192.168.1.48", "hosts.home_vm.ip")]
    assert found[0].message == "is an IP address that no fact holds"


def test_unknown_ip_in_another_network_has_no_suggestion(know: Knowledge) -> None:
    assert short(lint(know, "Use 10.0.0.5 for it.\n")) == [
        ("unknown-literal", "10.0.0.5", None, None)
    ]


def test_loopback_and_version_numbers_are_not_addresses(know: Knowledge) -> None:
    assert lint(know, "Serve on 127.0.0.1:8000; bump to v1.2.3.4; 0.0.0.0 binds all.\n") == []


def test_host_port_on_a_known_host_with_an_unknown_port(know: Knowledge) -> None:
    found = lint(know, "`curl -x http://192.168.1.48:8888 https://example.com`\n")
    assert short(found) == [
        (
            "unknown-literal",
            "8888",
            "192.168.1.48:8889",
            "hosts.home_vm.services.tinyproxy.port",
        )
    ]


def test_port_beside_a_service_without_a_port_fact(know: Knowledge) -> None:
    found = lint(know, "Redis listens on port 6379.\n")
    assert short(found) == [("unknown-literal", "6379", None, "hosts.home_vm.supervisord")]


def test_port_without_a_service_name_is_left_alone(know: Knowledge) -> None:
    assert lint(know, "The docs server uses port 8000.\n") == []


def test_unknown_cron_suggests_a_known_one(know: Knowledge) -> None:
    found = lint(know, "Schedule: `*/5 * * * *`\n")
    assert short(found) == [
        ("unknown-literal", "*/5 * * * *", "5,20,35,50 * * * *", "feeds.spot_prices.cron")
    ]


def test_cron_of_a_script_without_a_schedule_fact(know: Knowledge) -> None:
    found = lint(know, "`0 3 * * * run-retry.sh`\n")
    assert [(f.rule, f.literal, f.message) for f in found] == [
        (
            "unknown-literal",
            "0 3 * * *",
            "schedules run-retry.sh, and no fact holds a schedule for it",
        )
    ]


def test_unknown_devops_path_suggests_the_file_of_the_same_name(know: Knowledge) -> None:
    found = lint(know, "See devops/fly-poller/price-extract.js for the parser.\n")
    assert short(found) == [
        (
            "unknown-literal",
            "devops/fly-poller/price-extract.js",
            "devops/scraper/price-extract.js",
            "devops.folders.scraper.files",
        )
    ]


def test_unknown_devops_path_suggests_a_similar_spelling(know: Knowledge) -> None:
    found = lint(know, "Run devops/fly-poller/run-spots.sh by hand.\n")
    assert [(f.literal, f.suggestion) for f in found] == [
        ("devops/fly-poller/run-spots.sh", "devops/fly-poller/run-spot.sh")
    ]


def test_known_paths_globs_and_placeholders_are_fine(know: Knowledge) -> None:
    text = (
        "Edit devops/scraper/*.js, then copy devops/scraper/<file> to the VM.\n"
        "The wrapper is devops/fly-poller/ and `devops/fly-poller/fly.toml`.\n"
        "A path elsewhere such as docs/devops/runbook.md is not under the devops root.\n"
    )
    assert lint(know, text) == []


# deploy-location


def test_deploy_from_another_folder(know: Knowledge) -> None:
    found = lint(know, "```sh\ncd devops/scraper\nfly deploy\n```\n")
    assert short(found) == [
        (
            "deploy-location",
            "devops/scraper",
            "cd devops/fly-poller && fly deploy",
            "deploy.folder",
        )
    ]
    assert (found[0].line, found[0].column) == (2, 4)


def test_deploy_from_the_allowed_folder_is_fine(know: Knowledge) -> None:
    assert lint(know, "This Mac: `cd devops/fly-poller && fly deploy`\n") == []


def test_deploy_given_to_another_host(know: Knowledge) -> None:
    found = lint(know, "Home VM: `cd devops/fly-poller && fly deploy`\n")
    assert short(found) == [
        (
            "deploy-location",
            "fly deploy",
            "StakTrakr Mac: cd devops/fly-poller && fly deploy",
            "deploy.host",
        )
    ]


def test_deploy_prohibition_is_fine_anywhere(know: Knowledge) -> None:
    assert lint(know, "NEVER run `fly deploy`. Open a PR instead.\n", repo="stakscrapr") == []


def test_deploy_described_in_a_repo_that_does_not_deploy(know: Knowledge) -> None:
    found = lint(know, "Run `fly deploy` after merging.\n", repo="stakscrapr")
    assert short(found) == [
        ("deploy-location", "fly deploy", "StakTrakrApi/devops/fly-poller/", "deploy.repo")
    ]
    assert lint(know, "Run `fly deploy` after merging.\n", repo="staktrakr_api") == []


# what every rule shares


def test_inline_ignore_on_the_line_or_the_line_before(know: Knowledge) -> None:
    text = (
        "<!-- drift: ignore retired-value quoted from the audit -->\n"
        "\n"
        "The home VM is at 192.168.1.81 then.\n"
        "\n"
        "At 192.168.1.81 on the LAN. <!-- drift: ignore retired-value,unknown-literal -->\n"
        "\n"
        "Still at 192.168.1.81 here.\n"
    )
    assert [(f.line, f.rule) for f in lint(know, text)] == [(7, "retired-value")]


def test_an_html_comment_is_no_word_of_the_sentence(know: Knowledge) -> None:
    """ "retired" in a comment does not make the sentence say so, whatever the comment is."""
    line = "Use 192.168.1.81 with docker exec firecrawl-docker-retail-poller-1 sh"
    expected = ["retired-value", "retired-component"]
    for comment in (
        "<!-- x: retired-value quoted -->",
        "<!-- drift: ignore contradiction retired or not -->",
        "<!-- drift: ignore contradiction. It is retired -->",
    ):
        assert [f.rule for f in lint(know, f"{line} {comment}\n")] == expected
        assert [f.rule for f in lint(know, f"{comment}\n{line}\n")] == expected
    found = lint(
        know, "```sh\ndocker exec firecrawl-docker-retail-poller-1 sh <!-- retired -->\n```\n"
    )
    assert [f.rule for f in found] == ["retired-component"]


def test_inline_ignore_names_the_rule_it_silences(know: Knowledge) -> None:
    text = "At 192.168.1.81. <!-- drift: ignore contradiction wrong rule -->\n"
    assert [f.rule for f in lint(know, text)] == ["retired-value"]


def test_managed_blocks_are_skipped(know: Knowledge) -> None:
    text = (
        "<!-- BEGIN GENERATED: home (edit facts.yaml, then make render) hash=0123abcd -->\n"
        "At 192.168.1.81.\n"
        "<!-- END GENERATED: home -->\n"
        "At 192.168.1.81.\n"
    )
    assert [(f.line, f.rule) for f in lint(know, text)] == [(4, "retired-value")]


def test_markers_written_as_code_do_not_hide_text_from_the_linter(know: Knowledge) -> None:
    # check does not see a block here (markers in code spans are text), so lint must read it.
    text = (
        "Write `<!-- BEGIN GENERATED: x -->` to start a block.\n"
        "The home VM is at 192.168.1.81.\n"
        "End it with `<!-- END GENERATED: x -->`.\n"
    )
    assert [(f.line, f.rule) for f in lint(know, text)] == [(2, "retired-value")]


def test_code_spans_and_fenced_code_are_linted(know: Knowledge) -> None:
    text = "`192.168.1.81`\n\n~~~\nssh pi@192.168.1.81\n~~~\n"
    assert [(f.line, f.column) for f in lint(know, text)] == [(1, 2), (4, 8)]


def test_rule_selection(know: Knowledge) -> None:
    text = "tinyproxy on 8888 at 192.168.1.81\n"
    only = lint_text(text, know, frozenset({"contradiction"}))
    assert [f.rule for f in only] == ["contradiction"]
    rest = lint_text(text, know, frozenset(RULES) - {"retired-value"})
    assert [f.rule for f in rest] == ["contradiction"]


def test_findings_are_sorted_and_one_per_literal(know: Knowledge) -> None:
    text = "b 10.0.0.9\na 192.168.1.81 and 10.0.0.8\n"
    found = lint(know, text)
    assert [(f.line, f.column, f.rule) for f in found] == [
        (1, 3, "unknown-literal"),
        (2, 3, "retired-value"),
        (2, 20, "unknown-literal"),
    ]


def test_text_format_reads_like_a_compiler(know: Knowledge) -> None:
    found = lint_text("x 192.168.1.81\n", know, frozenset(RULES), path="a.md", shown="docs/a.md")
    assert found[0].text() == (
        "docs/a.md:1:3: retired-value `192.168.1.81` is a former value: The home VM's old IP,"
        " still in home-poller.md before the audit. (did you mean 192.168.1.48?)"
    )


def test_a_cron_matching_a_feed_cadence_is_known(know: Knowledge) -> None:
    assert lint(know, "Publish on `*/15 * * * *`.\n") == []
    assert [f.literal for f in lint(know, "Publish on `*/20 * * * *`.\n")] == ["*/20 * * * *"]


def test_deploy_from_the_right_folder_of_another_repo(know: Knowledge) -> None:
    found = lint(know, "`cd ~/StakTrakr/devops/fly-poller && fly deploy`\n")
    assert short(found) == [
        (
            "deploy-location",
            "~/StakTrakr/devops/fly-poller",
            "cd devops/fly-poller && fly deploy",
            "deploy.folder",
        )
    ]
    assert lint(know, "`cd ~/StakTrakrApi/devops/fly-poller && fly deploy`\n") == []


def test_deploy_by_the_allowed_host_or_repo_may_be_told_anywhere(know: Knowledge) -> None:
    row = "| Shared logic | a PR to StakTrakrApi | StakTrakr Mac: merge, then `fly deploy` |\n"
    assert lint(know, row, repo="stakscrapr") == []
    assert lint(know, "StakTrakrApi runs `fly deploy` after each merge.\n", repo="staktrakr") == []


def test_a_name_of_several_words_is_matched_within_a_line(know: Knowledge) -> None:
    """A literal spanning a line break split the compiler-style line and gave SARIF a region
    without endLine; across the break, the words left on a line are matched."""
    found = lint(know, "To refresh prices, start the Docker\nspot-poller container now.\n")
    assert [(f.line, f.column, f.rule, f.literal) for f in found] == [
        (2, 1, "no-reference", "spot-poller container")
    ]
    found = lint(know, "Start the Docker \t spot-poller container now.\n")
    assert [f.literal for f in found] == ["Docker \t spot-poller container"]


def test_a_network_in_cidr_notation_is_no_host_address(know: Knowledge) -> None:
    text = "Subnet 192.168.1.0/24 holds the Home VM; Docker uses 172.17.0.0/16.\n"
    assert lint(know, text) == []
    # Without a prefix length, or with a path after it, the address is judged as before.
    found = lint(know, "The Home VM is 192.168.1.0.\n\nSee 10.9.9.9/24/x.\n")
    assert [(f.rule, f.literal) for f in found] == [
        ("contradiction", "192.168.1.0"),
        ("unknown-literal", "10.9.9.9"),
    ]


def test_an_address_with_a_prefix_length_of_32_is_that_host(know: Knowledge) -> None:
    # A /32 is one host, not a network: judged as the plain address, reported without "/32".
    text = "allow 192.168.1.81/32\nallow 192.168.1.81\nallow 10.9.9.9/32;\nallow 192.168.1.48/32\n"
    found = lint(know, text)
    assert [(f.line, f.column, f.rule, f.literal) for f in found] == [
        (1, 7, "retired-value", "192.168.1.81"),
        (2, 7, "retired-value", "192.168.1.81"),
        (3, 7, "unknown-literal", "10.9.9.9"),
    ]
    assert found[0].suggestion == "192.168.1.48"
    # Any other prefix length is a network, as before.
    assert lint(know, "allow 192.168.1.81/31 and 10.9.9.9/24\n") == []
