"""Address translation as PIX OS 6.x and PIX/ASA 7.x (before 8.3's network objects) do it.

Rules come from the configuration:
- ``nat (IF) 0 access-list ACL``: exemption; what the list permits crosses untranslated, both ways.
- ``static (REAL_IF,MAPPED_IF) [tcp|udp] MAPPED [PORT] REAL [PORT] netmask M``: a fixed mapping,
  usable from both sides.
- ``nat (IF) 0 NET MASK``: identity; hosts keep their address, outbound connections only.
- ``nat (IF) N NET MASK`` with ``global (OUT_IF) N interface|FIRST[-LAST]``: dynamic NAT from a
  range of addresses, or PAT (port address translation) to one address or the interface's.

A new flow from interface A to interface B is looked up in that order (``NatTable.flow``);
what it is given is an ``Xlate``: a translation slot that lives while connections use it and
then for its idle timeout (`timeout xlate`, 30 s for PAT). With NAT control (always on PIX OS 6.x,
`nat-control` on 7.x) traffic from a higher to a lower security level needs a rule for its
source, and traffic the other way a translation for its destination.

Pure logic, time as an input. ``record``/``apply`` carry translations to the failover mate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from vpix.dataplane.acl import AccessList
from vpix.net.packets import PROTO_ICMP, PROTO_TCP

PAT_IDLE_S = 30.0
PAT_FIRST_PORT = 1024
STATIC, IDENTITY, DYNAMIC, PAT = "static", "identity", "dynamic", "pat"


@dataclass(frozen=True)
class HostLimits:
    """A `nat` or `static` rule's `max_conns` (TCP and UDP connections a host it translates may
    have at once) and `emb_limit` (embryonic ones); 0 is no limit."""

    max_conns: int = 0
    emb_limit: int = 0


@dataclass(frozen=True)
class NatRule:
    """``nat (iface) ident network mask`` or, with ``acl``, ``nat (iface) 0 access-list acl``."""

    iface: str
    ident: int
    network: int = 0
    mask: int = 0
    acl: str | None = None
    limits: HostLimits = field(default_factory=HostLimits, compare=False)

    def covers(self, ip: int) -> bool:
        return ip & self.mask == self.network


@dataclass(frozen=True)
class GlobalPool:
    """``global (iface) ident interface`` (``first`` None), ``ADDRESS`` (PAT: ``last`` None) or
    ``FIRST-LAST`` (a pool) ``[netmask M]``."""

    iface: str
    ident: int
    first: int | None = None
    last: int | None = None
    mask: int | None = None

    @property
    def pat(self) -> bool:
        return self.last is None


@dataclass(frozen=True)
class Static:
    real_iface: str
    mapped_iface: str
    mapped: int | None            # None: the mapped interface's address
    real: int
    mask: int = 0xFFFFFFFF
    proto: int = 0                # static PAT: TCP or UDP with ports
    mapped_port: int = 0
    real_port: int = 0
    limits: HostLimits = field(default_factory=HostLimits, compare=False)


@dataclass(eq=False)
class Xlate:
    kind: str
    real_iface: str
    mapped_iface: str
    real: int
    mapped: int
    proto: int = 0                # PAT: the protocol whose port is translated
    real_port: int = 0
    mapped_port: int = 0
    created: float = 0.0
    last: float = 0.0
    users: int = 0                # connections through it now
    mask: int = 0xFFFFFFFF        # a static can map a whole network

    def idle_limit(self, xlate_timeout: float) -> float:
        return PAT_IDLE_S if self.kind == PAT else xlate_timeout

    def release(self, now: float) -> None:
        self.users -= 1
        self.last = now


@dataclass(frozen=True)
class Address:
    """One end of a flow as each side sees it: the real address and the mapped one."""

    ip: int
    port: int
    mapped_ip: int
    mapped_port: int
    xlate: Xlate | None = None


class NoTranslation(Exception):
    """The flow needs a translation that the rules do not give (305005 / 305006)."""

    def __init__(self, message_id: int):
        super().__init__(message_id)
        self.message_id = message_id


class XlateLimit(NoTranslation):
    """The flow needs a new translation, and the context's resource class allows no more (321001)."""

    def __init__(self, limit: int):
        super().__init__(321001)
        self.limit = limit


@dataclass
class NatConfig:
    nat: list[NatRule] = field(default_factory=list)
    globals: list[GlobalPool] = field(default_factory=list)
    statics: list[Static] = field(default_factory=list)
    control: bool = False


OPENED, CLOSED = "open", "close"


class NatTable:
    def __init__(self):
        self.config = NatConfig()
        self.acls: dict[str, AccessList] = {}
        self.addresses: dict[str, int] = {}            # interface name -> its address
        self.security: dict[str, int] = {}
        self.xlate_timeout = 10800.0
        self.xlate_limit: int | None = None            # a context's resource class limit on translations
        self.most_used = 0
        self.listener: Callable[[str, Xlate], None] | None = None
        self._out: dict[tuple, Xlate] = {}             # (real_if, mapped_if, proto, real, real port)
        self._in: dict[tuple, Xlate] = {}              # (mapped_if, proto, mapped, mapped port)
        self._next_port: dict[tuple, int] = {}
        self._built: list[Xlate] = []

    def take_built(self) -> list[Xlate]:
        """The translations built since last asked (for their syslog messages)."""
        built, self._built = self._built, []
        return built

    def configure(self, config: NatConfig, acls: dict[str, AccessList], addresses: dict[str, int],
                  security: dict[str, int]) -> None:
        self.config, self.acls, self.addresses, self.security = config, acls, addresses, security

    def __len__(self) -> int:
        return len(self._out) + len(self.statics())

    def statics(self) -> list[Xlate]:
        """The configured statics as the permanent translations `show xlate` lists."""
        out = []
        for s in self.config.statics:
            mapped = self._static_mapped(s)
            if mapped is not None:
                out.append(Xlate(STATIC, s.real_iface, s.mapped_iface, s.real, mapped, s.proto, s.real_port,
                                 s.mapped_port, mask=s.mask))
        return out

    def dynamic(self) -> list[Xlate]:
        return list(self._out.values())

    @property
    def translating(self) -> bool:
        """Some dynamic translation exists (the sweep has something to time out)."""
        return bool(self._out)

    # ------------------------------------------------------------ a new flow

    def destination(self, a: str, proto: int, dst: int, dport: int) -> Address | None:
        """``dst`` as the mapped address, on ``a``, of a host behind another interface (a static
        or a translation in use), or None: the flow is routed on ``dst`` itself."""
        for s in self.config.statics:
            mapped = self._static_mapped(s) if s.mapped_iface == a else None
            if mapped is None or dst & s.mask != mapped & s.mask:
                continue
            if s.proto:
                if s.proto == proto and s.mapped_port == dport:
                    return Address(s.real, s.real_port, dst, dport)
                continue
            return Address(s.real | (dst & ~s.mask & 0xFFFFFFFF), dport, dst, dport)
        found = self._in.get((a, 0, dst, 0))
        if found is None and proto == PROTO_ICMP:        # an echo reply to a PATed request
            found = self._in.get((a, proto, dst, dport))
        if found is not None:
            return Address(found.real, found.real_port if found.proto else dport, dst, dport, found)
        return None

    def host_limit(self, iface: str, host: int) -> tuple[HostLimits, str, int] | None:
        """The connection limits on the real ``host`` behind ``iface``: from the static that
        translates it, else the `nat` rule; with "static" or "xlate" and its global address."""
        for s in self.config.statics:
            if s.real_iface == iface and not s.proto and host & s.mask == s.real & s.mask:
                mapped = self._static_mapped(s)
                if s.limits != HostLimits() and mapped is not None:
                    return s.limits, "static", mapped | (host & ~s.mask & 0xFFFFFFFF)
                return None
        rule = max((r for r in self.config.nat if r.acl is None and r.iface == iface and r.covers(host)),
                   key=lambda r: r.mask, default=None)
        if rule is None or rule.limits == HostLimits():
            return None
        mapped = next((x.mapped for x in self._out.values() if x.real_iface == iface and x.real == host), host)
        return rule.limits, "xlate", mapped

    def flow(self, a: str, b: str, proto: int, src: int, sport: int, dst: int, dport: int,
             target: Address | None, now: float) -> tuple[Address, Address]:
        """The two ends of a new flow arriving on ``a`` for ``b`` (``target``: its destination as
        ``destination`` found it), translated; raises NoTranslation."""
        source = self._source(a, b, proto, src, sport, dst, dport, now)
        if source is None:
            source = Address(src, sport, src, sport)
        if target is None:
            exempt = self._exempt(b, proto, dst, dport, src, sport)
            if not exempt and self.config.control and self.security.get(a, 0) < self.security.get(b, 0):
                raise NoTranslation(305005)
            target = Address(dst, dport, dst, dport)
        return source, target

    def _source(self, a, b, proto, src, sport, dst, dport, now) -> Address | None:
        if self._exempt(a, proto, src, sport, dst, dport):
            return None
        for s in self.config.statics:
            if s.real_iface != a or s.mapped_iface != b or src & s.mask != s.real & s.mask:
                continue
            mapped = self._static_mapped(s)
            if mapped is None:
                continue
            if s.proto:
                if s.proto == proto and s.real_port == sport:
                    return Address(src, sport, mapped, s.mapped_port)
                continue
            return Address(src, sport, mapped | (src & ~s.mask & 0xFFFFFFFF), sport)
        rules = sorted((r for r in self.config.nat if r.acl is None and r.iface == a and r.covers(src)),
                       key=lambda r: -r.mask)
        if not rules:
            if self.config.control and self.security.get(a, 0) > self.security.get(b, 0):
                raise NoTranslation(305005)
            return None
        rule = rules[0]
        if rule.ident == 0:
            xlate = self._dynamic(IDENTITY, a, b, 0, src, 0, now, lambda: src)
            return Address(src, sport, src, sport, xlate)
        pools = [g for g in self.config.globals if g.iface == b and g.ident == rule.ident]
        if not pools:
            raise NoTranslation(305005)
        return self._allocate(pools, a, b, proto, src, sport, now)

    def _allocate(self, pools: list[GlobalPool], a, b, proto, src, sport, now) -> Address:
        for pool in (p for p in pools if not p.pat):
            found = self._out.get((a, b, 0, src, 0))
            if found is None:
                address = self._free_address(pool, b)
                if address is None:
                    continue
                found = self._dynamic(DYNAMIC, a, b, 0, src, 0, now, lambda: address)
            return Address(src, sport, found.mapped, sport, found)
        for pool in (p for p in pools if p.pat):
            mapped = self.addresses.get(b) if pool.first is None else pool.first
            if mapped is None:
                continue
            found = self._out.get((a, b, proto, src, sport))
            if found is None:
                port = self._free_port(b, proto, mapped)
                if port is None:
                    continue
                found = self._dynamic(PAT, a, b, proto, src, sport, now, lambda: mapped, port)
            return Address(src, sport, found.mapped, found.mapped_port, found)
        raise NoTranslation(305006)

    def _dynamic(self, kind, a, b, proto, src, sport, now, mapped: Callable[[], int], port: int = 0) -> Xlate:
        key = (a, b, proto, src, sport)
        found = self._out.get(key)
        if found is None:
            if self.xlate_limit is not None and len(self._out) + len(self.config.statics) >= self.xlate_limit:
                raise XlateLimit(self.xlate_limit)
            found = Xlate(kind, a, b, src, mapped(), proto, sport, port, now, now)
            self._add(found)
            self._built.append(found)
        return found

    def _add(self, xlate: Xlate) -> None:
        self._out[(xlate.real_iface, xlate.mapped_iface, xlate.proto, xlate.real, xlate.real_port)] = xlate
        self._in[(xlate.mapped_iface, xlate.proto, xlate.mapped, xlate.mapped_port)] = xlate
        self.most_used = max(self.most_used, len(self))
        if self.listener is not None:
            self.listener(OPENED, xlate)

    def _free_address(self, pool: GlobalPool, iface: str) -> int | None:
        for address in range(pool.first, pool.last + 1):
            if (iface, 0, address, 0) not in self._in:
                return address
        return None

    def _free_port(self, iface: str, proto: int, mapped: int) -> int | None:
        key = (iface, proto, mapped)
        start = self._next_port.get(key, PAT_FIRST_PORT)
        for offset in range(65536 - PAT_FIRST_PORT):
            port = PAT_FIRST_PORT + (start - PAT_FIRST_PORT + offset) % (65536 - PAT_FIRST_PORT)
            if (iface, proto, mapped, port) not in self._in:
                self._next_port[key] = port + 1
                return port
        return None

    def _exempt(self, iface, proto, src, sport, dst, dport) -> bool:
        for rule in self.config.nat:
            if rule.acl is not None and rule.iface == iface:
                acl = self.acls.get(rule.acl)
                ace = acl.match(proto, src, sport, dst, dport, 0) if acl is not None else None
                if ace is not None and ace.permit:
                    return True
        return False

    def _static_mapped(self, s: Static) -> int | None:
        return self.addresses.get(s.mapped_iface) if s.mapped is None else s.mapped

    def data_channel(self, announcer, peer_iface: str, ip: int, port: int, now: float) -> Address:
        """Where the peer of an inspected control connection reaches the data connection
        ``announcer`` (a connection end) listens for at ``ip``/``port``: the same place unless the
        announcer is translated; behind PAT, a port translation of its own."""
        if (announcer.ip, announcer.port) == (announcer.mapped_ip, announcer.mapped_port):
            return Address(ip, port, ip, port)
        if announcer.port == announcer.mapped_port:          # an address translation: ports stay
            return Address(ip, port, announcer.mapped_ip, port)
        mapped = announcer.mapped_ip
        xlate = self._out.get((announcer.iface, peer_iface, PROTO_TCP, ip, port))
        if xlate is None:
            free = self._free_port(peer_iface, PROTO_TCP, mapped)
            if free is None:
                raise NoTranslation(305006)
            xlate = self._dynamic(PAT, announcer.iface, peer_iface, PROTO_TCP, ip, port, now, lambda: mapped, free)
        return Address(ip, port, xlate.mapped, xlate.mapped_port, xlate)

    def publishes(self, iface: str, ip: int) -> bool:
        """``ip`` is a mapped address on ``iface`` (a static's or a global's): the unit answers
        ARP for it, as the PIX does by default."""
        for s in self.config.statics:
            if s.mapped_iface == iface and s.mapped is not None and ip & s.mask == s.mapped & s.mask:
                return True
        return any(g.iface == iface and g.first is not None and g.first <= ip <= (g.last or g.first)
                   for g in self.config.globals)

    # ------------------------------------------------------------ packets of known flows

    def reverse(self, iface: str, proto: int, mapped: int, port: int) -> Xlate | None:
        """The dynamic translation owning ``mapped``/``port`` on ``iface``."""
        return self._in.get((iface, proto, mapped, port)) or self._in.get((iface, 0, mapped, 0))

    # ------------------------------------------------------------ time and clearing

    def expire(self, now: float) -> list[Xlate]:
        gone = [x for x in self._out.values()
                if x.users <= 0 and now - x.last >= x.idle_limit(self.xlate_timeout)]
        for xlate in gone:
            self.remove(xlate)
        return gone

    def remove(self, xlate: Xlate) -> None:
        if self._out.pop((xlate.real_iface, xlate.mapped_iface, xlate.proto, xlate.real, xlate.real_port),
                         None) is None:
            return
        self._in.pop((xlate.mapped_iface, xlate.proto, xlate.mapped, xlate.mapped_port), None)
        if self.listener is not None:
            self.listener(CLOSED, xlate)

    def clear(self, real: int | None = None) -> list[Xlate]:
        """Remove the dynamic translations (of the real address ``real`` only, if given)."""
        gone = [x for x in self._out.values() if real is None or x.real == real]
        for xlate in gone:
            self.remove(xlate)
        return gone

    def touch(self, now: float) -> None:
        for xlate in self._out.values():
            xlate.last = now

    # ------------------------------------------------------------ replication

    def apply(self, entry: list, now: float) -> Xlate | None:
        """A translation the active mate built or removed (``record``'s form): the one held now."""
        op, kind, real_iface, mapped_iface, real, mapped, proto, real_port, mapped_port = entry
        if op not in (OPENED, CLOSED) or kind not in (IDENTITY, DYNAMIC, PAT):
            raise ValueError(op)
        key = (str(real_iface), str(mapped_iface), int(proto), int(real), int(real_port))
        if op == CLOSED:
            found = self._out.get(key)
            if found is not None:
                self.remove(found)
            return None
        if key not in self._out:
            self._add(Xlate(kind, key[0], key[1], key[3], int(mapped), key[2], key[4], int(mapped_port), now, now))
        return self._out[key]


def record(op: str, xlate: Xlate) -> list:
    return [op, xlate.kind, xlate.real_iface, xlate.mapped_iface, xlate.real, xlate.mapped, xlate.proto,
            xlate.real_port, xlate.mapped_port]
