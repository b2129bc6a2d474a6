"""The built wiki in headless chromium: offline, no errors, diagrams drawn, search, dark theme."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

from tests.conftest import REPO, copy_project, mkdocs_build

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium (make browser, as root) to run the"
        " browser tests",
        allow_module_level=True,
    )

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "build" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Material draws each diagram into a closed shadow root; opening it lets the test look inside.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, {...init, mode: "open"});
};
"""
DIAGRAMS = """() => [...document.querySelectorAll("div.mermaid")].map((div) => {
  const svg = div.shadowRoot && div.shadowRoot.querySelector("svg");
  return svg ? [svg.getAttribute("aria-roledescription"), svg.textContent] : [null, ""];
})"""
# True once Material has replaced every diagram source with a drawn SVG.
DRAWN = """(n) => document.querySelectorAll("pre.mermaid").length === 0
  && [...document.querySelectorAll("div.mermaid")]
    .filter((div) => div.shadowRoot && div.shadowRoot.querySelector("svg")).length === n"""
# What each diagram must show, by page: its Mermaid kind and texts taken from facts.yaml.
EXPECTED_DIAGRAMS = {
    "network-path/": [("flowchart-v2", ["192.168.1.48", "port 8889", "100.112.198.50"])],
    "architecture-overview/": [("flowchart-v2", ["lbruton/StakTrakrApi", "fly-poller/"])],
    "change-gate/": [("sequence", ["cd devops/fly-poller && fly deploy"])],
    "data-feeds/": [("gantt", ["Spot prices", "minute 05", "minute 50"])],
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build_copy(root: Path, edit_config: Callable[[str], str] | None = None) -> Path:
    """A copy of this project at ``root`` built with ``mkdocs build --strict``; the site folder."""
    copy_project(root)
    config = root / "mkdocs.yml"
    if edit_config:
        config.write_text(edit_config(config.read_text(encoding="utf-8")), encoding="utf-8")
    result = mkdocs_build(root, root / "site")
    assert result.returncode == 0, result.stderr
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_copy(tmp_path_factory.mktemp("project"))


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on 127.0.0.1, on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """One browser tab, with what it logged and what it tried to fetch off the machine."""

    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_tab(browser: Browser, **options: Any) -> Iterator[Visit]:
    """A new tab in its own context (``options`` as for ``new_context``), guarded offline."""
    context = browser.new_context(
        **{"viewport": {"width": 1280, "height": 900}, "color_scheme": "light", **options}
    )
    context.add_init_script(OPEN_SHADOW_ROOTS)
    tab = Visit(context.new_page())

    def local(url: str) -> bool:
        return urlsplit(url).hostname in ("127.0.0.1", "localhost") or url.startswith("data:")

    def on_request(request: Request) -> None:
        if not local(request.url):
            tab.outside.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(f"console: {message.text}")

    def guard(route: Route) -> None:
        # Nothing leaves the machine, even if the site asks: the request is recorded, then refused.
        if local(route.request.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    tab.page.on("request", on_request)
    tab.page.on("console", on_console)
    tab.page.on("pageerror", lambda error: tab.errors.append(f"page error: {error}"))
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    with open_tab(browser) as tab:
        yield tab


def pages(site: Path) -> list[str]:
    """Every page of the site as a path below the root, e.g. ``home-poller/``."""
    found = [
        p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if p.relative_to(site).parts[0] not in ("assets", "search")
    ]
    return sorted("" if path == "./" else path for path in found)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_every_page_loads_offline_without_errors_and_draws_its_diagrams(
    site: Path, base_url: str, visit: Visit
) -> None:
    paths = pages(site)
    assert len(paths) >= 12
    problems: list[str] = []
    drawn: dict[str, list[tuple[str, list[str]]]] = {}
    for path in paths:
        visit.errors.clear()
        html = (site / path / "index.html").read_text(encoding="utf-8")
        expected = html.count('<pre class="mermaid">')
        visit.page.goto(base_url + path, wait_until="networkidle")
        visit.page.wait_for_function(
            DRAWN,
            arg=expected,
            timeout=15_000,
        )
        diagrams: list[list[Any]] = visit.page.evaluate(DIAGRAMS)
        drawn[path] = [(kind, text) for kind, text in diagrams]
        problems += [f"{path or '/'}: {error}" for error in visit.errors]
        problems += [
            f"{path or '/'}: diagram {i} is {kind}"
            for i, (kind, _) in enumerate(diagrams)
            if kind in (None, "error")
        ]
        screenshot(visit.page, path.strip("/").replace("/", "_") or "index")
    assert problems == []
    assert visit.outside == []
    for path, wanted in EXPECTED_DIAGRAMS.items():
        assert [kind for kind, _ in drawn[path]] == [kind for kind, _ in wanted], path
        for (_, text), (_, needles) in zip(drawn[path], wanted, strict=True):
            for needle in needles:
                assert needle in text, (path, needle)


def test_searching_tinyproxy_leads_to_the_home_vm_page(base_url: str, visit: Visit) -> None:
    page = visit.page
    page.goto(base_url, wait_until="networkidle")
    page.locator("input.md-search__input").click()
    page.keyboard.type("tinyproxy")
    first = page.locator(".md-search-result__item > a").first
    first.wait_for(timeout=15_000)
    screenshot(page, "search-tinyproxy")
    assert urlsplit(first.get_attribute("href") or "").path == "/home-poller/"
    first.click()
    page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path == "/home-poller/"
    assert page.locator("h1").inner_text().rstrip("¶") == "Home VM and home poller"
    assert page.locator("td", has_text="tinyproxy").count() >= 1
    assert visit.errors == []
    assert visit.outside == []


def test_the_toggle_switches_to_the_dark_palette_and_back(base_url: str, visit: Visit) -> None:
    page = visit.page
    page.goto(base_url + "home-poller/", wait_until="networkidle")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("label[title='Switch to dark mode']").click()
    assert body.get_attribute("data-md-color-scheme") == "slate"
    screenshot(page, "home-poller-dark")
    page.locator("label[title='Switch to light mode']").click()
    assert body.get_attribute("data-md-color-scheme") == "default"
    assert visit.errors == []
    assert visit.outside == []


def draw(tab: Visit, url: str, diagrams: int) -> None:
    """Open ``url`` and wait until Material has drawn its ``diagrams`` diagrams."""
    tab.page.goto(url, wait_until="networkidle")
    tab.page.wait_for_function(DRAWN, arg=diagrams, polling=100, timeout=15_000)


def test_the_hour_chart_draws_no_today_line_just_after_midnight(
    browser: Browser, base_url: str
) -> None:
    """The chart's times are HH:mm, which Mermaid puts on today's date: between 00:00 and 01:00
    its "today" marker would fall inside the hour and draw a red line across every feed."""
    with open_tab(browser, timezone_id="UTC") as tab:
        tab.page.clock.set_fixed_time(datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
        draw(tab, base_url + "data-feeds/", 1)
        lines = tab.page.evaluate(
            """() => [...document.querySelectorAll("div.mermaid")]
              .map((div) => div.shadowRoot.querySelectorAll("svg .today").length)"""
        )
        screenshot(tab.page, "data-feeds-after-midnight")
        assert lines == [0]
        assert tab.errors == []
        assert tab.outside == []


# The colours a diagram's parts are painted in, and the page behind them, as [r, g, b, a].
PAINT = """(selectors) => {
  const rgba = (text) => {
    const [r, g, b, a = 1] = text.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a];
  };
  const svg = document.querySelector("div.mermaid").shadowRoot.querySelector("svg");
  const paint = Object.fromEntries(Object.entries(selectors).map(([name, [selector, prop]]) => [
    name, svg.querySelector(selector) && rgba(getComputedStyle(svg.querySelector(selector))[prop]),
  ]));
  return {background: rgba(getComputedStyle(document.body).backgroundColor), paint};
}"""
DIAGRAM_PARTS = {
    "data-feeds/": {
        "title": (".titleText", "fill"),
        "section label": (".sectionTitle", "fill"),
        "milestone label": (".taskTextOutsideRight", "fill"),
        "axis label": (".grid .tick text", "fill"),
    },
    "change-gate/": {
        "arrowhead": ('[id$="-arrowhead"] path', "fill"),
        "message": (".messageText", "fill"),
    },
}


def contrast(fore: list[float], back: list[float]) -> float:
    """The WCAG contrast ratio of ``fore`` (its alpha blended over ``back``) against ``back``."""

    def luminance(rgb: list[float]) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    alpha = fore[3]
    blended = [alpha * f + (1 - alpha) * b for f, b in zip(fore[:3], back[:3], strict=True)]
    light, dark = sorted((luminance(blended), luminance(back[:3])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("path", DIAGRAM_PARTS)
def test_diagrams_follow_the_palette_both_ways(browser: Browser, base_url: str, path: str) -> None:
    """On the dark palette Mermaid's light defaults were dark grey on dark grey; the parts are
    painted in the palette's colours, and follow the toggle back to light without a redraw."""
    with open_tab(browser, color_scheme="dark") as tab:
        draw(tab, base_url + path, 1)
        assert tab.page.locator("body").get_attribute("data-md-color-scheme") == "slate"
        screenshot(tab.page, path.strip("/") + "-dark")
        seen = {"slate": tab.page.evaluate(PAINT, DIAGRAM_PARTS[path])}
        tab.page.locator("label[title='Switch to light mode']").click()
        seen["default"] = tab.page.evaluate(PAINT, DIAGRAM_PARTS[path])
        assert tab.page.evaluate(DIAGRAMS)[0][0] != "error"
        assert tab.errors == []
        assert tab.outside == []
    faint = {
        f"{scheme}: {part} {colour}": round(contrast(colour, found["background"]), 2)
        for scheme, found in seen.items()
        for part, colour in found["paint"].items()
        if contrast(colour, found["background"]) < 3
    }
    assert faint == {}


def test_without_the_vendored_mermaid_the_page_would_fetch_it_from_a_cdn(
    tmp_path: Path, visit: Visit
) -> None:
    """The control for the offline checks above: they see what a missing vendored file causes."""
    scripts = re.compile(r"^extra_javascript:\n(  - .*\n)+", re.MULTILINE)
    bare = build_copy(tmp_path, lambda text: scripts.sub("extra_javascript: []\n", text, count=1))
    with serve(bare) as url:
        visit.page.goto(url + "network-path/", wait_until="networkidle")
        visit.page.wait_for_timeout(500)
    assert [urlsplit(u).hostname for u in visit.outside] == ["unpkg.com"]
    assert visit.page.locator("div.mermaid").count() == 0  # refused, so nothing was drawn
