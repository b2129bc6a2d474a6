"""Contradictions: a literal that its line ties to a fact, but with another value."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable
from typing import NamedTuple

from generator.cronspec import fires_every_hour, minutes_in_hour, same_schedule
from generator.lint.context import (
    Context,
    Rule,
    nearest,
    nearest_in_sentence,
    nearest_mention,
    repo_relative,
)
from generator.lint.knowledge import CronFact, HostFact, ServiceFact
from generator.lint.scanner import CADENCE, PORT_NUMBER, Token, port_reach

CONTRADICTION = Rule(
    "contradiction",
    "a literal tied by its line to a fact, with another value",
    "The line names something facts describe, and beside it a value that differs from the fact:\n"
    "a service with another port (tinyproxy on 8888 while facts hold 8889; also port is N,\n"
    "tinyproxy:N, tinyproxy (N), and a number in a table's Port column on the service's row), a\n"
    "host or service\n"
    "with another IP address, a feed (by name, file or writer script) with another cron\n"
    "expression or cadence than its own (also in words: every 10 minutes, every hour), or a feed\n"
    "(by name or writer script) with another file path. When several are named on the line, the\n"
    "one closest to the value counts; an address, a cron or a schedule in words is tied to the\n"
    "closest in its sentence, the part on its line first (in a table its row, in code its line).\n"
    "The suggestion is the value the fact holds.\n"
    "Services of one name on several hosts (a tinyproxy on each VM) accept the port or address\n"
    "of any of them; otherwise the suggestion is that of the one on the host named beside the\n"
    "service, else the closest value.\n"
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
        owner = _owner(ctx, address, token.start)
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
        _port(ctx, token.start + len(address) + 1, int(port), token.start, ctx.know.services_named)


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
    lookup: Callable[[str], tuple[ServiceFact, ...]],
    within: int | None = None,
) -> None:
    mention = nearest_mention(ctx, ctx.know.service_names, at, before_within=within)
    if mention is None:
        return
    ported = [s for s in lookup(mention[2]) if s.port is not None]
    if ported and all(s.port != port for s in ported):
        # The services of that name hold other ports: the one on the host the line names,
        # else the one whose port is closest (a slip of a digit), is the one meant.
        service = min(
            on_named_host(ctx, ported, mention),
            key=lambda s: (abs((s.port or 0) - port), s.port or 0),
        )
        ctx.emit(
            CONTRADICTION,
            start,
            str(port),
            f"is not the port of {service.label}: facts hold {service.port}",
            str(service.port),
            f"{service.fact}.port",
        )


def service_of_port(ctx: Context, token: str) -> Callable[[str], tuple[ServiceFact, ...]]:
    """The services a name beside a port literal may stand for; none before ":N" when the
    name looks like a file, whose ":N" is a line number (dashboard.js:120), not a port."""
    if token.startswith(":"):
        return lambda said: () if "." in said else ctx.know.services_named(said)
    return ctx.know.services_named


def on_named_host(
    ctx: Context, services: list[ServiceFact], mention: tuple[int, int, str]
) -> list[ServiceFact]:
    """Of services sharing the name ``mention`` says, those on the host named closest to that
    mention on its line ("the Backup VM runs tinyproxy"), among the hosts they run on; all of
    them when the line names none of those hosts."""
    hosts = {s.host for s in services}
    if len(hosts) < 2:
        return services
    said_at, said_end, _ = mention
    best: tuple[int, str] | None = None
    for start, end, said in ctx.mentions(ctx.know.host_names, said_at).found:
        key = ctx.know.host(said).key
        distance = max(start - said_end, said_at - end)  # the gap between the two names
        if key in hosts and (best is None or distance < best[0]):  # the first of two as close
            best = (distance, key)
    return services if best is None else [s for s in services if s.host == best[1]]


def _owner(ctx: Context, address: str, at: int) -> HostFact | ServiceFact | None:
    """The host or the addressed service named closest to an address in its sentence (in a
    table its row, in code its line): "The NAS is at 10.0.0.50. SSH to the Pi." ties the
    address to no host. Of addressed services sharing the name, the one on the host the line
    names, else the one whose address shares the longest prefix with ``address`` (which no
    fact holds)."""
    said = nearest_in_sentence(ctx, ctx.know.host_names, at)
    host = ctx.know.host(said[2]) if said else None
    mention = nearest_in_sentence(ctx, ctx.know.service_names, at)
    if mention is None:
        return host
    named = ctx.know.services_named(mention[2])
    addressed = [s for s in named if s.address]
    if not addressed:
        # "Postgres listens on 10.20.0.5": a service without an address of its own is
        # reached at its host's, when one host runs every service of that name.
        on = {s.host for s in named}
        runs_it = [h for h in ctx.know.hosts if h.ip and h.key in on]
        return host or (runs_it[0] if len(runs_it) == 1 else None)
    return min(
        on_named_host(ctx, addressed, mention),
        key=lambda s: _apart(address, s.address or ""),
    )


def _apart(address: str, other: str) -> tuple[int, int]:
    """How far apart two addresses are: the fewer leading bits they share, the farther; then
    the farther in value."""
    try:
        value, to = int(ipaddress.IPv4Address(address)), int(ipaddress.IPv4Address(other))
    except ValueError:
        return 33, 0
    return (value ^ to).bit_length(), abs(value - to)


class Scheduled(NamedTuple):
    """What a cron is said to be the schedule of."""

    said: str  # a feed's name, file or writer script, or another script, as written
    fact: CronFact | None  # the feed's schedule; None for a script that writes no feed


def scheduled(ctx: Context, at: int) -> Scheduled | None:
    """What the cron at ``at`` schedules: the feed or script named closest to it in its
    sentence (in a table its row, in code its line); None when none is."""
    mention = nearest_in_sentence(ctx, ctx.know.schedule_names, at)
    if mention is None:
        return None
    return Scheduled(mention[2], ctx.know.schedule_of(mention[2]))


def on_cron(token: Token, ctx: Context) -> None:
    if "*" not in token.text:
        return
    owner = scheduled(ctx, token.start)
    if owner is None or owner.fact is None:
        return
    wanted = schedule_problem(cron_text(token.text), owner.fact)
    if wanted:
        ctx.emit(
            CONTRADICTION,
            token.start,
            token.text,
            f"is not the schedule of {_label(owner.said, owner.fact)}: facts hold {wanted}",
            wanted,
            owner.fact.fact,
        )


def on_cadence(token: Token, ctx: Context) -> None:
    """A schedule in words ("every 10 minutes") beside a feed that runs at another period."""
    stated = cadence_minutes(token.text)
    owner = scheduled(ctx, token.start)
    if owner is None or owner.fact is None:
        return
    period = period_minutes(owner.fact)
    if period is not None and period != stated:
        ctx.emit(
            CONTRADICTION,
            token.start,
            token.text,
            f"is not the schedule of {_label(owner.said, owner.fact)}: facts hold"
            f" {period_words(period)}",
            period_words(period),
            owner.fact.fact,
        )


def cadence_minutes(text: str) -> int:
    """The period "every N minutes" or "every N hours" states, in minutes."""
    said = CADENCE.fullmatch(text.lower())
    assert said is not None, text  # the scanner found it with this pattern
    count, unit = said.groups()
    return int(count or 1) * (60 if unit.startswith("h") else 1)


def period_minutes(fact: CronFact) -> int | None:
    """How often a feed runs, in minutes, when it runs at one period all day: ``every``, or a
    cron firing at evenly spaced minutes of every hour; None for any other schedule."""
    if fact.every:
        return fact.every
    if not fact.cron or not fires_every_hour(fact.cron):
        return None
    minutes = minutes_in_hour(fact.cron)
    steps = {b - a for a, b in itertools.pairwise((*minutes, minutes[0] + 60))}
    return steps.pop() if len(steps) == 1 else None


def period_words(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return "every hour" if hours == 1 else f"every {hours} hours"
    return "every minute" if minutes == 1 else f"every {minutes} minutes"


def _label(said: str, fact: CronFact) -> str:
    """The writer script when the text names it, else the feed."""
    if fact.script and said.lower() == fact.script.lower():
        return fact.script
    return f"the {fact.feed.name} feed"


def schedule_problem(expression: str, fact: CronFact) -> str | None:
    """The schedule facts hold for the feed, when ``expression`` disagrees with it."""
    if fact.cron:
        return None if same_schedule(expression, fact.cron) else fact.cron
    if fact.every:
        fields = expression.split()
        minute = fields[0]
        every = f"*/{fact.every}"
        if fields[1:] == ["*"] * 4 and (minute == every or _evenly(minute, fact.every)):
            return None
        return f"{every} * * * * ({period_words(fact.every)})"
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


HANDLERS = {
    "ip": on_ip,
    "port": on_port,
    "cron": on_cron,
    "path": on_path,
    "cadence": on_cadence,
}
