"""The command line people meet: --help, --version, --quiet, colour and progress."""

from __future__ import annotations

import errno
import importlib.metadata
import io
import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from generator import __version__
from generator.facts import load_facts
from generator.project import Project
from generator.reference import cli_reference
from generator.render import Rendered, Renderer
from generator.report import Reporter
from tests.conftest import REPO, run

COMMANDS = [command.name for command in cli_reference().commands]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The real facts and templates, but one small wiki page instead of the real ones."""
    root = tmp_path / "small"
    shutil.copytree(REPO / "templates", root / "templates", ignore=shutil.ignore_patterns("docs"))
    (root / "templates" / "docs").mkdir()
    (root / "facts.yaml").write_bytes((REPO / "facts.yaml").read_bytes())
    (root / "templates" / "docs" / "index.md.j2").write_text(
        "# {{ facts.project.name }}\n", encoding="utf-8"
    )
    return root


def test_version(project: Path) -> None:
    result = run(["--version"], project)
    assert (result.code, result.out, result.err) == (0, f"generator {__version__}\n", "")
    # The package metadata takes its version from the same attribute (pyproject: dynamic).
    assert importlib.metadata.version("generator") == __version__


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_help_has_purpose_and_example(project: Path, name: str) -> None:
    result = run([*name.split(), "--help"], project)
    assert result.code == 0
    assert result.err == ""
    purpose = next(c.summary for c in cli_reference().commands if c.name == name)
    assert purpose, f"{name} has no one-line purpose"
    assert "\n" not in purpose
    assert purpose in " ".join(result.out.split())
    examples = [line for line in result.out.splitlines() if line.startswith("example: ")]
    assert examples, f"{name} --help shows no example"
    assert all(e.startswith("example: python -m generator ") for e in examples)


def test_top_level_help_lists_every_command(project: Path) -> None:
    result = run(["--help"], project)
    assert result.code == 0
    for name in COMMANDS:
        if " " not in name:
            assert f"    {name} " in result.out or f"    {name}\n" in result.out


def test_unknown_command_is_a_usage_error(project: Path) -> None:
    result = run(["frobnicate"], project)
    assert result.code == 2
    assert "invalid choice: 'frobnicate'" in result.err


def test_an_unknown_option_is_reported_with_its_commands_usage(project: Path) -> None:
    result = run(["render", "--bogus"], project)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("usage: python -m generator render ")
    assert "python -m generator render: error: unrecognized arguments: --bogus\n" in result.err


def test_quiet_drops_summary_but_keeps_results(small: Path) -> None:
    assert run(["render"], small).code == 0
    loud = run(["render"], small)
    quiet = run(["render", "--quiet"], small)
    assert "nothing written" in loud.out
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")


def test_quiet_render_that_writes_prints_nothing(project: Path) -> None:
    facts = project / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("192.168.1.48", "10.7.7.7"), "utf-8")
    quiet = run(["render", "-q"], project)
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    assert "10.7.7.7" in (project / "docs" / "home-poller.md").read_text("utf-8")


def test_options_work_before_and_after_the_command(small: Path) -> None:
    assert run(["render"], small).code == 0
    assert run(["-q", "check"], small).out == ""
    assert run(["check", "-q"], small).out == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert Reporter(io.StringIO(), io.StringIO()).paint("x", "red") == "x"
    assert Reporter(_Terminal(), _Terminal()).paint("x", "red") == "\033[31mx\033[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert Reporter(_Terminal(), _Terminal()).paint("x", "red") == "x"


def test_progress_is_silent_when_not_on_a_terminal() -> None:
    err = io.StringIO()
    items = [1, 2, 3]
    shown = Reporter(io.StringIO(), err).progress(items, "syncing", delay=0)
    assert shown is items
    assert list(shown) == [1, 2, 3]
    assert err.getvalue() == ""


def test_progress_is_silent_with_quiet() -> None:
    err = _Terminal()
    assert list(Reporter(_Terminal(), err, quiet=True).progress([1, 2], "x", delay=0)) == [1, 2]
    assert err.getvalue() == ""


def test_progress_draws_on_a_terminal_and_erases_itself() -> None:
    err = _Terminal()
    assert list(Reporter(_Terminal(), err).progress(range(3), "syncing", delay=0)) == [0, 1, 2]
    drawn = err.getvalue()
    assert drawn.startswith("\rsyncing:")
    assert "/3 " in drawn
    assert drawn.endswith("\r")  # leave=False: the line is cleared, the cursor back at column 0


def test_progress_waits_before_drawing() -> None:
    err = _Terminal()
    assert list(Reporter(_Terminal(), err).progress(range(3), "quick", delay=60)) == [0, 1, 2]
    assert err.getvalue() == ""


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


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OSError(errno.EACCES, "Permission denied", "docs/index.md"), 2),  # the user's to fix
        (OSError(errno.EMFILE, "Too many open files"), 3),  # the machine's
    ],
    ids=["a file refused", "out of file descriptors"],
)
def test_file_system_errors_are_input_errors_unless_the_machine_ran_short(
    small: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, code: int
) -> None:
    from generator import actions

    def refused(*args: object, **kwargs: object) -> int:
        raise error

    monkeypatch.setattr(actions, "render", refused)
    result = run(["render"], small)
    assert result.code == code
    expected = "docs/index.md: error: Permission" if code == 2 else "internal error: Too many"
    assert any(line.startswith(expected) for line in result.err.splitlines())


def test_no_traceback_and_exit_2_on_bad_facts_in_a_real_process(small: Path) -> None:
    (small / "facts.yaml").write_text("small: [\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "check"],
        cwd=small,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("facts.yaml:")
    assert done.stdout == ""


def test_colour_reaches_a_real_terminal_and_not_a_pipe(small: Path) -> None:
    assert run(["render"], small).code == 0
    page = small / "docs" / "index.md"
    page.write_text(page.read_text("utf-8") + "edited by hand\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "generator", "check"]
    piped = subprocess.run(command, cwd=small, capture_output=True, text=True, env=env)
    assert piped.returncode == 1
    assert "\033[" not in piped.stdout

    code, shown = _on_a_terminal(command, small, env)
    assert code == 1
    assert b"\033[33mdocs/index.md: hand-edited" in shown


def _on_a_terminal(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, bytes]:
    """Run ``command`` with its output on a new pseudo-terminal (which reports 0x0 until someone
    sets its size); its exit status and all it wrote."""
    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=cwd, stdout=follower, stderr=follower, env=env) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO once the child closes its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait()
    os.close(leader)
    return code, b"".join(chunks)


def test_help_on_a_terminal_of_no_width_is_wrapped_as_at_80_columns(small: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "generator", "render", "--help"]
    code, shown = _on_a_terminal(command, small, env)
    at_80 = subprocess.run(
        command, cwd=small, capture_output=True, env={**env, "COLUMNS": "80"}, check=True
    )
    assert code == 0
    assert shown.replace(b"\r\n", b"\n") == at_80.stdout


def test_a_closed_pipe_ends_without_a_traceback_and_never_as_success() -> None:
    # The reader closes its end at once, long before the generator has started and writes.
    command = f"{sys.executable} -m generator schema | (exec 0<&-; sleep 2)"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 141  # as a shell reports a writer killed by SIGPIPE
