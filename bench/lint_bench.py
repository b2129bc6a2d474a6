"""Lint benchmark: 1,000 synthetic Markdown files (about 5 MB), timed against only reading them.

The files mix prose, tables, code blocks and the literals the linter looks at (addresses,
ports, crons, devops paths, retired names), with a little seeded drift. Both figures are medians
of several in-process runs over a warm page cache; the floor reads every file, the lint finds,
reads and lints every file (facts are loaded once beforehand and timed apart). Target: < 3x.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from verdict import verdict  # noqa: E402  (the sibling module in bench/)

from generator.facts import load_facts  # noqa: E402
from generator.lint.config import LintConfig  # noqa: E402
from generator.lint.discover import markdown_files  # noqa: E402
from generator.lint.engine import Target, lint_targets  # noqa: E402
from generator.lint.knowledge import build_knowledge  # noqa: E402
from generator.lint.rules import RULES  # noqa: E402

FILES = 1000
TARGET_BYTES = 5 * 1024 * 1024
RUNS = 7
TARGET_RATIO = 3.0

PROSE = (
    "the poller scrapes dealer sites and writes prices every cycle while the dashboard shows "
    "both pollers and their health so that a stale feed is noticed before users see old data "
    "each provider has a list of coins and a retry budget the exporter merges vendor quotes"
)
WORDS = PROSE.split()
LINES = (
    "The Home VM (`192.168.1.48`) runs tinyproxy (port 8889) for Fly.io.",
    "Spot prices come from `run-spot.sh` on `5,20,35,50 * * * *`.",
    "Shared code lives in `devops/scraper/price-extract.js`.",
    "This Mac: `cd devops/fly-poller && fly deploy`.",
    "`spot-poller.yml` is retired; it is kept for emergency manual trigger only.",
    "The dashboard.js service listens on port 3010.",
    "| Market prices | `data/api/manifest.json` | `run-publish.sh` | 15 min |",
    "Tailscale exit node `100.112.198.50` carries all scrape traffic.",
)
DRIFT = (
    "The home VM is at 192.168.1.81.",
    "tinyproxy listens on 8888.",
    "docker exec firecrawl-docker-retail-poller-1 node capture.js",
    "See devops/retail-poller/run-spot.sh for the spot cron.",
)


def make_corpus(folder: Path, seed: int = 7) -> int:
    """Write FILES Markdown files totalling about TARGET_BYTES; return the bytes written."""
    rng = random.Random(seed)
    per_file = TARGET_BYTES // FILES
    total = 0
    for i in range(FILES):
        parts = [f"# Page {i}\n"]
        size = 0
        while size < per_file:
            roll = rng.random()
            if roll < 0.55:
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 90)))
                chunk = text.capitalize() + ".\n"
            elif roll < 0.85:
                chunk = rng.choice(LINES) + "\n"
            elif roll < 0.97:
                body = "\n".join(rng.choice(LINES) for _ in range(3))
                chunk = f"```sh\n{body}\n```\n"
            else:
                chunk = rng.choice(DRIFT) + "\n"
            parts.append(chunk + "\n")
            size += len(chunk) + 1
        data = "".join(parts)
        sub = folder / f"section-{i % 20:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"page-{i:04d}.md").write_text(data, "utf-8")
        total += len(data.encode("utf-8"))
    return total


def median_time(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall time and median CPU time of ``runs`` calls (CPU time is steadier on a
    shared machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


@dataclass(frozen=True)
class LintBench:
    files: int
    megabytes: float
    findings: int
    setup: float
    floor: float
    floor_cpu: float
    lint: float
    lint_cpu: float

    @property
    def ratio(self) -> float:
        return self.lint / self.floor


def measure() -> LintBench:
    """Lint the synthetic corpus and only read it, several times each; medians."""
    started = time.perf_counter()
    know = build_knowledge(load_facts(REPO / "facts.yaml").facts)
    _ = know.scanner
    setup = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="lint-bench-") as tmp:
        folder = Path(tmp)
        size = make_corpus(folder)
        paths = [folder / name for name in markdown_files(folder)]

        def read_all() -> None:
            for path in paths:
                path.read_text("utf-8")

        def lint_all() -> int:
            outcome = lint_targets([Target(folder)], know, frozenset(RULES), LintConfig())
            return len(outcome.findings)

        read_all()
        findings = lint_all()
        floor, floor_cpu = median_time(read_all)
        lint, lint_cpu = median_time(lint_all)
    return LintBench(len(paths), size / 1e6, findings, setup, floor, floor_cpu, lint, lint_cpu)


def report(result: LintBench) -> str:
    """The lint section of BENCHMARKS.md."""
    ok = result.ratio < 3.0
    return "\n".join(
        [
            "",
            "## Lint",
            "",
            f"{result.files} synthetic Markdown files, {result.megabytes:.1f} MB, {result.findings}"
            " findings; medians of in-process runs (facts loaded once beforehand).",
            "",
            "| measure | wall | CPU |",
            "| --- | --- | --- |",
            f"| read every file (floor) | {result.floor * 1000:.1f} ms"
            f" | {result.floor_cpu * 1000:.1f} ms |",
            f"| lint every file | {result.lint * 1000:.1f} ms | {result.lint_cpu * 1000:.1f} ms |",
            "",
            f"Target lint < 3x the read floor: {verdict(ok, result.ratio, 3.0)}.",
            "",
        ]
    )


def main() -> int:
    result = measure()
    verdict = "meets" if result.ratio < TARGET_RATIO else "MISSES"
    print(
        f"lint benchmark: {result.files} files, {result.megabytes:.1f} MB,"
        f" {result.findings} findings"
    )
    print(f"  facts load and index (once): {result.setup * 1000:.0f} ms")
    print(f"  read floor: {result.floor * 1000:.1f} ms wall, {result.floor_cpu * 1000:.1f} ms CPU")
    print(f"  lint:       {result.lint * 1000:.1f} ms wall, {result.lint_cpu * 1000:.1f} ms CPU")
    print(
        f"  ratio {result.ratio:.1f}x wall, {result.lint_cpu / result.floor_cpu:.1f}x CPU"
        f" ({verdict} the target of < {TARGET_RATIO:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
