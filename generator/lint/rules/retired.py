"""Retired values and components: former values, retired names, and the invariants about them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from generator.lint.context import HISTORY, RETIREMENT, Context, Rule
from generator.lint.knowledge import Knowledge, RetiredFact, spelling
from generator.lint.scanner import PORT_NUMBER, Token

RETIRED_VALUE = Rule(
    "retired-value",
    "a value that facts record as former (an old IP, a renamed folder)",
    "facts.yaml lists values that used to be true under former_values, each with the fact that\n"
    "holds the value now. An occurrence in text, in code spans and in code blocks alike, is\n"
    "reported with the current value as the suggestion (a path that starts with a former folder\n"
    "is suggested under the new folder), unless its sentence tells the change: it says the\n"
    "value is old, former, renamed, moved, deleted or retired, or shows it with an arrow.\n"
    "With --repo, a former folder that still exists in the checkout is reported too (a ghost\n"
    "directory).\n"
    "Fix: write the current value, or delete the ghost folder.",
    0,
)
NO_REFERENCE = Rule(
    "no-reference",
    "a reference to a component that an invariant says no doc may mention",
    "An invariant with check no-reference names a retired or removed component (by name, by an\n"
    "alias, or as the container of a docker command). Any mention outside a sentence that forbids\n"
    "it or says it is gone (never, do not, removed, gone, no longer ...) is reported.\n"
    "Fix: remove the instructions, or turn them into the prohibition the facts state.",
    1,
)
RETIRED_NOT_ACTIVE = Rule(
    "retired-not-active",
    "a retired component presented as an active feed",
    "An invariant with check retired-not-active names a retired component, such as a workflow\n"
    "that no longer writes data. A sentence or table row naming it together with a feed, a feed\n"
    "file, a schedule or words such as active, feed, source or runs, and not saying it is\n"
    "retired, is reported. The suggestion is what replaced it.\n"
    "Fix: list what replaced it, or say that it is retired.",
    2,
)
RETIRED_COMPONENT = Rule(
    "retired-component",
    "a retired or removed component named outside a sentence saying so",
    "A component whose status is retired or removed may be named (by name or alias) only in a\n"
    "sentence that says it is retired, deprecated, removed or forbidden; in code and tables the\n"
    "line or row is the sentence. A docker command for a removed container is reported too.\n"
    "Fix: say that it is retired, or name what replaced it.",
    4,
)
RULES = (RETIRED_VALUE, NO_REFERENCE, RETIRED_NOT_ACTIVE, RETIRED_COMPONENT)

_ACTIVE = re.compile(
    r"(?i)\b(?:active|feeds?|sources?|cron|schedules?|scheduled|every|runs?|writes?|"
    r"publish(?:es)?|polls?|hourly|live)\b|\d\s*\*\s*\*"
)
_DOCKER_ARG = re.compile(r"[^\s`'\"|;&]+")


def on_ip(token: Token, ctx: Context) -> None:
    address, _, port = token.text.partition(":")
    for former in ctx.know.former:
        if former.value == address:
            _former(ctx, token.start, address, former.fact, former.note, former.current)
    if port:
        _former_port(ctx, token.start + len(address) + 1, port)


def on_port(token: Token, ctx: Context) -> None:
    """A former port stated as one ("port 8443", "on 8443", "localhost:8443", "(8443)"): the
    port literal holds the number, so the number alone is never a literal of its own there."""
    number = PORT_NUMBER.search(token.text)
    if number is not None:
        _former_port(ctx, token.start + number.start(), number.group())


def _former_port(ctx: Context, start: int, port: str) -> None:
    for former in ctx.know.former:
        if former.value == port:
            _former(ctx, start, port, former.fact, former.note, former.current)


def on_path(token: Token, ctx: Context) -> None:
    path = token.text.rstrip(".,:;)")
    for former in ctx.know.former:
        if not former.is_path:
            continue
        old = former.value.rstrip("/")
        if path == old or path.startswith(old + "/"):
            current = former.current
            if current and current.endswith("/"):
                current = current.rstrip("/") + path[len(old) :]
            _former(ctx, token.start, path, former.fact, former.note, current)


def on_name(token: Token, ctx: Context) -> None:
    said = spelling(token.text)
    for former in ctx.know.former:
        if spelling(former.value) == said:
            _former(ctx, token.start, token.text, former.fact, former.note, former.current)
    for retired in ctx.know.retired:
        if said in retired.spellings:
            _retired(ctx, token.start, token.text, retired)


class _Args(NamedTuple):
    """The docker arguments of a line, as a split of the whole line gives them."""

    starts: list[int]
    ends: list[int]
    texts: list[str]


def _args(text: str, start: int, end: int) -> _Args:
    found = list(_DOCKER_ARG.finditer(text, start, end))
    return _Args([m.start() for m in found], [m.end() for m in found], [m.group() for m in found])


def _naming(args: _Args, named: re.Pattern[str]) -> Callable[[int, int], list[int]]:
    """Which of a line's arguments name a container (by their index, in order)."""
    return lambda _start, _end: [i for i, arg in enumerate(args.texts) if named.search(arg)]


def on_docker(token: Token, ctx: Context) -> None:
    """``docker exec NAME ...`` for a container that facts say is gone: the first argument
    after the command naming it. The line is split and searched once, however many commands
    it holds."""
    text = ctx.doc.text
    args = ctx.on_line("docker args", token.start, lambda start, end: _args(text, start, end))
    # The rest of the line splits as the line does, but for an argument the command ends
    # inside ("exec-x"): its tail is an argument of its own.
    at = bisect.bisect_right(args.starts, token.end) - 1
    tail = None
    if at >= 0 and args.starts[at] < token.end < args.ends[at]:
        tail = text[token.end : args.ends[at]]
    first = at if at >= 0 and args.starts[at] == token.end else at + 1
    for retired in ctx.know.retired:
        if not retired.docker_name:
            continue
        named = _named(retired.docker_name)
        if tail is not None and named.search(tail):
            _retired(ctx, token.end, tail, retired)
            continue
        naming = ctx.on_line(("docker", retired.docker_name), token.start, _naming(args, named))
        k = bisect.bisect_left(naming, first)
        if k < len(naming):
            _retired(ctx, args.starts[naming[k]], args.texts[naming[k]], retired)


@cache
def _named(name: str) -> re.Pattern[str]:
    """A container name inside a docker argument: ``spot-poller`` in ``app_spot_poller_1``."""
    return re.compile(r"[-_\s]*".join(map(re.escape, spelling(name).split())), re.IGNORECASE)


def _tells_change(know: Knowledge) -> Callable[[str], bool]:
    def tells(sentence: str) -> bool:
        if know.former_said is not None:  # a value's own words tell nothing: "stakscrapr-old"
            sentence = know.former_said.sub(" ", sentence)
        return bool(RETIREMENT.search(sentence) or HISTORY.search(sentence))

    return tells


def _active(know: Knowledge) -> Callable[[str], bool]:
    return lambda sentence: bool(_ACTIVE.search(sentence) or know.feed_names.search(sentence))


def _says(status: str) -> Callable[[str], bool]:
    return lambda sentence: bool(RETIREMENT.search(sentence)) or status in sentence.lower()


def _former(
    ctx: Context, start: int, literal: str, fact: str, note: str, current: str | None
) -> None:
    if ctx.of_sentence("tells a change", start, _tells_change(ctx.know)):
        return  # a sentence telling the change ("renamed X to Y", "delete ghost X")
    ctx.emit(RETIRED_VALUE, start, literal, f"is a former value: {note}", current, fact)


def _retired(ctx: Context, start: int, literal: str, retired: RetiredFact) -> None:
    component = retired.component
    if ctx.of_sentence(("says", component.status), start, _says(component.status)):
        return
    since = f" since {component.since}" if component.since else ""
    state = f"{component.status}{since}"
    subjects = ctx.know.invariants
    if retired.fact in subjects.get("no-reference", ()):
        ctx.emit(
            NO_REFERENCE,
            start,
            literal,
            f"refers to a {state} component ({component.name}): {component.note}",
            retired.replacement,
            retired.fact,
        )
    if retired.fact in subjects.get("retired-not-active", ()) and ctx.of_sentence(
        "active", start, _active(ctx.know)
    ):
        ctx.emit(
            RETIRED_NOT_ACTIVE,
            start,
            literal,
            f"is presented as active, but it is {state}: {component.note}",
            retired.replacement,
            retired.fact,
        )
    ctx.emit(
        RETIRED_COMPONENT,
        start,
        literal,
        f"is {state}; name it only in a sentence that says so: {component.note}",
        retired.replacement,
        retired.fact,
    )


HANDLERS = {
    "ip": on_ip,
    "path": on_path,
    "name": on_name,
    "docker": on_docker,
    "port": on_port,
}
