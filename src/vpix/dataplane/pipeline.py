"""The forwarding decision for a packet that arrived on one interface for an address beyond
the unit (the adaptive security model of PIX 6.x / 7.x without NAT control):

1. A packet of a known connection goes on to the connection's other end, its TCP state
   followed (the return traffic of what the unit let through).
2. Anything else is a new flow: it needs a route out of another interface; TCP must open
   with a SYN; the access list applied inbound on the interface it came in on decides (its
   first matching entry, else the implicit deny); without one, traffic from a higher to a
   lower security level passes and the reverse is denied.
   With NAT control (PIX OS 6.x always) a flow also needs a translation rule, and there are
   none yet: it is dropped.
   A TCP or UDP flow that passes becomes a connection; ICMP and other protocols are judged
   packet by packet (ICMP is not inspected, so echo replies need to be permitted).

Pure logic: interfaces, routes and the time come in, a ``Verdict`` goes out with the syslog
messages the device gives for what it did.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from vpix.clock import hms
from vpix.dataplane.acl import AccessList
from vpix.dataplane.conns import ConnTable, End, Teardown, Timeouts
from vpix.dataplane.routes import RouteTable
from vpix.net.packets import ACK, FIN, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PSH, RST, SYN, IPv4, Malformed, Tcp, ip_text

Log = tuple[int, int, str]             # (severity, message id, text)
_PORTS = struct.Struct("!HH")
_FLAG_NAMES = ((FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"))
PROTO_NAMES = {PROTO_TCP: "TCP", PROTO_UDP: "UDP", PROTO_ICMP: "ICMP"}


@dataclass(frozen=True)
class Face:
    """What the pipeline knows of a named interface."""

    name: str
    security: int
    address: int | None


@dataclass
class Verdict:
    out: str | None = None             # the interface to send on; None: dropped
    hop: int = 0                       # the neighbour to send to
    logs: list[Log] = field(default_factory=list)


def tcp_flag_names(flags: int) -> str:
    return " ".join(name for bit, name in _FLAG_NAMES if flags & bit)


def _addr(end: End) -> str:
    return f"{ip_text(end.ip.to_bytes(4, 'big'))}/{end.port}"


def built(conn) -> Log:
    """302013 / 302015: the outside end first, then the inside end, each with its mapped
    address (the same, without NAT)."""
    outside, inside = conn.outside, conn.inside
    kind = "TCP" if conn.proto == PROTO_TCP else "UDP"
    return (6, 302013 if conn.proto == PROTO_TCP else 302015,
            f"Built {'outbound' if conn.outbound else 'inbound'} {kind} connection {conn.id} for "
            f"{outside.iface}:{_addr(outside)} ({_addr(outside)}) to {inside.iface}:{_addr(inside)} ({_addr(inside)})")


def teardown(gone: Teardown) -> Log:
    conn = gone.conn
    outside, inside = conn.outside, conn.inside
    head = (f"connection {conn.id} for {outside.iface}:{_addr(outside)} to {inside.iface}:{_addr(inside)} "
            f"duration {hms(gone.at - conn.created)} bytes {conn.bytes}")
    if conn.proto == PROTO_TCP:
        return 6, 302014, f"Teardown TCP {head} {gone.reason}"
    return 6, 302016, f"Teardown UDP {head}"


class Pipeline:
    def __init__(self, timeouts: Timeouts | None = None, nat_control: bool = False):
        self.conns = ConnTable(timeouts or Timeouts())
        self.nat_control = nat_control
        self.faces: dict[str, Face] = {}
        self.routes = RouteTable([])
        self.acl_in: dict[str, AccessList] = {}
        self._own: set[int] = set()
        self.dropped = 0

    def configure(self, faces: list[Face], routes: RouteTable, acl_in: dict[str, AccessList] | None = None) -> None:
        self.faces = {face.name: face for face in faces}
        self.routes = routes
        self.acl_in = acl_in or {}
        self._own = {face.address for face in faces if face.address is not None}

    def transit(self, arrived_on: str, ip: IPv4, now: float) -> Verdict:
        try:
            sport, dport, flags, length, icmp = _l4(ip)
        except Malformed:
            self.dropped += 1
            return Verdict()
        src, dst = int.from_bytes(ip.src, "big"), int.from_bytes(ip.dst, "big")
        found = self.conns.find(ip.proto, src, sport, dst, dport) if ip.proto in (PROTO_TCP, PROTO_UDP) else None
        if found is not None:
            return self._known(found, arrived_on, dst, length, flags, now)
        return self._new(arrived_on, ip, src, sport, dst, dport, flags, length, icmp, now)

    def expire(self, now: float) -> list[Log]:
        return [teardown(gone) for gone in self.conns.expire(now)]

    def clear(self, now: float) -> list[Log]:
        return [teardown(gone) for gone in self.conns.clear(now)]

    # ------------------------------------------------------------ steps

    def _known(self, found, arrived_on: str, dst: int, length: int, flags: int, now: float) -> Verdict:
        conn, direction = found
        if conn.end(direction).iface != arrived_on:
            self.dropped += 1
            return Verdict()
        out = conn.end(1 - direction).iface
        verdict = self._route(out, dst)
        gone = self.conns.seen(conn, direction, length, flags, now)
        if gone is not None:
            verdict.logs.append(teardown(gone))
        return verdict

    def _new(self, arrived_on, ip, src, sport, dst, dport, flags, length, icmp, now) -> Verdict:
        inside, route = self.faces.get(arrived_on), self.routes.lookup(dst)
        source, target = ip_text(ip.src), ip_text(ip.dst)
        if inside is None or dst in self._own:
            self.dropped += 1
            return Verdict()
        if route is None:
            self.dropped += 1
            return Verdict(logs=[(6, 110001, f"No route to {target} from {source}")])
        outside = self.faces.get(route.iface)
        if outside is None or outside.name == arrived_on:
            self.dropped += 1
            return Verdict()
        if ip.proto == PROTO_TCP and (flags & (SYN | ACK | RST)) != SYN:
            self.dropped += 1
            return Verdict(logs=[(6, 106015, f"Deny TCP (no connection) from {source}/{sport} to {target}/{dport} "
                                             f"flags {tcp_flag_names(flags)} on interface {arrived_on}")])
        acl = self.acl_in.get(arrived_on)
        if acl is not None:
            ace = acl.match(ip.proto, src, sport, dst, dport, icmp[0])
            if ace is None or not ace.permit:
                self.dropped += 1
                return Verdict(logs=[_refused(ip.proto, acl.name, arrived_on, route.iface, source, sport, target,
                                              dport, icmp)])
        elif inside.security <= outside.security:
            self.dropped += 1
            return Verdict(logs=[_denied(ip.proto, arrived_on, route.iface, source, sport, target, dport, icmp)])
        if self.nat_control:
            self.dropped += 1
            kind = PROTO_NAMES.get(ip.proto, str(ip.proto)).lower()
            return Verdict(logs=[(3, 305005, f"No translation group found for {kind} src {arrived_on}:{source}/{sport} "
                                             f"dst {route.iface}:{target}/{dport}")])
        verdict = self._route(route.iface, dst)
        if ip.proto in (PROTO_TCP, PROTO_UDP):
            conn = self.conns.open(ip.proto, End(arrived_on, src, sport, inside.security),
                                   End(route.iface, dst, dport, outside.security), now, syn=ip.proto == PROTO_TCP)
            self.conns.seen(conn, 0, length, flags, now)
            verdict.logs.append(built(conn))
        return verdict

    def _route(self, out: str, dst: int) -> Verdict:
        route = self.routes.lookup(dst)
        hop = route.gateway if route is not None and route.iface == out and route.gateway is not None else dst
        return Verdict(out, hop)


def _denied(proto, arrived_on, out, source, sport, target, dport, icmp) -> Log:
    if proto == PROTO_TCP:
        return 2, 106001, (f"Inbound TCP connection denied from {source}/{sport} to {target}/{dport} "
                           f"flags SYN on interface {arrived_on}")
    if proto == PROTO_UDP:
        return 2, 106006, f"Deny inbound UDP from {source}/{sport} to {target}/{dport} on interface {arrived_on}"
    if proto == PROTO_ICMP:
        return 3, 106014, (f"Deny inbound icmp src {arrived_on}:{source} dst {out}:{target} "
                           f"(type {icmp[0]}, code {icmp[1]})")
    return 3, 106010, f"Deny inbound protocol {proto} src {arrived_on}:{source} dst {out}:{target}"


def _refused(proto, name, arrived_on, out, source, sport, target, dport, icmp) -> Log:
    """106023: denied by the interface's access list."""
    kind = PROTO_NAMES.get(proto, str(proto)).lower()
    if proto in (PROTO_TCP, PROTO_UDP):
        where = f"src {arrived_on}:{source}/{sport} dst {out}:{target}/{dport}"
    elif proto == PROTO_ICMP:
        where = f"src {arrived_on}:{source} dst {out}:{target} (type {icmp[0]}, code {icmp[1]})"
    else:
        where = f"src {arrived_on}:{source} dst {out}:{target}"
    return 4, 106023, f'Deny {kind} {where} by access-group "{name}"'


def _l4(ip: IPv4) -> tuple[int, int, int, int, tuple[int, int]]:
    """(source port, destination port, TCP flags, payload length, (ICMP type, code))."""
    data = ip.payload
    if ip.proto == PROTO_TCP:
        tcp = Tcp.decode(data)
        return tcp.sport, tcp.dport, tcp.flags, len(tcp.payload), (0, 0)
    if ip.proto == PROTO_UDP:
        if len(data) < 8:
            raise Malformed("short UDP header")
        sport, dport = _PORTS.unpack_from(data)
        return sport, dport, 0, len(data) - 8, (0, 0)
    if ip.proto == PROTO_ICMP:
        if len(data) < 8:
            raise Malformed("short ICMP header")
        return 0, 0, 0, len(data) - 8, (data[0], data[1])
    return 0, 0, 0, len(data), (0, 0)
