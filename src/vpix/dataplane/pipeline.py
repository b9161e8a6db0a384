"""The forwarding decision for a packet that arrived on one interface for an address beyond
the unit (the adaptive security model of PIX 6.x / 7.x):

1. A packet of a known connection goes on to the connection's other end, its TCP state
   followed (the return traffic of what the unit let through).
2. Anything else is a new flow: it needs a route out of another interface; TCP must open
   with a SYN; the access list applied inbound on the interface it came in on decides (its
   first matching entry, else the implicit deny); without one, traffic from a higher to a
   lower security level passes and the reverse is denied.
   Then its addresses are translated (vpix.dataplane.nat); a flow that needs a translation
   and finds none is dropped.
   A TCP or UDP flow that passes becomes a connection; ICMP and other protocols are judged
   packet by packet (ICMP is not inspected, so echo replies need to be permitted).

Pure logic: interfaces, routes and the time come in, a ``Verdict`` goes out with the syslog
messages the device gives for what it did; what it drops is counted by reason (`show asp drop`).
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass, field

from vpix.clock import PerSecond, hms
from vpix.dataplane.acl import AccessList
from vpix.dataplane import ftp
from vpix.dataplane.conns import Conn, ConnLimit, ConnTable, End, Teardown, Timeouts
from vpix.dataplane.nat import PAT, STATIC, Address, NatTable, NoTranslation, Xlate, XlateLimit
from vpix.dataplane.routes import RouteTable
from vpix.net.packets import ACK, FIN, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PSH, RST, SYN, IPv4, Malformed, Tcp, ip_text

Log = tuple[int, int, str]             # (severity, message id, text)
_PORTS = struct.Struct("!HH")
_UDP_LENGTH = struct.Struct("!H")
_FLAG_NAMES = ((FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"))
PROTO_NAMES = {PROTO_TCP: "TCP", PROTO_UDP: "UDP", PROTO_ICMP: "ICMP"}
SECURITY = "sp-security-failed"        # no way through: back out where it came, an unknown interface


@dataclass(frozen=True)
class Face:
    """What the pipeline knows of a named interface."""

    name: str
    security: int
    address: int | None
    management_only: bool = False          # to the unit only: nothing passes through it


@dataclass
class Verdict:
    out: str | None = None             # the interface to send on; None: dropped
    hop: int = 0                       # the neighbour to send to
    logs: list[Log] = field(default_factory=list)
    rewrite: tuple[int, int, int, int] | None = None    # new source, port, destination, port
    tcp: tuple[int, int, bytes | None] | None = None     # sequence and ack moved by, new payload


@dataclass(frozen=True)
class Pinhole:
    """A data connection an inspected control connection announced: from ``src`` (the control
    connection's other end) to ``target``, the announced address as each side knows it."""

    control: Conn
    src: int
    target: Address


def tcp_flag_names(flags: int) -> str:
    return " ".join(name for bit, name in _FLAG_NAMES if flags & bit)


def _addr(ip: int, port: int | None = None) -> str:
    text = ip_text(ip.to_bytes(4, "big"))
    return text if port is None else f"{text}/{port}"


def built(conn) -> Log:
    """302013 / 302015: the outside end first, then the inside end, each with its mapped
    address in brackets."""
    outside, inside = conn.outside, conn.inside
    kind = "TCP" if conn.proto == PROTO_TCP else "UDP"
    ends = [f"{end.iface}:{_addr(end.ip, end.port)} ({_addr(end.mapped_ip, end.mapped_port)})"
            for end in (outside, inside)]
    return (6, 302013 if conn.proto == PROTO_TCP else 302015,
            f"Built {'outbound' if conn.outbound else 'inbound'} {kind} connection {conn.id} for {ends[0]} to {ends[1]}")


def _xlate_words(xlate: Xlate) -> str:
    ports = xlate.kind == PAT
    kind = f"{PROTO_NAMES.get(xlate.proto, str(xlate.proto))} " if ports else ""
    real = _addr(xlate.real, xlate.real_port if ports else None)
    mapped = _addr(xlate.mapped, xlate.mapped_port if ports else None)
    return f"{'static' if xlate.kind == STATIC else 'dynamic'} {kind}translation from {xlate.real_iface}:{real} " \
           f"to {xlate.mapped_iface}:{mapped}"


def built_xlate(xlate: Xlate) -> Log:
    """305011 for a port translation, 305009 for an address translation."""
    return 6, 305011 if xlate.kind == PAT else 305009, f"Built {_xlate_words(xlate)}"


def teardown_xlate(xlate: Xlate, now: float) -> Log:
    return (6, 305012 if xlate.kind == PAT else 305010,
            f"Teardown {_xlate_words(xlate)} duration {hms(now - xlate.created)}")


def teardown(gone: Teardown) -> Log:
    conn = gone.conn
    outside, inside = conn.outside, conn.inside
    head = (f"connection {conn.id} for {outside.iface}:{_addr(outside.ip, outside.port)} to "
            f"{inside.iface}:{_addr(inside.ip, inside.port)} "
            f"duration {hms(gone.at - conn.created)} bytes {conn.bytes}")
    if conn.proto == PROTO_TCP:
        return 6, 302014, f"Teardown TCP {head} {gone.reason}"
    return 6, 302016, f"Teardown UDP {head}"


class Pipeline:
    def __init__(self, timeouts: Timeouts | None = None):
        self.conns = ConnTable(timeouts or Timeouts())
        self.nat = NatTable()
        self.ftp_ports: dict[str, set[int]] = {}      # interface -> the ports inspected as FTP
        self._holes: dict[tuple, Pinhole] = {}
        self.faces: dict[str, Face] = {}
        self.routes = RouteTable([])
        self.acl_in: dict[str, AccessList] = {}
        self.same_security: frozenset[str] = frozenset()   # `same-security-traffic permit` inter-/intra-interface
        self.rpf: frozenset[str] = frozenset()             # interfaces with `ip verify reverse-path`
        self.rpf_drops: Counter[str] = Counter()           # `show ip verify statistics`
        self._own: set[int] = set()
        self.limits: dict[str, list[ConnLimit]] = {}  # interface -> the limits on traffic arriving there
        self.quotas: dict[str, int] = {}              # a context's resource class limits: conns, hosts
        self.context = ""                             # the context this pipeline is (for 321001)
        self.quota_denied: Counter[str] = Counter()   # new connections a class limit refused, by resource
        self.conn_rate = PerSecond()                  # new connections a second, and the class's limit on it
        self.drops: dict[str, Counter[str]] = {"frame": Counter(), "flow": Counter()}   # `show asp drop`
        self.inspected: Counter[str] = Counter()      # packets each inspection engine saw (`show service-policy`)

    def configure(self, faces: list[Face], routes: RouteTable, acl_in: dict[str, AccessList] | None = None) -> None:
        self.faces = {face.name: face for face in faces}
        self.routes = routes
        self.acl_in = acl_in or {}
        self._own = {face.address for face in faces if face.address is not None}

    def transit(self, arrived_on: str, ip: IPv4, now: float, own: bool = False) -> Verdict | None:
        """``own``: the packet is for the unit's own address on ``arrived_on``; it is forwarded
        only if it belongs to a translation to that address (the return traffic of PAT to the
        interface, a static of it, an announced data connection), else None: the unit keeps it."""
        try:
            sport, dport, flags, length, icmp = _l4(ip)
        except Malformed as bad:
            return None if own else self._drop(bad.reason)
        src, dst = int.from_bytes(ip.src, "big"), int.from_bytes(ip.dst, "big")
        found = self.conns.find(ip.proto, src, sport, dst, dport) if ip.proto in (PROTO_TCP, PROTO_UDP) else None
        if found is not None:
            verdict = self._known(found, arrived_on, length, flags, now)
            if found[0].ftp and verdict.out is not None:
                self.inspected["ftp"] += 1
                self._inspect_ftp(found, ip, verdict, now)
            return verdict
        if own and not (ip.proto == PROTO_TCP and (arrived_on, dst, dport) in self._holes) and \
                self.nat.destination(arrived_on, ip.proto, dst, dport) is None:
            return None
        return self._new(arrived_on, ip, src, sport, dst, dport, flags, length, icmp, now)

    def expire(self, now: float) -> list[Log]:
        logs = [teardown(gone) for gone in self.conns.expire(now)]
        if self._holes:           # pinholes never used go with their control connection
            self._holes = {key: hole for key, hole in self._holes.items() if hole.control.id in self.conns.conns}
        return logs + [teardown_xlate(xlate, now) for xlate in self.nat.expire(now)]

    def clear(self, now: float) -> list[Log]:
        return [teardown(gone) for gone in self.conns.clear(now)]

    def clear_xlate(self, now: float) -> list[Log]:
        """`clear xlate`: the dynamic translations go, and the connections through them."""
        gone = set(self.nat.clear())
        logs = [teardown(self.conns.close(conn, "Xlate Clear", now)) for conn in list(self.conns.conns.values())
                if gone.intersection(conn.xlates)]
        return logs + [teardown_xlate(xlate, now) for xlate in gone]

    def clear_host(self, now: float, ip: int | None) -> list[Log]:
        """`clear local-host [ip]`: a host's connections and translations go (every host's)."""
        logs = [teardown(self.conns.close(conn, "Connection cleared", now)) for conn in list(self.conns.conns.values())
                if ip is None or ip in (conn.a.ip, conn.b.ip)]
        return logs + [teardown_xlate(xlate, now) for xlate in self.nat.clear(ip)]

    # ------------------------------------------------------------ steps

    def _known(self, found, arrived_on: str, length: int, flags: int, now: float) -> Verdict:
        conn, direction = found
        sender, receiver = conn.end(direction), conn.end(1 - direction)
        if sender.iface != arrived_on:
            return self._drop(SECURITY)
        verdict = self._route(receiver.iface, receiver.ip)
        verdict.rewrite = _rewrite(sender, receiver)
        gone = self.conns.seen(conn, direction, length, flags, now)
        if gone is not None:
            verdict.logs.append(teardown(gone))
        return verdict

    def _new(self, arrived_on, ip, src, sport, dst, dport, flags, length, icmp, now) -> Verdict:
        inside = self.faces.get(arrived_on)
        source, target = ip_text(ip.src), ip_text(ip.dst)
        if arrived_on in self.rpf and not self._came_the_right_way(arrived_on, src):
            self.rpf_drops[arrived_on] += 1
            return self._drop("rpf-violated", (1, 106021, f"Deny {PROTO_NAMES.get(ip.proto, str(ip.proto))} reverse "
                                                          f"path check from {source} to {target} on interface {arrived_on}"))
        syn = ip.proto == PROTO_TCP and (flags & (SYN | ACK | RST)) == SYN
        hole = self._pinhole(arrived_on, src, dst, dport) if syn else None
        mapped = hole.target if hole is not None else self.nat.destination(arrived_on, ip.proto, dst, dport)
        if inside is None or (dst in self._own and mapped is None):
            return self._drop(SECURITY)
        route = self.routes.lookup(mapped.ip if mapped is not None else dst)
        if route is None:
            return self._drop("no-route", (6, 110001, f"No route to {target} from {source}"))
        outside = self.faces.get(route.iface)
        if outside is None or (outside.name == arrived_on and "intra-interface" not in self.same_security) \
                or inside.management_only or outside.management_only:
            return self._drop(SECURITY)
        if ip.proto == PROTO_TCP and not syn:
            return self._drop("tcp-not-syn", (6, 106015, f"Deny TCP (no connection) from {source}/{sport} to "
                                                         f"{target}/{dport} flags {tcp_flag_names(flags)} on "
                                                         f"interface {arrived_on}"))
        if hole is None:
            refused = self._policy_refuses(inside, outside, ip.proto, src, sport, dst, dport, icmp, source, target)
            if refused is not None:
                return self._drop("acl-drop", refused)
        limit = self._limit(arrived_on, ip.proto, dport)
        if limit is not None and self.conns.limited[limit.key] >= limit.conn_max:
            self.count_drop("conn-limit", "flow")
            way = "inbound" if inside.security < outside.security else "outbound"
            return Verdict(logs=[(3, 201011, f"Connection limit exceeded {self.conns.limited[limit.key]}/"
                                             f"{limit.conn_max} for {way} packet from {source}/{sport} to "
                                             f"{target}/{dport} on interface {arrived_on}")])
        exhausted = self._exhausted(ip.proto, (arrived_on, src)) if self.quotas else None
        if exhausted is not None:
            self.count_drop("conn-limit", "flow")
            return self._over_quota(exhausted, self.quotas[exhausted])
        if ip.proto in (PROTO_TCP, PROTO_UDP) and not self.conn_rate.admit(now):
            self.count_drop("conn-limit", "flow")
            return Verdict(logs=[(5, 321002, f"Resource 'conns' rate limit of {self.conn_rate.limit} reached for "
                                             f"context '{self.context}'")])
        real_dst = mapped.ip if mapped is not None else dst
        too_many = self._too_many(ip.proto, (arrived_on, src, sport), (route.iface, real_dst, dport), dst)
        if too_many is not None:
            self.count_drop("conn-limit", "flow")
            return Verdict(logs=[too_many])
        try:
            a, b = self.nat.flow(arrived_on, route.iface, ip.proto, src, sport, dst, dport, mapped, now)
        except XlateLimit as full:
            return self._over_quota("xlates", full.limit)
        except NoTranslation as missing:
            return self._drop("acl-drop", _untranslated(missing.message_id, ip.proto, arrived_on, route.iface,
                                                        source, sport, target, dport))
        ends = (End(arrived_on, a.ip, a.port, inside.security, a.mapped_ip, a.mapped_port),
                End(route.iface, b.ip, b.port, outside.security, b.mapped_ip, b.mapped_port))
        verdict = self._route(route.iface, b.ip)
        verdict.rewrite = _rewrite(*ends)
        held = tuple(end.xlate for end in (a, b) if end.xlate is not None)
        for xlate in held:
            xlate.last = now
        verdict.logs.extend(built_xlate(xlate) for xlate in self.nat.take_built())
        if ip.proto in (PROTO_TCP, PROTO_UDP):
            conn = self.conns.open(ip.proto, *ends, now, syn=ip.proto == PROTO_TCP, xlates=held,
                                   limit=limit.key if limit is not None else None)
            conn.ftp = ip.proto == PROTO_TCP and dport in self.ftp_ports.get(arrived_on, ())
            self.conns.seen(conn, 0, length, flags, now)
            verdict.logs.append(built(conn))
        return verdict

    def _over_quota(self, resource: str, limit: int) -> Verdict:
        self.quota_denied[resource] += 1
        return Verdict(logs=[(5, 321001, f"Resource '{resource}' limit of {limit} reached for context "
                                         f"'{self.context}'")])

    def _exhausted(self, proto: int, host: tuple[str, int]) -> str | None:
        """The resource class limit a new connection from ``host`` would go past, if any."""
        if proto not in (PROTO_TCP, PROTO_UDP):
            return None
        if len(self.conns) >= self.quotas.get("conns", len(self.conns) + 1):
            return "conns"
        hosts = self.conns.hosts
        if host not in hosts and len(hosts) >= self.quotas.get("hosts", len(hosts) + 1):
            return "hosts"
        return None

    def _limit(self, arrived_on: str, proto: int, dport: int) -> ConnLimit | None:
        if proto not in (PROTO_TCP, PROTO_UDP):
            return None
        return next((limit for limit in self.limits.get(arrived_on, ()) if limit.matches(proto, dport)), None)

    def _too_many(self, proto: int, source: tuple, target: tuple, dst: int) -> Log | None:
        """Why the limits of a new flow's real hosts refuse it: 201002 when either host already
        has all the connections its `nat` or `static` rule allows (`max_conns`), 201003 when the
        handshakes to the target reached the rule's `emb_limit` (the device would intercept
        them; here the new one is dropped)."""
        if proto not in (PROTO_TCP, PROTO_UDP):
            return None
        for iface, host, _ in (source, target):
            found = self.nat.host_limit(iface, host)
            if found is None:
                continue
            limits, kind, mapped = found
            if limits.max_conns and self.conns.hosts[(iface, host)] >= limits.max_conns:
                return (3, 201002, f"Too many TCP connections on {kind} {_addr(mapped)}! "
                                   f"{limits.emb_limit} {limits.max_conns}")
            handshaking = proto == PROTO_TCP and (iface, host) == target[:2] and limits.emb_limit
            embryonic = self.conns.embryonic[(iface, host)] if handshaking else 0
            if handshaking and embryonic >= limits.emb_limit:
                return (2, 201003, f"Embryonic limit exceeded {embryonic}/{limits.emb_limit} for "
                                   f"{_addr(source[1], source[2])} ({_addr(dst)}) {_addr(host, target[2])} "
                                   f"on interface {source[0]}")
        return None

    def count_drop(self, reason: str, kind: str = "frame") -> None:
        self.drops[kind][reason] += 1

    def _drop(self, reason: str, log: Log | None = None) -> Verdict:
        self.count_drop(reason)
        return Verdict(logs=[log] if log is not None else [])

    def _policy_refuses(self, inside: Face, outside: Face, proto, src, sport, dst, dport, icmp, source, target) -> Log | None:
        """Why the policy refuses a new flow: the inbound access list of the interface it came
        in on, else the security levels; None when it may pass."""
        acl = self.acl_in.get(inside.name)
        if acl is not None:
            ace = acl.match(proto, src, sport, dst, dport, icmp[0])
            if ace is None or not ace.permit:
                return _refused(proto, acl.name, inside.name, outside.name, source, sport, target, dport, icmp)
            return None
        if inside.security < outside.security or (inside.security == outside.security and not self._same_passes(inside, outside)):
            return _denied(proto, inside.name, outside.name, source, sport, target, dport, icmp)
        return None

    def _came_the_right_way(self, arrived_on: str, src: int) -> bool:
        """`ip verify reverse-path`: the route back to the source leaves by the interface the
        packet came in on."""
        back = self.routes.lookup(src)
        return back is not None and back.iface == arrived_on

    def _same_passes(self, inside: Face, outside: Face) -> bool:
        """Between interfaces of one security level only with `same-security-traffic permit`."""
        return ("intra-interface" if inside.name == outside.name else "inter-interface") in self.same_security

    # ------------------------------------------------------------ FTP inspection

    def _inspect_ftp(self, found, ip: IPv4, verdict: Verdict, now: float) -> None:
        """Follow the control connection: keep the sequence numbers right after earlier
        rewrites, and for an announced data connection open its pinhole, restating the address
        if its announcer is translated."""
        conn, direction = found
        delta = conn.seq_delta
        payload = Tcp.decode(ip.payload).payload
        news = ftp.announced(payload, from_client=direction == 0) if payload else None
        restated = self._announce(conn, direction, payload, news, verdict, now) if news is not None else None
        if restated is not None or delta != [0, 0]:
            verdict.tcp = (delta[direction], -delta[1 - direction], restated)
        if restated is not None:
            delta[direction] += len(restated) - len(payload)

    def _announce(self, conn: Conn, direction: int, payload: bytes, news: ftp.Announcement, verdict: Verdict,
                  now: float) -> bytes | None:
        """Open the pinhole for an announced data connection; the payload restated, if it must be."""
        announcer, peer = conn.end(direction), conn.end(1 - direction)
        ip = news.ip if news.ip is not None else announcer.ip
        try:
            target = self.nat.data_channel(announcer, peer.iface, ip, news.port, now)
        except NoTranslation:
            return None
        verdict.logs.extend(built_xlate(xlate) for xlate in self.nat.take_built())
        self._holes[(peer.iface, target.mapped_ip, target.mapped_port)] = Pinhole(conn, peer.ip, target)
        if (target.mapped_ip, target.mapped_port) == (ip, news.port):
            return None
        return ftp.restated(payload, news, target.mapped_ip, target.mapped_port)

    def _pinhole(self, arrived_on: str, src: int, dst: int, dport: int) -> Pinhole | None:
        """The pinhole a new TCP connection opens, used up (or one whose control connection is gone)."""
        if not self._holes:
            return None
        hole = self._holes.get((arrived_on, dst, dport))
        if hole is None or hole.src != src:
            return None
        del self._holes[(arrived_on, dst, dport)]
        return hole if hole.control.id in self.conns.conns else None

    def _route(self, out: str, dst: int) -> Verdict:
        route = self.routes.lookup(dst)
        hop = route.gateway if route is not None and route.iface == out and route.gateway is not None else dst
        return Verdict(out, hop)


def _rewrite(sender: End, receiver: End) -> tuple[int, int, int, int] | None:
    """The addresses a packet from ``sender`` to ``receiver`` leaves with, if not those it came with."""
    if (sender.ip, sender.port, receiver.ip, receiver.port) == (sender.mapped_ip, sender.mapped_port,
                                                                 receiver.mapped_ip, receiver.mapped_port):
        return None
    return sender.mapped_ip, sender.mapped_port, receiver.ip, receiver.port


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


def _untranslated(message_id, proto, arrived_on, out, source, sport, target, dport) -> Log:
    kind = PROTO_NAMES.get(proto, str(proto)).lower()
    if message_id == 305005:
        return 3, 305005, (f"No translation group found for {kind} src {arrived_on}:{source}/{sport} "
                           f"dst {out}:{target}/{dport}")
    return 3, 305006, (f"regular translation creation failed for protocol {kind} src {arrived_on}:{source}/{sport} "
                       f"dst {out}:{target}/{dport}")


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
        if len(data) < 8 or not 8 <= _UDP_LENGTH.unpack_from(data, 4)[0] <= len(data):
            raise Malformed("UDP length", "invalid-udp-length")
        sport, dport = _PORTS.unpack_from(data)
        return sport, dport, 0, len(data) - 8, (0, 0)
    if ip.proto == PROTO_ICMP:
        if len(data) < 8:
            raise Malformed("short ICMP header", "invalid-ip-length")
        ident = int.from_bytes(data[4:6], "big")       # an echo's identifier stands for its port
        sport, dport = (ident, 0) if data[0] == 8 else (0, ident) if data[0] == 0 else (0, 0)
        return sport, dport, 0, len(data) - 8, (data[0], data[1])
    return 0, 0, 0, len(data), (0, 0)
