"""`make bench`: time and measure the generator against its anchors, writing BENCHMARKS.md.

Synthetic projects at 1x, 10x and 100x the StakTrakr size are built in a temporary folder
(the page templates copied to give about 30 outputs per step, former values added per step),
with checkouts of the three sibling repos whose CLAUDE.md and skill files sync has filled.
Every command runs as a whole process; each figure is the median of several runs, with the
peak resident memory of the process. Targets are ratios from this one run.
"""

from __future__ import annotations

import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from verdict import verdict  # the sibling module in bench/

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
SCALES = (1, 10, 100)
RUNS = {1: 5, 10: 3, 100: 3}
# check against cog --check, alternated: at 1x both take about 50 ms, so a few runs of each
# would let the machine's noise decide the stretch target.
PAIR_RUNS = {1: 21, 10: 7, 100: 3}
# mdformat --check, the slowest measure, runs once at 100x to keep `make bench` short.
HEAVY_RUNS = {1: 5, 10: 3, 100: 1}
MDFORMAT_ARGS = [
    "--compact-tables",
    *[a for e in ("gfm", "tables", "frontmatter", "mkdocs") for a in ("--extensions", e)],
]


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float


def measure(
    command: Sequence[str],
    cwd: Path,
    runs: int,
    before: Callable[[], None] | None = None,
    *,
    allowed: tuple[int, ...] = (0,),
) -> Sample:
    """Median wall time and the largest peak RSS of a single process over ``runs`` runs.

    A run that exits outside ``allowed`` stops the bench: a failing check is not a timing.
    """
    times: list[float] = []
    peak = 0
    for _ in range(runs):
        if before:
            before()
        # stderr to a file: a pipe read only after the wait would block a chatty child.
        with tempfile.TemporaryFile() as errors:
            started = time.perf_counter()
            process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - started)
            peak = max(peak, usage.ru_maxrss)
            code = os.waitstatus_to_exitcode(status)
            if code not in allowed:
                errors.seek(0)
                text = errors.read().decode(errors="replace")
                raise SystemExit(f"bench: {' '.join(command)} exited {code}:\n{text}")
    return Sample(statistics.median(times), peak / 1024)


def measure_pair(
    first: Sequence[str], second: Sequence[str], cwd: Path, runs: int
) -> tuple[Sample, Sample]:
    """:func:`measure` for two commands whose ratio is a target, run alternately: a drift in
    the machine's load over the runs then weighs on both alike."""
    firsts, seconds = [], []
    for _ in range(runs):
        firsts.append(measure(first, cwd, 1))
        seconds.append(measure(second, cwd, 1))
    return _median_of(firsts), _median_of(seconds)


def _median_of(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.seconds for s in samples), max(s.peak_mb for s in samples))


def build_project(dest: Path, scale: int) -> int:
    """A synthetic project ``scale`` times the bundled one; returns its number of outputs."""
    for name in ("templates", "mkdocs.yml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.exists():
            shutil.copy2(source, dest / name)
    facts = yaml.safe_load((REPO / "facts.yaml").read_text("utf-8"))
    # About 30 outputs per step: the bundled project has 27, each page copy adds one per page.
    # A site has one home page and one fact index, each about every page: copies of them would
    # grow the output with the square of the scale.
    page_templates = [
        t
        for t in (REPO / "templates" / "docs").glob("*.md.j2")
        if not t.name.startswith("_") and t.name not in ("facts-index.md.j2", "index.md.j2")
    ]
    copies = 0 if scale == 1 else round((30 * scale - 27) / len(page_templates))
    # Facts grow with the scale too, but by records no page lists in full (former values):
    # the pages list every feed and host, so multiplying those as well as the pages would grow
    # the output quadratically instead of 30 pages per step.
    for i in range(1, scale):
        facts["former_values"].append(
            {
                "value": f"192.168.{i // 250}.{i % 250}",
                "fact": "hosts.home_vm.ip",
                "note": f"synthetic former value {i}",
            }
        )
    for i in range(copies):
        for template in page_templates:
            target = dest / "templates" / "docs" / f"copy-{i}" / template.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(template, target)
    (dest / "facts.yaml").write_text(
        yaml.safe_dump(facts, sort_keys=False, allow_unicode=True), "utf-8"
    )
    subprocess.run(
        [PY, "-m", "generator", "render", "-q"], cwd=dest, check=True, stdout=subprocess.DEVNULL
    )
    _sibling_checkouts(dest, list(facts["targets"]))
    outputs = [p for p in dest.rglob("*.md") if "cog" not in p.parts]
    _write_cog_twins(dest, outputs)
    return len(outputs)


SIBLINGS = "siblings"


def _sibling_checkouts(dest: Path, repos: list[str]) -> None:
    """A checkout of each sibling repo, its hand-written CLAUDE.md (and the other files that
    carry managed blocks) filled by sync: what `check --repo` verifies in a sibling's CI."""
    for _ in range(2):  # the first sync names the hand-written files it does not create
        result = subprocess.run(
            [PY, "-m", "generator", "sync", "--add-missing", *repo_options(dest, repos)],
            cwd=dest,
            capture_output=True,
            text=True,
        )
        for line in result.stdout.splitlines():
            path, missing, _ = line.partition(": missing; it is hand-written")
            if missing:
                (dest / path).parent.mkdir(parents=True, exist_ok=True)
                (dest / path).write_text(f"# {Path(path).parent.name}\n\nHand-written.\n")
    if result.returncode != 0:
        raise SystemExit(f"bench: sync into the sibling checkouts failed:\n{result.stdout}")


def repo_options(dest: Path, repos: list[str]) -> list[str]:
    """``--repo KEY=PATH`` for each sibling checkout (created on first use)."""
    options = []
    for key in repos:
        (dest / SIBLINGS / key).mkdir(parents=True, exist_ok=True)
        options += ["--repo", f"{key}={SIBLINGS}/{key}"]
    return options


def _write_cog_twins(dest: Path, outputs: list[Path]) -> None:
    """The same pages as cog-marked files whose generator code emits them from a data file."""
    (dest / "cog" / "data").mkdir(parents=True)
    for i, page in enumerate(sorted(outputs)):
        text = page.read_text("utf-8")
        (dest / "cog" / "data" / f"page{i}.txt").write_text(text, "utf-8")
        body = (
            "<!-- [[[cog\nimport cog\n"
            f"cog.out(open('cog/data/page{i}.txt', encoding='utf-8').read())\n]]] -->\n"
            f"{text}<!-- [[[end]]] -->\n"
        )
        (dest / "cog" / f"page{i}.md").write_text(body, "utf-8")


def _changer(dest: Path, line: str, values: Iterator[str]) -> Callable[[], None]:
    """Set facts.yaml's first ``line: value`` to the next of ``values``, one per call.

    Every run sets a value never used before, so nothing is served from a cache that an earlier
    run filled with the same text: each run is a real change of the fact.
    """
    facts = dest / "facts.yaml"
    pattern = re.compile(rf"^(\s*{re.escape(line)}: ).*$", re.MULTILINE)

    def change() -> None:
        text = facts.read_text("utf-8")
        facts.write_text(pattern.sub(rf"\g<1>{next(values)}", text, count=1), "utf-8")

    return change


def _hash_floor(dest: Path) -> list[str]:
    code = (
        "import hashlib, pathlib\n"
        "for p in sorted(pathlib.Path('.').rglob('*')):\n"
        "    if p.is_file() and 'cog' not in p.parts and '.cache' not in p.parts:\n"
        "        hashlib.sha256(p.read_bytes()).hexdigest()\n"
    )
    return [PY, "-c", code]


# Replaces each listed file with its own bytes the way render does (temp file in the same
# folder, fsync, rename), on eight threads: the least any render writing them can cost.
_WRITE_FLOOR = """
import os, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
def replace(path):
    data = open(path, 'rb').read()
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.floor.')
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
with ThreadPoolExecutor(8) as pool:
    list(pool.map(replace, open(sys.argv[1], encoding='utf-8').read().split('\\n')))
"""


def _written_by(dest: Path, change: Callable[[], None]) -> Path:
    """Apply ``change``, render, and list the files that render wrote (one per line)."""
    change()
    result = subprocess.run(
        [PY, "-m", "generator", "render"], cwd=dest, check=True, capture_output=True, text=True
    )
    lines = result.stdout.splitlines()
    paths = [line.removeprefix("wrote ") for line in lines if line.startswith("wrote ")]
    listing = dest.parent / f"{dest.name}-written.txt"
    listing.write_text("\n".join(paths), "utf-8")
    return listing


def run_scale(dest: Path, scale: int) -> dict[str, Sample | int]:
    pages = build_project(dest, scale)
    runs = RUNS[scale]
    gen = [PY, "-m", "generator"]
    cog_files = sorted(str(p) for p in (dest / "cog").glob("page*.md"))
    results: dict[str, Sample | int] = {"pages": pages}
    results["floor_import"] = measure([PY, "-c", "import jinja2, yaml, mdformat"], dest, runs)
    results["floor_hash"] = measure(_hash_floor(dest), dest, runs)
    # check covers this tree and the sibling checkouts, as the cog twins cover both.
    checkouts = repo_options(dest, sorted(p.name for p in (dest / SIBLINGS).iterdir()))
    cog = [str(BIN / "cog"), "--check", *cog_files]
    results["check"], results["cog_check"] = measure_pair(
        [*gen, "check", "-q", *checkouts], cog, dest, PAIR_RUNS[scale]
    )
    results["render"] = measure([*gen, "render", "-q"], dest, runs)
    heavy = HEAVY_RUNS[scale]
    # The home VM's address (the first ip): on about half the pages, the audit's example.
    ip = _changer(dest, "ip", (f"10.1.{n // 250}.{n % 250 + 1}" for n in itertools.count()))
    results["render_one_fact"] = measure([*gen, "render", "-q"], dest, runs, ip)
    written = _written_by(dest, ip)
    results["written_one_fact"] = len(written.read_text("utf-8").splitlines())
    results["floor_write"] = measure([PY, "-c", _WRITE_FLOOR, str(written)], dest, runs)
    # The Fly.io container's memory (the first memory_mb): on a few of the templates.
    memory = _changer(dest, "memory_mb", (str(4096 + 64 * n) for n in itertools.count(1)))
    results["render_narrow_fact"] = measure([*gen, "render", "-q"], dest, runs, memory)
    md_files = [str(p) for p in dest.rglob("*.md") if "cog" not in p.parts]
    results["mdformat_check"] = measure(
        [str(BIN / "mdformat"), "--check", *MDFORMAT_ARGS, *md_files], dest, heavy, allowed=(0, 1)
    )
    # Cold (no result cache), over the generated pages (which lint skips unless asked to lint
    # them); the Lint section times 1,000 files.
    lint = [*gen, "lint", "--no-cache", "--include-generated", "docs"]
    results["lint"] = measure(lint, dest, runs, allowed=(0, 1))
    return results


def _s(sample: Sample | int) -> Sample:
    assert isinstance(sample, Sample)
    return sample


def report(all_results: dict[int, dict[str, Sample | int]]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "<!-- written by `make bench` (bench/bench.py); regenerate it, do not edit it -->",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python"
        f" {platform.python_version()}; the generator's bytecode compiled first, as pip does"
        f" for cog and the libraries. Medians of {RUNS[1]}/{RUNS[10]}/{RUNS[100]} whole-process"
        " runs at 1x/10x/100x (mdformat_check: "
        f"{HEAVY_RUNS[1]}/{HEAVY_RUNS[10]}/{HEAVY_RUNS[100]}; check and cog_check:"
        f" {PAIR_RUNS[1]}/{PAIR_RUNS[10]}/{PAIR_RUNS[100]}, alternated); peak memory is the largest"
        " resident set of a single process in any run (render's worker processes count"
        " one by one, not summed). Each figure is seconds / peak MB. render_one_fact changes the"
        " home VM's IP, which about half the pages state (the row 'written by render_one_fact'"
        " counts them); render_narrow_fact changes the Fly.io container's memory, which a few"
        " templates state. Each of their runs sets a value no earlier run used. floor_write only"
        " replaces, atomically, the files render_one_fact writes (see below the targets).",
        "",
        "| measure | " + " | ".join(f"{s}x" for s in SCALES) + " |",
        "| --- |" + " --- |" * len(SCALES),
        "| outputs | " + " | ".join(str(all_results[s]["pages"]) for s in SCALES) + " |",
        "| written by render_one_fact | "
        + " | ".join(str(all_results[s]["written_one_fact"]) for s in SCALES)
        + " |",
    ]
    names = [
        "floor_import",
        "floor_hash",
        "check",
        "render",
        "render_one_fact",
        "floor_write",
        "render_narrow_fact",
        "lint",
        "cog_check",
        "mdformat_check",
    ]
    for name in names:
        cells = [
            f"{_s(all_results[s][name]).seconds:.3f} s / {_s(all_results[s][name]).peak_mb:.0f} MB"
            for s in SCALES
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    r = {s: {k: v for k, v in all_results[s].items() if isinstance(v, Sample)} for s in SCALES}
    targets = [
        (
            "check at 1x ≤ 1.5x the import floor",
            r[1]["check"].seconds / r[1]["floor_import"].seconds,
            1.5,
        ),
        (
            "check at 10x faster than cog --check",
            r[10]["check"].seconds / r[10]["cog_check"].seconds,
            1.0,
        ),
        (
            "check at 100x faster than cog --check",
            r[100]["check"].seconds / r[100]["cog_check"].seconds,
            1.0,
        ),
        (
            "render after one fact changed at 100x ≤ 3x check at 100x",
            r[100]["render_one_fact"].seconds / r[100]["check"].seconds,
            3.0,
        ),
        (
            "check grows at most linearly 10x → 100x (time ratio ≤ 10)",
            r[100]["check"].seconds / r[10]["check"].seconds,
            10.0,
        ),
        (
            "render grows at most linearly 10x → 100x (time ratio ≤ 10)",
            r[100]["render"].seconds / r[10]["render"].seconds,
            10.0,
        ),
        (
            "peak memory of render at 100x < 150 MB",
            max(r[100][m].peak_mb for m in ("render", "render_one_fact", "render_narrow_fact")),
            150.0,
        ),
        ("peak memory of check at 100x < 150 MB", r[100]["check"].peak_mb, 150.0),
        (
            "stretch: check at 1x faster than cog --check",
            r[1]["check"].seconds / r[1]["cog_check"].seconds,
            1.0,
        ),
        (
            "stretch: check at 100x ≤ 3x reading and hashing every file",
            r[100]["check"].seconds / r[100]["floor_hash"].seconds,
            3.0,
        ),
    ]
    lines += ["", "| target | result |", "| --- | --- |"]
    for label, ratio, limit in targets:
        lines.append(f"| {label} | {verdict(ratio <= limit, ratio, limit)} |")
    floor = r[100]["floor_write"].seconds
    lines += [
        "",
        f"For scale: floor_write replaces the {all_results[100]['written_one_fact']} files that"
        " render_one_fact changes at 100x with their own bytes, atomically and on eight threads"
        f" as render does, and nothing else: {floor:.3f} s, already"
        f" {floor / r[100]['check'].seconds:.2f}x check at 100x.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    # pip compiles an installed package's bytecode; an editable install compiles on first use,
    # unless PYTHONDONTWRITEBYTECODE is set, when every run would recompile the generator while
    # cog and the libraries load theirs. Compile it first, so every process starts as installed.
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "generator")], check=True)
    all_results: dict[int, dict[str, Sample | int]] = {}
    with tempfile.TemporaryDirectory(prefix="generator-bench-") as tmp:
        for scale in SCALES:
            started = time.perf_counter()
            dest = Path(tmp) / f"x{scale}"
            dest.mkdir()
            all_results[scale] = run_scale(dest, scale)
            print(f"bench: {scale}x done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    import lint_bench  # the sibling script in bench/

    text = report(all_results) + lint_bench.report(lint_bench.measure())
    (REPO / "BENCHMARKS.md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
