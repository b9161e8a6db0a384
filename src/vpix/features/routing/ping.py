"""`ping` from the unit: ICMP echoes out of the interface the routing table (or the person)
picks, from that interface's address, towards the route's next hop. 7.x prints a mark as
each echo ends (`!` a reply, `.` none within the timeout) and the success rate; PIX 6.x a
line per echo."""

from __future__ import annotations

import ipaddress

from vpix.cli.registry import command
from vpix.cli.session import Ctx, Wait
from vpix.features.interfaces import Interfaces
from vpix.features.routing import Routing

_HELP = {"ping": "Test connectivity from specified interface to an IP address",
         "if": "Name of the interface to send the echoes from", "host": "Destination IP address",
         "repeat": "Specify repeat count", "count": "Number of echo messages to send",
         "timeout": "Specify timeout interval", "seconds": "Seconds to wait for each reply",
         "size": "Specify datagram size", "bytes": "Size of the echo datagram, in bytes"}


class _Echoes:
    """The echoes of one `ping`, as a Wait: ``mark(ok, milliseconds)`` as each ends."""

    def __init__(self, stack, host: str, hop: str, clock, count: int, timeout: float, size: int, mark):
        self.stack, self.host, self.hop, self.clock = stack, host, hop, clock
        self.count, self.timeout, self.size, self.mark = count, timeout, size, mark
        self.left = count
        self.done = None
        self.ident = 0
        self.sent = 0.0

    def start(self, done) -> None:
        self.done, self.sent = done, self.clock.monotonic()
        self.ident = self.stack.ping(self.host, self.count, self.timeout, self._reply, hop=self.hop, size=self.size)

    def _reply(self, ok: bool) -> None:
        now = self.clock.monotonic()
        self.mark(ok, round((now - self.sent) * 1000))
        self.sent, self.left = now, self.left - 1
        if self.left == 0:
            self.done(None)

    def cancel(self) -> None:
        self.stack.stop_ping(self.ident)
        self.done(None)


def _echoes(ctx: Ctx, count: int, timeout: float, size: int, mark) -> Wait | None:
    """The echoes towards the host out of the interface asked for or routed to, by way of the
    route's next hop; None when there is no way there."""
    host = ctx.args["host"]
    route = ctx.system.feature(Routing).table().lookup(int(ipaddress.IPv4Address(host)))
    interfaces = ctx.system.feature(Interfaces)
    name = ctx.args.get("if") or (route.iface if route else None)
    iface = interfaces.by_name(name) if name else None
    stack = interfaces.stations.stack(iface) if iface is not None else None
    if stack is None or route is None or route.iface != iface.nameif:
        return None
    hop = str(ipaddress.IPv4Address(route.gateway)) if route.gateway is not None else host
    echoes = _Echoes(stack, host, hop, ctx.system.unit.clock, count, timeout, size, mark)
    return Wait(echoes.start, echoes.cancel)


@command("ping [<if:WORD>] <host:IP> [repeat <count:INT:1-2147483647>] [timeout <seconds:INT:0-3600>] "
         "[size <bytes:INT:28-65535>]", priv=1, versions="7.x", help=_HELP)
def ping(ctx: Ctx):
    count, timeout = ctx.args.get("count", 5), ctx.args.get("seconds", 2)
    size, host = ctx.args.get("bytes", 100), ctx.args["host"]
    ctx.print("Type escape sequence to abort.")
    times: list[int] = []

    def mark(ok: bool, ms: int) -> None:
        ctx.emit("!" if ok else ".")
        if ok:
            times.append(ms)
    wait = _echoes(ctx, count, timeout, size, mark)
    if wait is None:
        ctx.print(f"No route to host {host}")
        ctx.print("")
        ctx.print("Success rate is 0 percent (0/1)")
        return
    ctx.print(f"Sending {count}, {size}-byte ICMP Echos to {host}, timeout is {timeout} seconds:")
    yield wait
    ctx.print("")
    rate = f"Success rate is {len(times) * 100 // count} percent ({len(times)}/{count})"
    if times:
        rate += f", round-trip min/avg/max = {min(times)}/{sum(times) // len(times)}/{max(times)} ms"
    ctx.print(rate)


@command("ping [<if:WORD>] <host:IP>", priv=1, versions="6.x", help=_HELP)
def ping6(ctx: Ctx):
    host = ctx.args["host"]
    wait = _echoes(ctx, 3, 1.0, 100, lambda ok, ms: ctx.emit(
        f"\t{host} response received -- {ms}ms\n" if ok else f"\t{host} NO response received -- {ms}ms\n"))
    if wait is None:
        ctx.print(f"\t{host} NO response received -- 1000ms")
        return
    yield wait
