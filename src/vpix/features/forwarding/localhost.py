"""`show local-host [ip] [detail]`: per interface, the hosts that have connections or
translations through the unit — how many now and at most, each with its connection counts,
translations and connections, and the limits its `nat` or `static` rule sets. No host is
ever denied (no license here limits the hosts)."""

from __future__ import annotations

from vpix.dataplane.conns import Conn
from vpix.dataplane.nat import HostLimits
from vpix.dataplane.pipeline import Pipeline
from vpix.features.forwarding.tables import address, conn_line, xlate_line
from vpix.net.packets import PROTO_TCP, PROTO_UDP


def lines(pipeline: Pipeline, now: float, family: str, ip: int | None, detail: bool) -> list[str]:
    table = pipeline.conns
    xlates = pipeline.nat.statics() + pipeline.nat.dynamic()
    out = []
    for iface in pipeline.faces:
        hosts = {host for face, host in table.hosts if face == iface}
        hosts |= {x.real for x in pipeline.nat.dynamic() if x.real_iface == iface}
        out.append(f"Interface {iface}: {len(hosts)} active, {max(len(hosts), table.most_active[iface])} "
                   f"maximum active, 0 denied")
        for host in sorted(hosts):
            if ip is None or host == ip:
                conns = [c for c in table.conns.values() if (iface, host) in ((c.a.iface, c.a.ip), (c.b.iface, c.b.ip))]
                held = [x for x in xlates if x.real_iface == iface and x.real == host]
                limit = pipeline.nat.host_limit(iface, host)
                out += _host(host, conns, held, limit[0] if limit else HostLimits(), now, family, detail)
    return out


def _host(host: int, conns: list[Conn], xlates: list, limits: HostLimits, now: float, family: str,
          detail: bool) -> list[str]:
    tcp = sum(c.proto == PROTO_TCP for c in conns)
    udp = sum(c.proto == PROTO_UDP for c in conns)
    embryonic = sum(c.proto == PROTO_TCP and not c.established and c.b.ip == host for c in conns)
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
