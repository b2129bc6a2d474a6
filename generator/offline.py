"""Find what a built HTML page would load from outside the site (scripts, styles, fonts, images)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Attributes through which a browser fetches something as soon as the page loads.
_LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# <link> loads for these rels; others (canonical, alternate, next, prev) are plain links.
_LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "mask-icon",
    "manifest",
    "preload",
    "prefetch",
    "modulepreload",
    "preconnect",
    "dns-prefetch",
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class ExternalLoad:
    """One resource a page would fetch from another origin."""

    line: int
    tag: str
    attribute: str
    url: str

    def describe(self) -> str:
        return f"line {self.line}: <{self.tag} {self.attribute}> loads {self.url}"


def is_external(url: str) -> bool:
    """True for a URL that names another host (``https://x``, ``//x``), not a path or data:."""
    url = url.strip()
    if url.startswith("//"):
        return True
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https", "ftp", "ws", "wss")


def _srcset_urls(value: str) -> list[str]:
    return [item.strip().split()[0] for item in value.split(",") if item.strip()]


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[ExternalLoad] = []
        self._in_style = False

    def _note(self, tag: str, attribute: str, url: str, lines_in: int = 0) -> None:
        if is_external(url):
            line = self.getpos()[0] + lines_in
            self.found.append(ExternalLoad(line, tag, attribute, url.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            if rels & _LOADING_RELS and "href" in values:
                self._note(tag, "href", values["href"])
        for attribute in _LOADING_ATTRS.get(tag, ()):
            if attribute not in values:
                continue
            urls = _srcset_urls(values[attribute]) if attribute == "srcset" else [values[attribute]]
            for url in urls:
                self._note(tag, attribute, url)
        if "style" in values:
            self._css(tag, "style", values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css("style", "url()", data)

    def _css(self, tag: str, attribute: str, text: str) -> None:
        for match in _CSS_URL.finditer(text):
            lines_in = text.count("\n", 0, match.start())
            self._note(tag, attribute, match.group(1) or match.group(2), lines_in)


def external_loads(html: str) -> list[ExternalLoad]:
    """Every script, stylesheet, font, image or frame ``html`` would load from another host."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return sorted(scanner.found)
