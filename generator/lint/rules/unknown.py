"""Unknown literals: addresses, ports, schedules and paths that no fact holds."""

from __future__ import annotations

import difflib
import ipaddress
import re
from functools import lru_cache

from generator.lint.context import (
    Context,
    Rule,
    nearest_mention,
    remembered,
    repo_relative,
)
from generator.lint.knowledge import Knowledge, same_network
from generator.lint.rules.contradiction import (
    cron_text,
    on_named_host,
    schedule_problem,
    scheduled,
    service_of_port,
)
from generator.lint.scanner import PORT_NUMBER, Token, port_reach

UNKNOWN_LITERAL = Rule(
    "unknown-literal",
    "an IP, port, cron expression or repo path that no fact holds",
    "Literals of the kinds facts describe must be facts: IPv4 addresses (loopback and the like\n"
    "excepted), host:port pairs on a known host, 'port N' beside a service name, five-field cron\n"
    "expressions (one beside no feed may fit any feed's schedule; one beside a script that\n"
    "writes no feed fits none), and repo paths under the folders facts describe (the devops\n"
    "root, the feed folders). One that no fact holds is reported with the nearest known fact as\n"
    "the suggestion: an address in the same network, the port of the service named, a known\n"
    "cron, a known path with the same file name or a similar spelling.\n"
    "Fix: correct the literal, or add the fact to facts.yaml and render.",
    6,
)
RULES = (UNKNOWN_LITERAL,)

_WILDCARD = re.compile(r"\*+|<[^<>/]*>|\{[^{}/]*\}|[A-Z]{2,}")


@lru_cache(maxsize=1024)
def _special(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return True  # 999.1.1.1 is no address at all
    return ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local


def on_ip(token: Token, ctx: Context) -> None:
    know = ctx.know
    address, _, port = token.text.partition(":")
    if _special(address) or any(f.value == address for f in know.former):
        return  # a former value is known: retired-value judges it
    if address not in know.ips:
        near = same_network(address, know.ips)
        ctx.emit(
            UNKNOWN_LITERAL,
            token.start,
            address,
            "is an IP address that no fact holds",
            near,
            know.ips.get(near or ""),
        )
        return
    if not port:
        return
    owned = [
        s for h in know.hosts if address in h.addresses for s in know.services if s.host == h.key
    ]
    ports = sorted((s.port, s.fact) for s in owned if s.port is not None)
    if ports and all(p != int(port) for p, _ in ports):
        closest, fact = min(ports, key=lambda item: (abs(item[0] - int(port)), item[0]))
        ctx.emit(
            UNKNOWN_LITERAL,
            token.start + len(address) + 1,
            port,
            f"is a port on {address} that no service there has in facts",
            f"{address}:{closest}",
            f"{fact}.port",
        )


def on_port(token: Token, ctx: Context) -> None:
    if token.text.startswith("on"):
        return  # "on N" counts only beside a service with a port: a contradiction
    number = PORT_NUMBER.search(token.text)
    if number is None:
        return
    lookup = service_of_port(ctx, token.text)
    reach = port_reach(token.text)
    mention = nearest_mention(ctx, ctx.know.service_names, token.start, before_within=reach)
    if mention is None:
        return
    named = lookup(mention[2])
    # When a service of that name holds a port, the contradiction rule compares with it.
    if named and all(s.port is None for s in named):
        service = on_named_host(ctx, list(named), mention)[0]
        ctx.emit(
            UNKNOWN_LITERAL,
            token.start + number.start(),
            number.group(),
            f"is a port of {service.label}, and no fact holds one",
            None,
            service.fact,
        )


def on_cron(token: Token, ctx: Context) -> None:
    if "*" not in token.text:
        return
    know = ctx.know
    expression = cron_text(token.text)
    owner = scheduled(ctx, token.start)
    if owner is not None and owner.fact is not None:
        return  # a feed's schedule: the contradiction rule compares them
    known = know.known_crons
    if owner is None and remembered(
        ctx, "some schedule", expression, lambda e: _scheduled(know, e)
    ):
        return  # named beside nothing, and the schedule of some feed (cron or cadence)
    if owner is not None:
        message = f"schedules {owner.said.lower()}, and no fact holds a schedule for it"
        near = None
    else:
        message = "is a cron expression that no fact holds"
        near = remembered(ctx, "nearest cron", expression, lambda e: _nearest_cron(know, e))
    ctx.emit(UNKNOWN_LITERAL, token.start, token.text, message, near, known.get(near or ""))


def _scheduled(know: Knowledge, expression: str) -> bool:
    return any(
        (c.cron or c.every) and schedule_problem(expression, c) is None
        for c in know.schedules.values()
    )


def _nearest_cron(know: Knowledge, expression: str) -> str | None:
    matches = difflib.get_close_matches(expression, sorted(know.known_crons), n=1, cutoff=0.3)
    return matches[0] if matches else None


def known_path(know: Knowledge, path: str) -> bool:
    path = path.rstrip("/")
    if path in know.paths or know.fact_of_path(path):
        return True
    if _WILDCARD.search(path):
        pattern = re.compile(r"[^/]*".join(re.escape(p) for p in _WILDCARD.split(path)))
        return any(pattern.fullmatch(p) for p in know.paths) or any(
            pattern.fullmatch(f.feed.file) for f in know.feeds
        )
    return False


def nearest_path(know: Knowledge, path: str) -> str | None:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    same_name = sorted(p for p in know.paths if p.rsplit("/", 1)[-1] == name)
    if same_name:
        return same_name[0]
    candidates = sorted({*know.paths, *(f.feed.file for f in know.feeds)})
    matches = difflib.get_close_matches(path.rstrip("/"), candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def on_path(token: Token, ctx: Context) -> None:
    path = token.text.rstrip(".,:;)")
    know = ctx.know
    if not path.startswith(know.path_roots):
        return  # under a root scanned only for a former path (retired-value judges that)
    if not repo_relative(ctx, token) or remembered(
        ctx, "known path", path.rstrip("/"), lambda p: known_path(know, p)
    ):
        return
    for former in ctx.know.former:
        old = former.value.rstrip("/")
        if former.is_path and (path.rstrip("/") == old or path.startswith(old + "/")):
            return  # retired-value judges it
    near = remembered(ctx, "nearest path", path, lambda p: nearest_path(know, p))
    ctx.emit(
        UNKNOWN_LITERAL,
        token.start,
        path,
        "is a path that no fact holds",
        near,
        ctx.know.fact_of_path(near) if near else None,
    )


HANDLERS = {"ip": on_ip, "port": on_port, "cron": on_cron, "path": on_path}
