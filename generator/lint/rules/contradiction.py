"""Contradictions: a literal that its line ties to a fact, but with another value."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from generator.cronspec import same_schedule
from generator.lint.context import Context, Rule, nearest, repo_relative
from generator.lint.knowledge import CronFact, HostFact, ServiceFact
from generator.lint.scanner import PORT_NUMBER, Token, port_reach

CONTRADICTION = Rule(
    "contradiction",
    "a literal tied by its line to a fact, with another value",
    "The line names something facts describe, and beside it a value that differs from the fact:\n"
    "a service with another port (tinyproxy on 8888 while facts hold 8889; also port is N,\n"
    "tinyproxy:N, tinyproxy (N), and a number in a table's Port column on the service's row), a\n"
    "host or service\n"
    "with another IP address, a script with another cron expression or cadence than its feed,\n"
    "or a feed (by name or writer script) with another file path. When several are named on the\n"
    "line, the one closest to the value counts. The suggestion is the value the fact holds.\n"
    "Fix: write the value from facts.yaml (or change facts.yaml if the world changed).",
    5,
)
RULES = (CONTRADICTION,)


def cron_text(token: str) -> str:
    return " ".join(token.replace("\\", "").split())


def on_ip(token: Token, ctx: Context) -> None:
    know = ctx.know
    address, _, port = token.text.partition(":")
    if address not in know.ips and not any(f.value == address for f in know.former):
        owner = _owner(ctx, token.start)
        if isinstance(owner, HostFact) and owner.ip:
            ctx.emit(
                CONTRADICTION,
                token.start,
                address,
                f"is not the address of the {owner.label}: facts hold {owner.ip}",
                owner.ip,
                f"hosts.{owner.key}.ip",
            )
        elif isinstance(owner, ServiceFact) and owner.address:
            ctx.emit(
                CONTRADICTION,
                token.start,
                address,
                f"is not the address of {owner.label}: facts hold {owner.address}",
                owner.address,
                f"{owner.fact}.address",
            )
    if port:
        _port(ctx, token.start + len(address) + 1, int(port), token.start, ctx.know.service)


def on_port(token: Token, ctx: Context) -> None:
    number = PORT_NUMBER.search(token.text)
    if number is None:
        return
    lookup = service_of_port(ctx, token.text)
    within = port_reach(token.text)
    _port(ctx, token.start + number.start(), int(number.group()), token.start, lookup, within)


def _port(
    ctx: Context,
    start: int,
    port: int,
    at: int,
    lookup: Callable[[str], ServiceFact | None],
    within: int | None = None,
) -> None:
    service = nearest(ctx, ctx.know.service_names, lookup, at, before_within=within)
    if service is not None and service.port is not None and service.port != port:
        ctx.emit(
            CONTRADICTION,
            start,
            str(port),
            f"is not the port of {service.label}: facts hold {service.port}",
            str(service.port),
            f"{service.fact}.port",
        )


def service_of_port(ctx: Context, token: str) -> Callable[[str], ServiceFact | None]:
    """The service a name beside a port literal stands for; none before ":N" when the name
    looks like a file, whose ":N" is a line number (dashboard.js:120), not a port."""
    if token.startswith(":"):
        return lambda said: None if "." in said else ctx.know.service(said)
    return ctx.know.service


def _owner(ctx: Context, at: int) -> HostFact | ServiceFact | None:
    """The host or the addressed service named closest to an address on its line."""
    host = nearest(ctx, ctx.know.host_names, ctx.know.host, at)
    service = nearest(
        ctx,
        ctx.know.service_names,
        lambda name: ctx.know.service(name) if ctx.know.service(name).address else None,
        at,
    )
    return service or host


def on_cron(token: Token, ctx: Context) -> None:
    if "*" not in token.text:
        return
    expression = cron_text(token.text)
    script = nearest(
        ctx,
        ctx.know.script_names,
        lambda s: ctx.know.crons.get(s.lower()),
        token.start,
    )
    if script is None:
        return
    wanted = schedule_problem(expression, script)
    if wanted:
        ctx.emit(
            CONTRADICTION,
            token.start,
            token.text,
            f"is not the schedule of {script.script}: facts hold {wanted}",
            wanted,
            script.fact,
        )


def schedule_problem(expression: str, fact: CronFact) -> str | None:
    """The schedule facts hold for the script, when ``expression`` disagrees with it."""
    if fact.cron:
        return None if same_schedule(expression, fact.cron) else fact.cron
    if fact.every:
        fields = expression.split()
        minute = fields[0]
        every = f"*/{fact.every}"
        if fields[1:] == ["*"] * 4 and (minute == every or _evenly(minute, fact.every)):
            return None
        return f"{every} * * * * (every {fact.every} minutes)"
    return None


def _evenly(minute: str, every: int) -> bool:
    try:
        values = sorted(int(m) for m in minute.split(","))
    except ValueError:
        return False
    steps = {b - a for a, b in itertools.pairwise(values)}
    return len(values) == 60 // every and steps <= {every} and values[0] < every


def on_path(token: Token, ctx: Context) -> None:
    path = token.text.rstrip(".,:;)")
    know = ctx.know
    if not path.startswith(know.feed_roots) or not repo_relative(ctx, token):
        return
    feed = nearest(ctx, know.feed_names, know.feed, token.start)
    if feed is not None and not feed.pattern.fullmatch(path):
        ctx.emit(
            CONTRADICTION,
            token.start,
            path,
            f"is not the file of the {feed.feed.name} feed: facts hold {feed.feed.file}",
            feed.feed.file,
            feed.fact,
        )


HANDLERS = {"ip": on_ip, "port": on_port, "cron": on_cron, "path": on_path}
