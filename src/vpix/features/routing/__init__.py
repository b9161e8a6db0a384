"""Static routes (`route IF NETWORK MASK GATEWAY [METRIC]`), the routing table they make with the
connected networks of the named interfaces, and `show route` in each family's layout."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.routes import Route, RouteTable, prefix_length
from vpix.features import TRAFFIC, Feature
from vpix.features.interfaces import Interfaces
from vpix.features.interfaces.commands import named_interface


def _int(address: str) -> int:
    return int(ipaddress.IPv4Address(address))


def _text(address: int) -> str:
    return str(ipaddress.IPv4Address(address))


@dataclass(frozen=True)
class StaticRoute:
    iface: str
    network: str
    mask: str
    gateway: str
    metric: int = 1


class Routing(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.static: list[StaticRoute] = []
        self._table: tuple[list[Route], RouteTable] | None = None

    def render(self, full):
        return [("route", [f"route {r.iface} {r.network} {r.mask} {r.gateway} {r.metric}" for r in self.static])]

    def table(self) -> RouteTable:
        """The table of now; the same one (and its lookup cache) while the routes stay."""
        entries = self.entries()
        if self._table is None or self._table[0] != entries:
            self._table = entries, RouteTable(entries)
        return self._table[1]

    def entries(self) -> list[Route]:
        """Connected networks of the interfaces that are up, then the static routes out of them."""
        interfaces = self.system.feature(Interfaces)
        routes = []
        up = {i.nameif for i in interfaces.named() if i.ip and i.line_up}
        for iface in interfaces.named():
            if iface.nameif in up:
                mask = _int(iface.mask)
                routes.append(Route(_int(iface.ip) & mask, mask, iface.nameif, None, 0, "C"))
        for r in self.static:
            if r.iface in up:
                mask = _int(r.mask)
                routes.append(Route(_int(r.network) & mask, mask, r.iface, _int(r.gateway), r.metric, "S"))
        return routes


_HELP = {"route": "Configure a static route for an interface", "if": "Name of the interface",
         "net": "The destination network", "mask": "The netmask of the destination network",
         "gw": "The address of the gateway", "metric": "Distance metric for this route, default is 1",
         "show": "Show running system information"}


@command("route <if:WORD> <net:IP> <mask:MASK> <gw:IP> [<metric:INT:1-255>]", mode="config", config=True, help=_HELP)
def route(ctx: Ctx):
    iface = named_interface(ctx, "if")
    network, mask = ctx.args["net"], ctx.args["mask"]
    if _int(network) & ~_int(mask) & 0xFFFFFFFF:
        raise CommandError("ERROR: Inconsistent address and mask")
    new = StaticRoute(iface.nameif, network, mask, ctx.args["gw"], ctx.args.get("metric", 1))
    routes = ctx.system.feature(Routing).static
    routes[:] = [r for r in routes if (r.iface, r.network, r.mask, r.gateway) != (new.iface, new.network, new.mask,
                                                                                  new.gateway)] + [new]


@command("no route <if:WORD> <net:IP> <mask:MASK> [<gw:IP> [<metric:INT:1-255>]]", mode="config", config=True,
         help=_HELP)
def no_route(ctx: Ctx):
    routes = ctx.system.feature(Routing).static
    place, gateway = (ctx.args["if"], ctx.args["net"], ctx.args["mask"]), ctx.args.get("gw")
    routes[:] = [r for r in routes if (r.iface, r.network, r.mask) != place or gateway not in (None, r.gateway)]


CODES = ["Codes: C - connected, S - static, I - IGRP, R - RIP, M - mobile, B - BGP",
         "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area",
         "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
         "       E1 - OSPF external type 1, E2 - OSPF external type 2, E - EGP",
         "       i - IS-IS, L1 - IS-IS level-1, L2 - IS-IS level-2, ia - IS-IS inter area",
         "       * - candidate default, U - per-user static route, o - ODR",
         "       P - periodic downloaded static route"]


@command("show route", priv=1, help={**_HELP, "route": "Show the routing table"})
def show_route(ctx: Ctx):
    routing = ctx.system.feature(Routing)
    if ctx.system.family == "6.x":
        for r in routing.entries():
            gateway = _text(r.gateway) if r.gateway is not None else _own(ctx, r.iface)
            kind = "CONNECT" if r.kind == "C" else "OTHER"
            ctx.print(f"        {r.iface} {_text(r.network)} {_text(r.mask)} {gateway} {max(r.metric, 1)} {kind} static")
        return
    for line in CODES:
        ctx.print(line)
    ctx.print("")
    table = routing.table()
    default = next((r for r in table.routes if r.mask == 0 and r.gateway is not None), None)
    ctx.print(f"Gateway of last resort is {_text(default.gateway)} to network 0.0.0.0" if default
              else "Gateway of last resort is not set")
    ctx.print("")
    for r in sorted(table.routes, key=lambda r: (r.kind != "C", -prefix_length(r.mask), r.network)):
        if r.kind == "C":
            ctx.print(f"C    {_text(r.network)} {_text(r.mask)} is directly connected, {r.iface}")
        else:
            star = "*" if r.mask == 0 else " "
            ctx.print(f"S{star}   {_text(r.network)} {_text(r.mask)} [{r.metric}/0] via {_text(r.gateway)}, {r.iface}")
    ctx.print("")


def _own(ctx: Ctx, name: str) -> str:
    iface = ctx.system.feature(Interfaces).by_name(name)
    return iface.ip if iface is not None and iface.ip else "0.0.0.0"


from vpix.features.routing import ping  # noqa: E402,F401
