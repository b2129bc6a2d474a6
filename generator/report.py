"""One reporter: results to stdout, diagnostics to stderr, colour only on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO, TypeVar

T = TypeVar("T")

PROGRESS_DELAY = 0.5  # seconds before a progress bar appears: quick work shows none

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2", "cyan": "36"}


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


class Reporter:
    """Prints results and diagnostics; ``quiet`` drops progress lines, ``verbose`` adds detail."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        *,
        quiet: bool = False,
        verbose: bool = False,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        self.verbose = verbose
        self.colour = use_colour(self.out)
        self.err_colour = use_colour(self.err)

    def paint(self, text: str, colour: str, *, stream_is_err: bool = False) -> str:
        enabled = self.err_colour if stream_is_err else self.colour
        return f"\033[{_COLOURS[colour]}m{text}\033[0m" if enabled else text

    def line(self, text: str = "") -> None:
        """A result line: always printed."""
        print(text, file=self.out)

    def info(self, text: str) -> None:
        """A progress or summary line: dropped by --quiet."""
        if not self.quiet:
            print(text, file=self.out)

    def detail(self, text: str) -> None:
        """Extra detail: printed only with --verbose."""
        if self.verbose:
            print(text, file=self.out)

    def progress(
        self,
        items: Iterable[T],
        label: str,
        total: int | None = None,
        *,
        delay: float = PROGRESS_DELAY,
    ) -> Iterable[T]:
        """``items``, with a progress bar on stderr while they are consumed.

        The bar appears only on a terminal, only after ``delay`` seconds, never with --quiet,
        and is erased when done, so piped output and logs stay clean.
        """
        if self.quiet or not bool(getattr(self.err, "isatty", lambda: False)()):
            return items
        from tqdm import tqdm  # only a terminal ever shows a bar: keep start-up light

        return tqdm(items, desc=label, total=total, file=self.err, delay=delay, leave=False)

    def error(self, text: str) -> None:
        print(
            self.paint(text, "red", stream_is_err=True) if "\n" not in text else text, file=self.err
        )

    def diff(self, text: str) -> None:
        for row in text.splitlines():
            colour = None
            if row.startswith("+") and not row.startswith("+++"):
                colour = "green"
            elif row.startswith("-") and not row.startswith("---"):
                colour = "red"
            elif row.startswith("@@"):
                colour = "cyan"
            print(self.paint(row, colour) if colour else row, file=self.out)
