"""Progress bars: on a terminal only, for the outputs actually rendered, never in piped output."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from generator.facts import load_facts
from generator.project import Project
from generator.render import Rendered, Renderer
from generator.report import Reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_shows_a_bar_that_is_erased_and_passes_every_item_through() -> None:
    err = Terminal()
    items = list(Reporter(io.StringIO(), err).progress(iter(range(50)), "rendering", 50, delay=0))
    assert items == list(range(50))
    shown = err.getvalue().split("\r")
    assert "rendering:" in shown[1] and "/50" in shown[1]
    assert shown[-1] == "" and shown[-2].strip() == ""  # erased when done: logs stay clean


def test_no_bar_when_piped_or_quiet() -> None:
    piped, quiet_err = io.StringIO(), Terminal()
    source = iter(range(5))
    assert Reporter(io.StringIO(), piped).progress(source, "rendering", 5, delay=0) is source
    assert list(Reporter(io.StringIO(), quiet_err, quiet=True).progress(range(5), "x", 5)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert piped.getvalue() == quiet_err.getvalue() == ""


def test_render_all_passes_exactly_the_outputs_it_renders_through_progress(project: Path) -> None:
    loaded = load_facts(project / "facts.yaml", "facts.yaml")
    renderer = Renderer(Project(project, project / "facts.yaml"), loaded)
    seen: list[str] = []

    def record(items: Iterable[Rendered], label: str, total: int) -> Iterable[Rendered]:
        assert label == "rendering"
        for item in items:
            seen.append(item.output.path)
            yield item
        assert len(seen) == total

    first = renderer.outputs[0]
    kept = renderer.render(first)
    rendered = renderer.render_all(lambda o: kept if o == first else None, record)

    index_and_reused = {first.path, "docs/facts-index.md"}
    assert sorted(seen) == sorted(
        r.output.path for r in rendered if r.output.path not in index_and_reused
    )
