"""MkDocs plugin: render pages from facts before each build; fail builds that load off-site."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page

from generator import actions
from generator.errors import ExitCode, GeneratorError
from generator.offline import ExternalLoad, external_loads
from generator.project import find_project
from generator.report import Reporter

log = logging.getLogger("mkdocs.plugins.generator")


# mkdocs leaves Config.__init_subclass__ (which collects the options) unannotated.
class SiteConfig(base.Config):  # type: ignore[no-untyped-call]
    render = c.Type(bool, default=True)  # re-render docs/ from facts.yaml before each build
    offline = c.Type(bool, default=True)  # fail the build if a page loads from another host


def render_pages(config_file: Path) -> actions.Written:
    """`render` for the project holding ``config_file``, as the CLI does it: what it wrote and
    removed."""
    project = find_project(config_file.parent)
    captured = io.StringIO()  # the render's report becomes the build log, never stdout
    result = actions.render_files(project, Reporter(captured, captured, quiet=True))
    if result.code != ExitCode.OK:
        raise PluginError(captured.getvalue().rstrip("\n"))
    return result


def offline_report(found: dict[str, list[ExternalLoad]]) -> str:
    """The build error listing every page that would load something from outside the site."""
    lines = [
        f"{page}: {load.describe()}" for page, loads in sorted(found.items()) for load in loads
    ]
    return (
        "the site must work offline, but these pages load from outside it:\n  "
        + "\n  ".join(lines)
        + "\nVendor the file under docs/assets/ and load it by a relative path; for Material's"
        " Google Fonts, set `font: false` under `theme`. A site meant to load from other hosts"
        " turns this check off: `- generator: {offline: false}` under `plugins`."
    )


class SitePlugin(BasePlugin[SiteConfig]):  # type: ignore[no-untyped-call]  # as above
    """Registered as ``generator`` in mkdocs.yml ``plugins``."""

    def __init__(self) -> None:
        self.found: dict[str, list[ExternalLoad]] = {}

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self.found = {}
        if not self.config.render or not config.config_file_path:
            return
        try:
            result = render_pages(Path(config.config_file_path))
        except GeneratorError as exc:
            raise PluginError(exc.format()) from None
        for path in result.paths:
            log.info("rendered %s from facts.yaml", path)
        for path in result.removed:
            log.info("removed %s: no template makes it any more", path)

    def _scan(self, name: str, html: str) -> None:
        if self.config.offline:
            loads = external_loads(html)
            if loads:
                self.found[name] = loads

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        self._scan(page.file.dest_uri, output)
        return output

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str:
        if template_name.endswith(".html"):  # 404.html is built from a template, not a page
            self._scan(template_name, output_content)
        return output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.found:
            raise PluginError(offline_report(self.found))
