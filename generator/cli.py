"""Command line: parse arguments, dispatch to a command, map its outcome to an exit code.

Command modules are imported inside the command functions: start-up time is most of a clean
`check`, so nothing is imported that the command at hand does not need. For the same reason the
records on that path (Project, Output, Diagnostic, Finding, Manifest) are NamedTuples: the
dataclasses module imports inspect and ast, a sixth of a clean check's time.
"""

from __future__ import annotations

import argparse
import errno
import functools
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from generator import __version__, actions
from generator.errors import ExitCode, FileSystemError, GeneratorError, UsageError
from generator.project import Project, find_project
from generator.report import Reporter

Command = Callable[[argparse.Namespace, Reporter], int]
EXAMPLE_PREFIX = "example: "  # each command's epilog line; the CLI reference page lists them


def _project(args: argparse.Namespace) -> Project:
    facts = Path(args.facts) if args.facts else None
    project = find_project(Path(args.root) if args.root else None, facts)
    return project


def _repo_options(args: argparse.Namespace) -> list[str]:
    """The ``--repo`` options, each checked to name a folder before the command does any work
    (check would otherwise report the tree fresh first)."""
    if args.repo:
        from generator.repo_options import check_repo_options

        check_repo_options(args.repo)
    return list(args.repo)


def _render(args: argparse.Namespace, reporter: Reporter) -> int:
    return actions.render(_project(args), reporter, force=args.force)


def _check(args: argparse.Namespace, reporter: Reporter) -> int:
    return actions.check(_project(args), reporter, _repo_options(args))


def _sync(args: argparse.Namespace, reporter: Reporter) -> int:
    from generator import sync

    return sync.run_sync(
        _project(args),
        reporter,
        _repo_options(args),
        add_missing=args.add_missing,
        force=args.force,
    )


def _lint(args: argparse.Namespace, reporter: Reporter) -> int:
    from generator.lint import command

    if args.facts and not args.root:  # lint may run anywhere against any facts file
        try:  # the project around, if any, keeps the result cache
            root: Path | None = find_project(None, Path(args.facts)).root
        except UsageError:
            root = None
        return command.run(args, reporter, Path(args.facts), args.facts, root)
    project = _project(args)
    return command.run(args, reporter, project.facts_path, project.facts_display, project.root)


def _where(args: argparse.Namespace, reporter: Reporter) -> int:
    from generator import plan

    repos = _repo_options(args)
    for line in plan.format_where(plan.where(_project(args), args.key, repos)):
        reporter.line(line)
    return ExitCode.OK


def _plan(args: argparse.Namespace, reporter: Reporter) -> int:
    from generator import plan

    repos = _repo_options(args)
    lines, findings = plan.format_plan(plan.plan(_project(args), args.against, repos))
    for line in lines:
        reporter.line(line)
    for finding in findings:
        if finding.diff:
            reporter.diff(finding.diff)
    return ExitCode.OK


def _verify(args: argparse.Namespace, reporter: Reporter) -> int:
    import datetime as dt

    from generator import verify

    days = verify.parse_age(args.older_than)
    # The one command that reads the clock; --today pins it.
    today = verify.parse_day(args.today) if args.today else dt.date.today()
    lines, due = verify.report(_project(args), today, days)
    for line in lines:
        reporter.line(line)
    # Like check: a scheduled CI job can fail until the facts are confirmed again.
    return ExitCode.DRIFT if due else ExitCode.OK


def _schema(args: argparse.Namespace, reporter: Reporter) -> int:
    from generator.schema import schema_text

    reporter.out.write(schema_text())
    return ExitCode.OK


def _common_options(parser: argparse.ArgumentParser, *, defaults: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the command name."""
    unset: Any = None if defaults else argparse.SUPPRESS
    off: Any = False if defaults else argparse.SUPPRESS
    parser.add_argument(
        "--facts",
        metavar="FILE",
        default=unset,
        help="facts file (default: facts.yaml at the project root)",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        default=unset,
        help="project root (default: found from the working folder)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=off, help="print only results and errors"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=off, help="print more detail"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=off,
        help="show Python tracebacks for user errors too",
    )
    return parser


def _help_width() -> int:
    """The width argparse would wrap help at, found without the ``shutil`` import it makes for
    each option added: a clean check never prints help, and importing shutil took 2 to 4 ms of
    its 50."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given) - 2
    try:
        columns = os.get_terminal_size().columns  # of standard output
    except OSError:  # not a terminal
        columns = 0
    return (columns or 80) - 2  # a terminal may report 0 columns (a pty given no size)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; also the source of the CLI reference page."""
    width = _help_width()
    plain = functools.partial(argparse.HelpFormatter, width=width)
    raw = functools.partial(argparse.RawDescriptionHelpFormatter, width=width)
    common = _common_options(
        argparse.ArgumentParser(add_help=False, formatter_class=plain), defaults=True
    )
    # Subcommands accept the same options; SUPPRESS keeps `--debug render` from being reset.
    sub_common = _common_options(
        argparse.ArgumentParser(add_help=False, formatter_class=plain), defaults=False
    )
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Render documentation from facts.yaml so that it cannot drift.",
        parents=[common],
        formatter_class=plain,
    )
    parser.add_argument("--version", action="version", version=f"generator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, summary: str, example: str, run: Command) -> argparse.ArgumentParser:
        command = sub.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[sub_common],
            epilog=f"{EXAMPLE_PREFIX}{example}",
            formatter_class=raw,
        )
        # The command's own parser reports what it does not know, with its own usage line.
        command.set_defaults(run=run, command_parser=command)
        return command

    render = add(
        "render",
        "Render every output from facts.yaml and write the files that changed.",
        "python -m generator render",
        _render,
    )
    render.add_argument(
        "--force",
        action="store_true",
        help="overwrite generated text edited by hand, and files without the generated notice"
        " where an output goes",
    )
    check = add(
        "check",
        "Exit 1 with a diff when a generated file is stale, hand-edited, missing or orphaned;"
        " writes nothing.",
        "python -m generator check",
        _check,
    )
    repo_help = "sibling repo checkout, by repo name or key (repeatable)"
    check.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="NAME=PATH",
        # Not sync's default list: a check (CI, pre-commit) depends on this repo alone.
        help=f"also verify a {repo_help}; .generator.local.yaml is not read",
    )
    sync = add(
        "sync",
        "Write the generated files and managed blocks into sibling repo checkouts;"
        " never commits or pushes.",
        "python -m generator sync --repo web=../web --repo api=../api",
        _sync,
    )
    sync.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help=f"{repo_help}; default: the repos listed in .generator.local.yaml",
    )
    sync.add_argument(
        "--add-missing",
        action="store_true",
        help="add declared blocks that a file lacks (after their anchor heading, else at the end)",
    )
    sync.add_argument(
        "--force", action="store_true", help="overwrite generated text that was edited by hand"
    )
    from generator.lint import options as lint_options

    lint_options.add_arguments(add("lint", lint_options.SUMMARY, lint_options.EXAMPLE, _lint))
    where = add(
        "where",
        "List every output line that states a fact, and hand-written places stating its value.",
        "python -m generator where hosts.NAME.ip",
        _where,
    )
    where.add_argument("key", metavar="KEY", help="dotted facts key, e.g. hosts.NAME.ip")
    where.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also search this sibling repo checkout's hand-written files (repeatable)",
    )
    preview = add(
        "plan",
        "Preview a facts.yaml edit: per changed fact the lines it feeds and the hand-written"
        " places stating its old value, then the diff render would make; writes nothing.",
        "python -m generator plan --against HEAD~1",
        _plan,
    )
    preview.add_argument(
        "--against",
        default="HEAD",
        metavar="REF",
        help="git revision whose facts.yaml to compare with (default: HEAD)",
    )
    preview.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also show what sync would change in this sibling repo checkout (repeatable)",
    )
    due = add(
        "verify",
        "List facts last verified longer ago than a limit, or never, most used first;"
        " exit 1 if any.",
        "python -m generator verify --older-than 30d",
        _verify,
    )
    due.add_argument(
        "--older-than",
        default="30d",
        metavar="AGE",
        help="days, weeks or months (of 30 days): 30d, 6w or 3mo",
    )
    due.add_argument(
        "--today", metavar="YYYY-MM-DD", help="the date to measure from (default: today)"
    )
    add(
        "schema",
        "Print the JSON Schema of facts.yaml.",
        "python -m generator schema > facts.schema.json",
        _schema,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status, never exits by itself."""
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        code = exc.code if isinstance(exc.code, int) else ExitCode.BAD_INPUT
        return int(code)
    reporter = Reporter(quiet=args.quiet, verbose=args.verbose)
    run: Command = args.run
    try:
        code = int(run(args, reporter))
        sys.stdout.flush()  # a reader that went away must show in the status, not after it
        return code
    except GeneratorError as exc:
        if args.debug:
            _print_traceback()
        reporter.error(exc.format())
        return int(exc.exit_code)
    except KeyboardInterrupt:
        reporter.error("interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`... | head`): stop without a traceback, and never with 0,
        # which would hide a failing check behind `set -o pipefail`.
        _silence_stdout()
        return ExitCode.CLOSED_PIPE
    except OSError as exc:  # the file system refused: the user's to fix, like bad input
        if exc.errno in _EXHAUSTED:  # the machine ran short, which no input can cause
            return _internal(reporter, f"{exc.strerror}: the machine ran short; try again")
        if args.debug:
            _print_traceback()
        error = FileSystemError.from_os_error(exc)
        reporter.error(error.format())
        return int(error.exit_code)
    except Exception:
        return _internal(reporter)
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()


_BUG = "this is a bug in the generator. Please report it with the traceback above."
# Out of memory, processes or file descriptors: not a file the user can fix.
_EXHAUSTED = frozenset({errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.EAGAIN})


def _internal(reporter: Reporter, why: str = _BUG) -> int:
    _print_traceback()
    reporter.error(f"internal error: {why}")
    return ExitCode.INTERNAL


def _print_traceback() -> None:
    import traceback  # only on the way out of a failure: start-up time matters to `check`

    traceback.print_exc()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
