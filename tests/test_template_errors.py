"""A template that reads a fact facts.yaml lacks is told the facts key, at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.facts import load_facts
from tests.conftest import run, snapshot


def _render_broken(project: Path, body: str) -> str:
    """Render with a page whose third line is ``body``; the first error line, nothing written."""
    (project / "templates" / "docs" / "zz-broken.md.j2").write_text(
        f"# Broken\n\n{body}\n", "utf-8"
    )
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert snapshot(project) == before
    return result.err.splitlines()[0]


def test_a_misspelt_record_field_names_its_key_and_the_nearest(project: Path) -> None:
    template = project / "templates" / "docs" / "home-poller.md.j2"
    text = template.read_text("utf-8")
    assert "{{ vm.ip | code }}" in text.splitlines()[6]
    template.write_text(text.replace("{{ vm.ip | code }}", "{{ vm.ipz | code }}", 1), "utf-8")
    result = run(["render"], project)
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        "templates/docs/home-poller.md.j2:7: error: `hosts.home_vm` has no key `ipz`"
        " (did you mean `ip`?)"
    )


_HOME_VMM = "`hosts` has no key `home_vmm`"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ facts.nosuch.thing }}", "facts.yaml has no key `nosuch`"),
        (
            "{{ facts.hosts.home_vmm.ip }}",
            "`hosts` has no key `home_vmm` (did you mean `home_vm`?)",
        ),
        (
            '{{ facts.hosts["home_vmm"] }}',
            "`hosts` has no key `home_vmm` (did you mean `home_vm`?)",
        ),
        (
            "{{ facts.hosts.home_vm.services.tinyproxy.prot }}",
            "`hosts.home_vm.services.tinyproxy` has no key `prot` (did you mean `port`?)",
        ),
        ("{{ facts.network_path.hop }}", "`network_path` is a list: it has no key `hop`"),
        ("{% if facts.hosts.home_vm.rolez %}x{% endif %}", "`hosts.home_vm` has no key `rolez`"),
    ],
    ids=["top-level", "mapping", "mapping-item", "nested", "list-by-name", "tested-in-if"],
)
def test_a_missing_key_is_named_as_facts_yaml_writes_it(
    project: Path, body: str, message: str
) -> None:
    first = _render_broken(project, body)
    assert first.startswith(f"templates/docs/zz-broken.md.j2:3: error: {message}"), first


def test_an_index_out_of_range_says_how_many_items_there_are(project: Path) -> None:
    count = len(load_facts(project / "facts.yaml").facts.network_path)
    first = _render_broken(project, "{{ facts.network_path[99] }}")
    assert first == (
        f"templates/docs/zz-broken.md.j2:3: error: `network_path` has no item 99 (it has {count}"
        " items)"
    )


@pytest.mark.parametrize("name", ["__class__", "_record", "__init__"])
def test_python_internals_are_still_refused_by_the_sandbox(project: Path, name: str) -> None:
    first = _render_broken(project, f"{{{{ facts.hosts.home_vm.{name} }}}}")
    assert first == (
        "templates/docs/zz-broken.md.j2:3: error: the template sandbox refused: access to"
        f" attribute '{name}' of 'TrackedRecord' object is unsafe."
    )


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ("{{ facts.hosts.home_vm.rolez }}", "check the key's spelling against facts.yaml"),
        ("{{ vmm.name }}", "no such variable here: a template sees facts, repo, targets"),
        ("{{ facts.network_path[99].host }}", "a list's items are numbered from 0"),
        ("{{ facts.hosts.home_vm.name.nope }}", "that value is text or a number"),
    ],
    ids=["facts-key", "variable", "list-item", "key-of-a-value"],
)
def test_the_hint_fits_what_was_missing(project: Path, body: str, hint: str) -> None:
    (project / "templates" / "docs" / "zz-broken.md.j2").write_text(
        f"# Broken\n\n{body}\n", "utf-8"
    )
    result = run(["render"], project)
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith(f"  hint: {hint}"), result.err


@pytest.mark.parametrize(
    "body",
    [
        "Installed in {{ facts.hosts.fly_app.install_dir }}.",
        # Read before (and cached by the view), then printed.
        "{% if facts.hosts.fly_app.install_dir is none %}In {% endif %}"
        "{{ facts.hosts.fly_app.install_dir }}.",
        "{% set app = facts.hosts['fly_app'] %}Installed in {{ app['install_dir'] }}.",
    ],
    ids=["attribute", "read-twice", "item"],
)
def test_a_value_that_is_not_set_is_never_printed_as_none(project: Path, body: str) -> None:
    # The Fly.io container has no install folder: "since None" and the like are never meant.
    first = _render_broken(project, body)
    assert first == (
        "templates/docs/zz-broken.md.j2:3: error: the template prints None:"
        " `hosts.fly_app.install_dir` is not set"
    )


def test_a_none_from_no_fact_names_no_key(project: Path) -> None:
    first = _render_broken(project, "{% set nothing = none %}{{ nothing }}")
    assert first == (
        "templates/docs/zz-broken.md.j2:3: error: the template prints None: a value it reads"
        " is not set"
    )


def test_an_error_inside_a_macro_or_include_names_the_lines_that_led_there(
    project: Path,
) -> None:
    """The fault is at the page line that passed a misspelt fact; the macro only uses it."""
    docs = project / "templates" / "docs"
    (docs / "_zz_macros.md.j2").write_text(
        "{% macro shout(text) %}\n{{ text | upper }}\n{% endmacro %}\n", "utf-8"
    )
    (docs / "_zz_part.md.j2").write_text(
        '{% import "docs/_zz_macros.md.j2" as z %}\nSee {{ z.shout(facts.hosts.home_vm.rolez) }}\n',
        "utf-8",
    )
    (docs / "zz-broken.md.j2").write_text(
        '# Broken\n\n{% include "docs/_zz_part.md.j2" %}\n', "utf-8"
    )
    before = snapshot(project)
    result = run(["render"], project)
    assert result.code == 2
    assert snapshot(project) == before
    assert result.err.splitlines()[:3] == [
        "templates/docs/_zz_macros.md.j2:2: error: `hosts.home_vm` has no key `rolez`"
        " (did you mean `role`?)",
        "  called from templates/docs/_zz_part.md.j2:2",
        "  included from templates/docs/zz-broken.md.j2:3",
    ]


def test_a_table_row_of_one_cell_is_counted_in_the_singular(project: Path) -> None:
    first = _render_broken(project, '{{ [["a"]] | table(["x", "y"]) }}')
    assert first == "templates/docs/zz-broken.md.j2:3: error: table row has 1 cell, header has 2"


_OWN_FILTERS = (
    "the generator's filters: bullets, cell, code, cron_minutes, cron_words, last_verified, link,"
    " lower_first, table; Jinja's built-in filters work too"
)


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ("{{ facts.project.name | nosuchfilter }}", _OWN_FILTERS),
        ("{{ facts.project.name | cdoe }}", f"did you mean 'code'? {_OWN_FILTERS}"),
        # In a branch, Jinja looks the filter up only when the branch runs.
        (
            "{% if facts.project %}{{ facts.project.name | lower_frist }}{% endif %}",
            f"did you mean 'lower_first'? {_OWN_FILTERS}",
        ),
        (
            "{% if facts.project.name is hourlyy %}x{% endif %}",
            "did you mean 'hourly'? the generator's tests: hourly; Jinja's built-in tests work too",
        ),
    ],
    ids=["unknown", "misspelt", "misspelt-in-branch", "test"],
)
def test_an_unknown_filter_or_test_is_told_the_nearest_and_the_generators_own(
    project: Path, body: str, hint: str
) -> None:
    (project / "templates" / "docs" / "zz-broken.md.j2").write_text(
        f"# Broken\n\n{body}\n", "utf-8"
    )
    result = run(["render"], project)
    assert result.code == 2
    assert result.err.splitlines()[0].startswith("templates/docs/zz-broken.md.j2:3: error: ")
    assert result.err.splitlines()[-1] == f"  hint: {hint}", result.err


def test_a_key_misspelt_in_facts_yaml_is_named_there_too(project: Path) -> None:
    # facts.yaml says `ngnix`, the template `nginx`: the template is not the one to change.
    facts = project / "facts.yaml"
    text = facts.read_text("utf-8")
    anchor = "    services:\n      tailscale:\n"
    assert text.count(anchor) == 1
    text = text.replace(
        anchor,
        "    services:\n      ngnix:\n        name: nginx\n        purpose: Web\n" + anchor[14:],
    )
    facts.write_text(text, "utf-8")
    line = text.splitlines().index("      ngnix:") + 1
    (project / "templates" / "docs" / "zz-broken.md.j2").write_text(
        "# Broken\n\n{{ facts.hosts.home_vm.services.nginx.name }}\n", "utf-8"
    )
    result = run(["render"], project)
    assert result.code == 2
    assert result.err == (
        "templates/docs/zz-broken.md.j2:3: error: `hosts.home_vm.services` has no key `nginx`"
        " (did you mean `ngnix`?)\n"
        "  hint: if facts.yaml misspells it, rename `hosts.home_vm.services.ngnix` at"
        f" facts.yaml:{line} to `nginx`; otherwise correct the template\n"
    )


def test_a_link_to_no_output_is_told_the_nearest_one(project: Path) -> None:
    first = _render_broken(project, '{{ "docs/home-poler.md" | link }}')
    assert first == (
        "templates/docs/zz-broken.md.j2:3: error: link to 'docs/home-poler.md', which no template"
        " produces (nor 'docs/docs/home-poler.md'); did you mean 'docs/home-poller.md'? Give an"
        " output's path, e.g. docs/index.md, or one beside the page"
    )


def test_a_link_may_name_the_output_beside_the_page_and_shows_that_path(project: Path) -> None:
    (project / "templates" / "docs" / "zz-links.md.j2").write_text(
        '# Links\n\nSee {{ "home-poller.md#the-supervisord-stack" | link }} and'
        ' {{ "docs/network-path.md" | link("the route") }}.\n',
        "utf-8",
    )
    assert run(["render", "-q"], project).code == 0
    page = (project / "docs" / "zz-links.md").read_text("utf-8")
    assert (
        "See [home-poller.md](home-poller.md#the-supervisord-stack) and"
        " [the route](network-path.md)." in page
    )
