"""Exception classes, located diagnostics, and the one mapping from failures to exit codes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple


class ExitCode(enum.IntEnum):
    """Exit statuses shared by every command."""

    OK = 0
    DRIFT = 1  # stale or hand-edited output, or lint findings
    BAD_INPUT = 2  # usage, facts, templates, markers, paths
    INTERNAL = 3  # a bug: traceback and a please-report line
    INTERRUPTED = 130
    CLOSED_PIPE = 141  # the reader went away (`| head`): as a shell reports SIGPIPE


class Diagnostic(NamedTuple):
    """One problem at a place in a file, formatted like a compiler's message."""

    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    message: str
    hint: str | None = None
    source_line: str | None = None
    notes: tuple[str, ...] = ()  # how the run got there, innermost first ("called from ...")

    def format(self) -> str:
        location = self.path
        if self.line:
            location += f":{self.line}"
            if self.column:
                location += f":{self.column}"
        text = f"{location}: error: {self.message}"
        if self.source_line is not None:
            text += f"\n    {self.source_line.rstrip()}"
            if self.column:
                text += "\n    " + " " * (self.column - 1) + "^"
        text += "".join(f"\n  {note}" for note in self.notes)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def decode_error_at(data: bytes, error: UnicodeDecodeError) -> tuple[int, int]:
    """The 1-based line and column (in characters, as an editor counts) of a bad byte."""
    line_start = data.rfind(b"\n", 0, error.start) + 1
    before = data[line_start : error.start].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, error.start) + 1, len(before) + 1


class GeneratorError(Exception):
    """Base of every error the user can fix; never shown with a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic("generator", 0, 0, diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = sorted(diagnostics)
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)

    def __reduce__(self) -> tuple[type[GeneratorError], tuple[list[Diagnostic]]]:
        # Rebuilt from its diagnostics when it crosses from a render worker to the parent.
        return (type(self), (self.diagnostics,))


class UsageError(GeneratorError):
    """The command line asks for something impossible."""


class FactsError(GeneratorError):
    """facts.yaml cannot be read, does not match the schema, or breaks a rule."""


class TemplateError(GeneratorError):
    """A template fails to compile or to render."""


class MarkerError(GeneratorError):
    """Managed-block markers in a target file are malformed."""


class UnsafePathError(GeneratorError):
    """An output or target path would escape its root."""


class FileSystemError(GeneratorError):
    """The file system refused: a folder where a file should be, no permission, and the like."""

    template = "{reason}"  # how the refusal reads; subclasses say what it stopped

    @classmethod
    def from_os_error(cls, error: OSError) -> FileSystemError:
        reason = cls.template.format(reason=error.strerror or error)
        hint = "fix the file, its folder or their permissions (or free some space), then rerun"
        return cls(Diagnostic(str(error.filename or "generator"), 0, 0, reason, hint))


class WriteError(FileSystemError):
    """A file cannot be written (permissions, a full disk); nothing was replaced."""

    template = "cannot write: {reason}; nothing was replaced"


class WorkerError(GeneratorError):
    """A worker process died under the run (killed, or out of memory): not the input's fault."""

    exit_code = ExitCode.INTERNAL


class LockedError(GeneratorError):
    """Another run holds the lock on this tree."""
