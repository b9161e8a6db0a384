"""The connection table: TCP and UDP flows the unit let through, so their return traffic
passes and their state is tracked (`show conn`), each with an idle timeout.

A connection is keyed both ways by (protocol, source, source port, destination, destination
port). TCP is followed from the first SYN: each side's SYN, the ACK of it, FINs and data;
a RST or the last ACK after both FINs ends it. Time is an input: every call takes ``now``.
A ``listener`` hears of every connection opened, changed (TCP state) and closed: stateful
failover replicates them; ``record`` and ``apply`` are the form they travel in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from vpix.dataplane.nat import record as xlate_record
from vpix.net.packets import ACK, FIN, PROTO_TCP, PROTO_UDP, RST, SYN

EMBRYONIC_S = 30.0           # a TCP connection whose handshake has not finished


@dataclass
class Timeouts:
    """`timeout conn|half-closed|udp|icmp|xlate`, in seconds."""

    conn: float = 3600.0
    half_closed: float = 600.0
    udp: float = 120.0
    icmp: float = 2.0
    xlate: float = 10800.0


@dataclass(frozen=True)
class End:
    """One end of a connection: its interface, its real address and port, and the address and
    port the other side knows it by (the same without translation)."""

    iface: str
    ip: int
    port: int
    security: int
    mapped_ip: int
    mapped_port: int

    def record(self) -> list:
        """As it travels to the mate, field by field in this order (``from_record`` reads it)."""
        return [self.iface, self.ip, self.port, self.security, self.mapped_ip, self.mapped_port]

    @classmethod
    def from_record(cls, fields: list) -> "End":
        iface, ip, port, security, mapped_ip, mapped_port = fields
        return cls(str(iface), int(ip), int(port), int(security), int(mapped_ip), int(mapped_port))


@dataclass(eq=False)
class Conn:
    id: int
    proto: int
    a: End                           # the initiator
    b: End                           # the responder
    created: float
    last: float
    bytes: int = 0
    syn: list[bool] = field(default_factory=lambda: [False, False])         # sent by a, by b
    acked: list[bool] = field(default_factory=lambda: [False, False])       # a's SYN acked, b's SYN acked
    fin: list[bool] = field(default_factory=lambda: [False, False])
    fin_acked: list[bool] = field(default_factory=lambda: [False, False])
    data: list[bool] = field(default_factory=lambda: [False, False])
    xlates: tuple = ()               # the translations it holds
    ftp: bool = False                # an inspected FTP control connection
    seq_delta: list[int] = field(default_factory=lambda: [0, 0])    # bytes inspection added, per sender
    limit: tuple | None = None       # the connection limit it counts against
    embryonic: bool = False          # counted as a handshake not finished, against its responder

    @property
    def outbound(self) -> bool:
        """Initiated from the higher-security side."""
        return self.a.security > self.b.security

    @property
    def outside(self) -> End:
        """The lower-security end, which `show conn` and the syslog name first."""
        return self.b if self.outbound else self.a

    @property
    def inside(self) -> End:
        return self.a if self.outbound else self.b

    @property
    def established(self) -> bool:
        return all(self.syn) and all(self.acked)

    def end(self, direction: int) -> End:
        """The sender of a packet going ``direction`` (0: from a, 1: from b)."""
        return self.a if direction == 0 else self.b

    def idle_limit(self, timeouts: Timeouts) -> float:
        if self.proto == PROTO_UDP:
            return timeouts.udp
        if not self.established:
            return EMBRYONIC_S
        return timeouts.half_closed if any(self.fin) else timeouts.conn

    def flags(self) -> str:
        """`show conn` flags: U up, f/F inside/outside FIN, I/O inbound/outbound data; before the
        handshake ends s/S awaiting outside/inside SYN, a/A awaiting outside/inside ACK to SYN,
        B initial SYN from outside."""
        if self.proto != PROTO_TCP:
            return "-"
        o = 1 if self.outbound else 0          # index of the outside end
        i = 1 - o
        if self.established:
            marks = [("U", True), ("f", self.fin[i]), ("F", self.fin[o]), ("I", self.data[o]), ("O", self.data[i])]
        else:
            marks = [("s", not self.syn[o]), ("S", not self.syn[i]), ("a", not self.acked[i]),
                     ("A", not self.acked[o]), ("B", not self.outbound)]
        return "".join(letter for letter, shown in marks if shown)


@dataclass(frozen=True)
class ConnLimit:
    """A limit on the connections of a class of traffic (7.x `set connection conn-max`):
    ``key`` names the class's count in ``ConnTable.limited``; the class is TCP to ``ports``
    (None: all traffic)."""

    key: tuple[str, str, str]
    proto: int
    ports: frozenset[int] | None
    conn_max: int

    def matches(self, proto: int, dport: int) -> bool:
        return self.ports is None or (proto == self.proto and dport in self.ports)


@dataclass(frozen=True)
class Teardown:
    conn: Conn
    reason: str
    at: float


def _keys(conn: Conn) -> tuple:
    """What a packet from each end carries: its own real address, the other's mapped one."""
    a, b = conn.a, conn.b
    return (((conn.proto, a.ip, a.port, b.mapped_ip, b.mapped_port), 0),
            ((conn.proto, b.ip, b.port, a.mapped_ip, a.mapped_port), 1))


OPENED, CHANGED, CLOSED = "open", "change", "close"
_STATE = ("syn", "acked", "fin", "fin_acked", "data")


def record(op: str, conn: Conn) -> list:
    """A connection as it travels to the mate: [op, id, proto, a, b, bytes, state bits] and, when
    it opens, the translations it holds (vpix.dataplane.nat's records)."""
    bits = 0
    for index, name in enumerate(_STATE):
        pair = getattr(conn, name)
        bits |= (pair[0] << (2 * index)) | (pair[1] << (2 * index + 1))
    entry = [op, conn.id, conn.proto, conn.a.record(), conn.b.record(), conn.bytes, bits]
    if op == OPENED and conn.xlates:
        entry.append([xlate_record(OPENED, xlate) for xlate in conn.xlates])
    return entry


class ConnTable:
    def __init__(self, timeouts: Timeouts):
        self.timeouts = timeouts
        self.conns: dict[int, Conn] = {}
        self.most_used = 0
        self.listener: Callable[[str, Conn], None] | None = None
        self._keys: dict[tuple, tuple[Conn, int]] = {}
        self.limited: Counter[tuple] = Counter()      # connection limit -> connections counted
        self.hosts: Counter[tuple[str, int]] = Counter()    # (interface, address) -> its connections
        self.most_hosts = 0
        self.active: Counter[str] = Counter()          # interface -> hosts with connections
        self.most_active: Counter[str] = Counter()
        self.embryonic: Counter[tuple[str, int]] = Counter()   # (interface, address) -> handshakes to it
        self._ids = 0

    def __len__(self) -> int:
        return len(self.conns)

    def find(self, proto: int, src: int, sport: int, dst: int, dport: int) -> tuple[Conn, int] | None:
        """The connection a packet belongs to, and its direction."""
        return self._keys.get((proto, src, sport, dst, dport))

    def open(self, proto: int, a: End, b: End, now: float, ident: int | None = None, syn: bool = False,
             xlates: tuple = (), limit: tuple | None = None) -> Conn:
        """A new connection from ``a`` to ``b`` (``syn``: opened by a's SYN) through ``xlates``,
        counted against ``limit``."""
        if ident is None:
            self._ids += 1
            ident = self._ids
        else:
            self._ids = max(self._ids, ident)
        conn = Conn(ident, proto, a, b, now, now, xlates=xlates, limit=limit)
        if limit is not None:
            self.limited[limit] += 1
        for xlate in xlates:
            xlate.users += 1
        conn.syn[0] = syn
        self.conns[ident] = conn
        for key, direction in _keys(conn):
            self._keys[key] = (conn, direction)
        for end in (a, b):
            self._host(end, +1)
        if proto == PROTO_TCP:
            conn.embryonic = True
            self.embryonic[(b.iface, b.ip)] += 1
        self.most_used = max(self.most_used, len(self.conns))
        if self.listener is not None:
            self.listener(OPENED, conn)
        return conn

    def close(self, conn: Conn, reason: str, now: float) -> Teardown:
        if self.conns.pop(conn.id, None) is not None:
            for key, _ in _keys(conn):
                self._keys.pop(key, None)
            for end in (conn.a, conn.b):
                self._host(end, -1)
            self._settle(conn)
            for xlate in conn.xlates:
                xlate.release(now)
            if conn.limit is not None:
                self.limited[conn.limit] -= 1
            if self.listener is not None:
                self.listener(CLOSED, conn)
        return Teardown(conn, reason, now)

    def _host(self, end: End, change: int) -> None:
        """Count a connection in or out of its end's local host (`show local-host`)."""
        host = (end.iface, end.ip)
        self.hosts[host] += change
        if self.hosts[host] == 0:
            del self.hosts[host]
            self.active[end.iface] -= 1
        elif change > 0 and self.hosts[host] == 1:
            self.most_hosts = max(self.most_hosts, len(self.hosts))
            self.active[end.iface] += 1
            self.most_active[end.iface] = max(self.most_active[end.iface], self.active[end.iface])

    def _settle(self, conn: Conn) -> None:
        """The handshake is over (or the connection gone): no longer embryonic."""
        if conn.embryonic:
            conn.embryonic = False
            host = (conn.b.iface, conn.b.ip)
            self.embryonic[host] -= 1
            if not self.embryonic[host]:
                del self.embryonic[host]

    def apply(self, entry: list, now: float, xlates: tuple = ()) -> None:
        """A connection the active mate opened, changed or closed (``record``'s form, its
        translations already made ``xlates``); raises ValueError or TypeError for one that makes
        no sense."""
        op, ident, proto, a, b, count, bits = entry[:7]
        if op not in (OPENED, CHANGED, CLOSED) or proto not in (PROTO_TCP, PROTO_UDP):
            raise ValueError(op)
        conn = self.conns.get(int(ident))
        if op == CLOSED:
            if conn is not None:
                self.close(conn, "replicated", now)
            return
        if conn is None:
            ends = [End.from_record(e) for e in (a, b)]
            conn = self.open(int(proto), ends[0], ends[1], now, int(ident), xlates=xlates)
        conn.bytes, conn.last = int(count), now
        for index, name in enumerate(_STATE):
            setattr(conn, name, [bool(bits >> (2 * index) & 1), bool(bits >> (2 * index + 1) & 1)])
        if conn.established:
            self._settle(conn)

    def touch(self, now: float) -> None:
        """Every connection was just in use (a unit taking over what its mate kept alive)."""
        for conn in self.conns.values():
            conn.last = now

    def clear(self, now: float) -> list[Teardown]:
        return [self.close(conn, "Connection cleared", now) for conn in list(self.conns.values())]

    def expire(self, now: float) -> list[Teardown]:
        gone = []
        for conn in list(self.conns.values()):
            if now - conn.last >= conn.idle_limit(self.timeouts):
                reason = "Conn-timeout" if conn.proto != PROTO_TCP or conn.established else "SYN Timeout"
                if conn.proto == PROTO_TCP and conn.established and any(conn.fin):
                    reason = "FIN Timeout"
                gone.append(self.close(conn, reason, now))
        return gone

    def next_expiry(self) -> float | None:
        return min((c.last + c.idle_limit(self.timeouts) for c in self.conns.values()), default=None)

    def seen(self, conn: Conn, direction: int, length: int, flags: int, now: float) -> Teardown | None:
        """A packet of ``length`` payload bytes went through ``conn``; for TCP, its flags.
        Returns the teardown when the packet ends the connection."""
        conn.last = now
        conn.bytes += length
        if length:
            conn.data[direction] = True
        if conn.proto != PROTO_TCP:
            return None
        other = 1 - direction
        if flags & RST:
            side = "I" if conn.end(direction).security > conn.end(other).security else "O"
            return self.close(conn, f"TCP Reset-{side}", now)
        changed = False
        if flags & ACK:
            if conn.syn[other] and not conn.acked[other]:
                conn.acked[other] = changed = True
            if conn.fin[other] and not conn.fin_acked[other]:
                conn.fin_acked[other] = changed = True
        if flags & SYN and not conn.syn[direction]:
            conn.syn[direction] = changed = True
        if flags & FIN and not conn.fin[direction]:
            conn.fin[direction] = changed = True
        if conn.embryonic and conn.established:
            self._settle(conn)
        if all(conn.fin_acked):
            return self.close(conn, "TCP FINs", now)
        if changed and self.listener is not None:
            self.listener(CHANGED, conn)
        return None
