"""`show local-host [ip] [detail]`: per interface, the hosts that have connections or
translations through the unit — how many now and at most, each with its connection counts,
translations and connections, and the limits its `nat` or `static` rule sets. No host is
ever denied (no license here limits the hosts)."""

from __future__ import annotations

from collections import defaultdict

from vpix.dataplane.conns import Conn
from vpix.dataplane.nat import HostLimits, Xlate
from vpix.dataplane.pipeline import Pipeline
from vpix.features.forwarding.tables import address, conn_line, xlate_line
from vpix.net.packets import PROTO_TCP, PROTO_UDP


def lines(pipeline: Pipeline, now: float, family: str, ip: int | None, detail: bool) -> list[str]:
    table = pipeline.conns
    conns: dict[tuple[str, int], list[Conn]] = defaultdict(list)     # each end's host -> its connections
    for conn in table.conns.values():
        for end in (conn.a, conn.b):
            conns[(end.iface, end.ip)].append(conn)
    xlates: dict[tuple[str, int], list[Xlate]] = defaultdict(list)
    for xlate in pipeline.nat.statics() + pipeline.nat.dynamic():
        xlates[(xlate.real_iface, xlate.real)].append(xlate)
    dynamic = {(x.real_iface, x.real) for x in pipeline.nat.dynamic()}
    out = []
    for iface in pipeline.faces:
        hosts = sorted(host for face, host in table.hosts.keys() | dynamic if face == iface)
        out.append(f"Interface {iface}: {len(hosts)} active, {max(len(hosts), table.most_active[iface])} "
                   f"maximum active, 0 denied")
        for host in hosts:
            if ip is None or host == ip:
                limit = pipeline.nat.host_limit(iface, host)
                out += _host(host, conns[(iface, host)], xlates[(iface, host)], table.embryonic[(iface, host)],
                             limit[0] if limit else HostLimits(), now, family, detail)
    return out


def _host(host: int, conns: list[Conn], xlates: list[Xlate], embryonic: int, limits: HostLimits, now: float,
          family: str, detail: bool) -> list[str]:
    tcp = sum(c.proto == PROTO_TCP for c in conns)
    udp = sum(c.proto == PROTO_UDP for c in conns)
    six = family == "6.x"
    flow = "connection" if six else "flow"
    lines = [f"local host: <{address(host)}>,",
             f"    TCP {flow} count/limit = {tcp}/{limits.max_conns or 'unlimited'}",
             f"    TCP embryonic count{'' if six else ' to host'} = {embryonic}",
             f"    TCP intercept watermark = {limits.emb_limit or 'unlimited'}",
             f"    UDP {flow} count/limit = {udp}/{limits.max_conns or 'unlimited'}"]
    plural = "(s)" if six else ""
    if xlates:
        lines += [f"  Xlate{plural}:"] + [f"    {xlate_line(x, detail)}" for x in xlates]
    if conns:
        lines += [f"  Conn{plural}:"] + [f"    {conn_line(c, now, family)}" for c in conns]
    return lines
