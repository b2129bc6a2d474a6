"""The published wiki: strict mkdocs builds of a project copy, its pages, and the offline rule."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from generator.offline import ExternalLoad, external_loads
from tests.conftest import REPO, mkdocs_build, run, snapshot

pytestmark = pytest.mark.slow


def page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_strict_build_states_the_facts_exactly(project: Path, tmp_path: Path) -> None:
    facts = yaml.safe_load((project / "facts.yaml").read_text(encoding="utf-8"))
    vm = facts["hosts"]["home_vm"]
    feeds = facts["feeds"]
    # The values the issue names, as facts.yaml holds them.
    assert vm["ip"] == "192.168.1.48"
    assert vm["services"]["tinyproxy"]["port"] == 8889
    assert vm["services"]["dashboard"]["port"] == 3010
    assert vm["services"]["tailscale"]["address"] == "100.112.198.50"
    assert feeds["spot_prices"]["cron"] == "5,20,35,50 * * * *"
    files = [feeds[key]["file"] for key in ("market_prices", "spot_prices", "goldback")]
    assert files == [
        "data/api/manifest.json",
        "data/hourly/YYYY/MM/DD/HH.json",
        "data/api/goldback-spot.json",
    ]

    assert run(["render"], project).code == 0
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"

    home_vm = page(site, "home-poller")
    assert "<code>192.168.1.48</code>" in home_vm
    assert "<code>8889</code>" in home_vm
    assert "<code>3010</code>" in home_vm
    assert "<code>100.112.198.50</code>" in home_vm
    feeds_page = page(site, "data-feeds")
    assert "<code>5,20,35,50 * * * *</code>" in feeds_page
    assert "At 5, 20, 35, and 50 minutes past the hour" in feeds_page
    assert "at minutes 5, 20, 35, 50 of every hour" in feeds_page
    # The hour chart is dated today; after midnight a "today" line would cross it.
    gantt = re.search(r'<pre class="mermaid"><code>(gantt\n.*?)</code>', feeds_page, re.DOTALL)
    assert gantt is not None
    assert "\n  todayMarker off\n" in gantt.group(1)
    for file in files:
        assert f"<code>{file}</code>" in feeds_page
        assert f"<code>{file}</code>" in (site / "index.html").read_text(encoding="utf-8")
    network = page(site, "network-path")
    assert "Home VM&lt;br/&gt;192.168.1.48" in network  # the Mermaid source, drawn in the browser
    assert "tinyproxy&lt;br/&gt;port 8889" in network


def test_changing_a_fact_changes_the_pages(project: Path, tmp_path: Path) -> None:
    facts_file = project / "facts.yaml"
    text = facts_file.read_text(encoding="utf-8")
    for old, new in (
        ("ip: 192.168.1.48", "ip: 192.168.1.77"),
        ("port: 8889", "port: 8899"),
        ('cron: "5,20,35,50 * * * *"', 'cron: "0,30 * * * *"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    facts_file.write_text(text, encoding="utf-8")

    rendered = run(["render"], project)
    assert rendered.code == 0, rendered.err
    assert "wrote docs/home-poller.md" in rendered.out
    assert "wrote docs/data-feeds.md" in rendered.out
    assert mkdocs_build(project, tmp_path / "site").returncode == 0
    site = tmp_path / "site"

    home_vm = page(site, "home-poller")
    assert "<code>192.168.1.77</code>" in home_vm
    assert "<code>8899</code>" in home_vm
    assert "192.168.1.48" not in home_vm
    assert "8889" not in home_vm
    feeds_page = page(site, "data-feeds")
    assert "<code>0,30 * * * *</code>" in feeds_page
    assert "At 0 and 30 minutes past the hour" in feeds_page
    assert "5,20,35,50" not in feeds_page
    assert "minute 30 : milestone, 00:30, 0m" in feeds_page  # the within-the-hour chart


def test_the_build_renders_stale_pages_itself(project: Path, tmp_path: Path) -> None:
    """`make serve` relies on this: the plugin re-renders from facts.yaml before each build."""
    facts_file = project / "facts.yaml"
    text = facts_file.read_text(encoding="utf-8")
    facts_file.write_text(text.replace("ip: 192.168.1.48", "ip: 192.168.1.66"), encoding="utf-8")

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 0, result.stderr
    assert "INFO    -  rendered docs/home-poller.md from facts.yaml" in result.stderr
    assert "<code>192.168.1.66</code>" in page(tmp_path / "site", "home-poller")
    assert run(["check"], project).code == 0


def test_the_build_says_which_orphans_it_removed(project: Path, tmp_path: Path) -> None:
    orphan = project / "docs" / "old-page.md"
    orphan.write_text(
        "<!-- generated from facts.yaml by python -m generator (templates/docs/old-page.md.j2):"
        " do not edit; change facts.yaml or the template, then run make render -->\n\n# Old\n",
        encoding="utf-8",
    )

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 0, result.stderr
    assert "INFO    -  removed docs/old-page.md: no template makes it any more" in result.stderr
    assert not orphan.exists()


def test_bad_facts_fail_the_build_with_the_location_and_write_nothing(
    project: Path, tmp_path: Path
) -> None:
    facts_file = project / "facts.yaml"
    lines = facts_file.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.strip() == "ip: 192.168.1.48")
    lines[line] = lines[line].replace("192.168.1.48", "192.168.1.480")
    facts_file.write_text("".join(lines), encoding="utf-8")
    before = snapshot(project / "docs")

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 1
    column = lines[line].index("192.168.1.480") + 1
    assert (
        f"facts.yaml:{line + 1}:{column}: error: '192.168.1.480' is not a valid IPv4 address"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert snapshot(project / "docs") == before
    assert not (tmp_path / "site" / "home-poller").exists()


def test_built_html_loads_nothing_from_outside_the_site(project: Path, tmp_path: Path) -> None:
    assert mkdocs_build(project, tmp_path / "site").returncode == 0
    pages = sorted((tmp_path / "site").rglob("*.html"))
    assert len(pages) >= 12
    found = {
        p.relative_to(tmp_path / "site").as_posix(): external_loads(p.read_text(encoding="utf-8"))
        for p in pages
    }
    assert {name: loads for name, loads in found.items() if loads} == {}
    # What the browser needs is in the site itself.
    assert (tmp_path / "site" / "assets/vendor/mermaid/mermaid.min.js").is_file()
    for css in (tmp_path / "site").rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8"))
        assert urls == [], css


def test_an_external_script_fails_the_build(project: Path, tmp_path: Path) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    local = "  - assets/vendor/mermaid/mermaid.min.js\n"
    assert text.count(local) == 1
    config.write_text(
        text.replace(local, "  - https://cdn.example.com/mermaid.min.js\n"), encoding="utf-8"
    )

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 1
    assert "the site must work offline, but these pages load from outside it:" in result.stderr
    assert re.search(
        r"^  index\.html: line \d+: <script src> loads https://cdn\.example\.com/mermaid\.min\.js$",
        result.stderr,
        re.MULTILINE,
    ), result.stderr
    assert re.search(r"^  404\.html: line \d+: <script src> loads", result.stderr, re.MULTILINE)
    assert "`- generator: {offline: false}` under `plugins`" in result.stderr  # the way out
    assert "Traceback" not in result.stderr

    # The way out the message names: the check is off, the build passes.
    plugins = config.read_text(encoding="utf-8")
    assert plugins.count("  - generator\n") == 1
    config.write_text(plugins.replace("  - generator\n", "  - generator: {offline: false}\n"))
    assert mkdocs_build(project, tmp_path / "site-online").returncode == 0


def test_web_fonts_fail_the_build(project: Path, tmp_path: Path) -> None:
    """theme.font: false is what keeps Google Fonts out; the build proves it."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert text.count("  font: false") == 1
    config.write_text(text.replace("  font: false", "  font:\n    text: Roboto"), encoding="utf-8")

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 1
    assert re.search(
        r"^  index\.html: line \d+: <link href> loads https://fonts\.googleapis\.com/css",
        result.stderr,
        re.MULTILINE,
    ), result.stderr


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<script src="https://x.test/a.js"></script>',
            [(1, "script", "src", "https://x.test/a.js")],
        ),
        ('<link rel="stylesheet" href="//x.test/a.css">', [(1, "link", "href", "//x.test/a.css")]),
        ('<link rel="preconnect" href="https://x.test">', [(1, "link", "href", "https://x.test")]),
        (
            '<img src="a.png" srcset="b.png 1x, http://x.test/c.png 2x">',
            [(1, "img", "srcset", "http://x.test/c.png")],
        ),
        (
            "<style>\n@font-face { src: url('https://x.test/f.woff2') }\n</style>",
            [(2, "style", "url()", "https://x.test/f.woff2")],
        ),
        (
            '<div style="background: url(https://x.test/b.png)">',
            [(1, "div", "style", "https://x.test/b.png")],
        ),
        # Not loads: plain links, canonical links, local paths and inline data.
        ('<a href="https://github.com/x">x</a>', []),
        ('<link rel="canonical" href="https://x.test/page/">', []),
        ('<script src="assets/a.js"></script><img src="/b.png">', []),
        ('<img src="data:image/png;base64,AA">', []),
    ],
)
def test_external_loads(html: str, expected: list[tuple[int, str, str, str]]) -> None:
    assert external_loads(html) == [ExternalLoad(*item) for item in expected]


def test_vendored_mermaid_is_the_recorded_release() -> None:
    folder = REPO / "docs/assets/vendor/mermaid"
    notice = (folder / "NOTICE").read_text(encoding="utf-8")
    recorded = re.search(r"^sha256:\s+([0-9a-f]{64})$", notice, re.MULTILINE)
    assert recorded is not None
    digest = hashlib.sha256((folder / "mermaid.min.js").read_bytes()).hexdigest()
    assert digest == recorded.group(1)
    assert "MIT" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert re.search(r"^package:\s+mermaid 11\.\d+\.\d+, from the npm registry$", notice, re.M)


def test_the_404_page_links_from_the_published_address(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served at any missing path, it cannot use relative links: a Pages project site needs
    SITE_URL (set by the Pages build), and a local build without it links from the root."""
    local = mkdocs_build(project, tmp_path / "local")
    monkeypatch.setenv("SITE_URL", "https://example.github.io/StakTrakrWiki/")
    published = mkdocs_build(project, tmp_path / "published")

    assert (local.returncode, published.returncode) == (0, 0), local.stderr + published.stderr
    stylesheet = re.compile(r'<link rel="stylesheet" href="([^"]+/main\.[^"]+\.css)"')
    assert stylesheet.findall((tmp_path / "local" / "404.html").read_text("utf-8"))[0].startswith(
        "/assets/"
    )
    found = stylesheet.findall((tmp_path / "published" / "404.html").read_text("utf-8"))
    assert found[0].startswith("/StakTrakrWiki/assets/")


def test_a_hostile_value_reads_as_written_on_every_page(project: Path, tmp_path: Path) -> None:
    """A fact value is text: no script runs, no emphasis or link appears, whatever it holds;
    code blocks built from facts keep their bytes."""
    facts_file = project / "facts.yaml"
    text = facts_file.read_text(encoding="utf-8")
    hostile = (
        "Home <script>alert(1)</script> *star* [link](http://evil.example/x) __init__"
        " {: onclick=alert(2) }"
    )
    assert text.count("    name: Home VM\n") == 1
    facts_file.write_text(
        text.replace("    name: Home VM\n", f'    name: "{hostile}"\n'), encoding="utf-8"
    )
    assert run(["render"], project).code == 0

    result = mkdocs_build(project, tmp_path / "site")

    assert result.returncode == 0, result.stderr
    pages = {p: p.read_text("utf-8") for p in (tmp_path / "site").rglob("index.html")}
    shown = [p for p, html in pages.items() if "alert(1)" in html]
    assert len(shown) >= 5  # the host's name is on most pages
    for page_path, html in pages.items():
        assert "<script>alert(1)" not in html, page_path
        assert 'href="http://evil.example/x"' not in html, page_path
        assert "<em>star</em>" not in html and "<strong>init</strong>" not in html, page_path
        assert not re.search(r"<[^>]*\sonclick=", html), page_path  # no attribute list
    assert "/opt/poller/&lt;file&gt;" in page(tmp_path / "site", "home-poller")  # sh, as is
