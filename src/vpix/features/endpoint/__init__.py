"""The unit as a host on its own networks: TCP and UDP to and from the addresses it holds on
its named interfaces (the active or the standby address, as its failover role says).

What the unit originates leaves by the interface the routing table picks, or the one a
command names (`tftp-server inside …`, `logging host inside …`), from that interface's
address, towards the route's next hop. What arrives for one of its addresses is traffic to
the box: the interface access lists never see it. A space that passes traffic has one
endpoint; in multiple mode the system reaches servers through the admin context's."""

from __future__ import annotations

import ipaddress
from typing import Callable

from vpix.features import SYSTEM, TRAFFIC, Feature
from vpix.features.interfaces import Interfaces
from vpix.features.routing import Routing
from vpix.net.packets import PROTO_TCP, PROTO_UDP, Malformed, Udp, ip_bytes
from vpix.net.tcp import TcpLayer, ephemeral_ports

Receive = Callable[[bytes, tuple[str, int]], None]


class UdpPort:
    """A UDP port of the unit: ``send`` a datagram (False when there is no way there);
    what arrives for the port goes to ``receive(data, (address, port))``."""

    def __init__(self, endpoint: "Endpoint", number: int, receive: Receive, via: str | None):
        self.endpoint, self.number, self.receive, self.via = endpoint, number, receive, via

    def send(self, address: tuple[str, int], data: bytes, via: str | None = None) -> bool:
        way = self.endpoint.way(address[0], via or self.via)
        if way is None:
            return False
        stack, hop = way
        stack.send_ip(address[0], PROTO_UDP,
                      Udp(self.number, address[1], data).encode(ip_bytes(stack.address), ip_bytes(address[0])), hop)
        return True

    def close(self) -> None:
        if self.endpoint.udp.get(self.number) is self:
            del self.endpoint.udp[self.number]


class Endpoint(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.clock = system.unit.boot_timers          # a reload ends the unit's connections
        self.tcp = TcpLayer(self.clock, self._source, self._output, resets=False)
        self.udp: dict[int, UdpPort] = {}
        self.counters = {"udp malformed": 0, "udp no port": 0, "no route": 0}
        self._ways: dict[tuple[str, str | None], tuple] = {}   # (address, via) -> (iface, stack, hop)
        self._ports = ephemeral_ports()

    def start(self) -> None:
        self._bind()
        system = self.system          # a route or an address may have changed: ways are found anew
        system.change_listeners.append(lambda *_: system.feature(Endpoint)._ways.clear())
        for port, accept in self.system.unit.services.items():
            self.tcp.listen(port, lambda conn, accept=accept: accept(self.system, conn))

    def adopt(self, old: "Endpoint") -> None:
        self.tcp, self.udp, self.counters, self._ports = old.tcp, old.udp, old.counters, old._ports
        self._ways = old._ways
        self._ways.clear()
        self._bind()

    def stop(self) -> None:
        stations = self.system.feature(Interfaces).stations
        stations.bind(PROTO_TCP, None)
        stations.bind(PROTO_UDP, None)

    def _bind(self) -> None:
        stations = self.system.feature(Interfaces).stations
        stations.bind(PROTO_TCP, self._tcp_in)
        stations.bind(PROTO_UDP, self._udp_in)

    # ------------------------------------------------------------ the way out

    def way(self, address: str, via: str | None = None):
        """(the interface's stack, the next hop) towards ``address``: out of ``via`` if named,
        else the interface the routing table picks; None when there is none. A way found is
        kept while the configuration stays and its interface is up with its address."""
        known = self._ways.get((address, via))
        if known is not None:
            iface, stack, hop = known
            if iface.line_up and stack.address is not None and \
                    self.system.feature(Interfaces).stations.stacks.get(iface.index) is stack:
                return stack, hop
        found = self._find(address, via)
        if found is None:
            self._ways.pop((address, via), None)
            return None
        if len(self._ways) > 1024:
            self._ways.clear()
        self._ways[(address, via)] = found
        return found[1:]

    def _find(self, address: str, via: str | None):
        try:
            target = int(ipaddress.IPv4Address(address))
        except ValueError:
            return None
        table = self.system.feature(Routing).table()
        route = table.lookup_on(target, via) if via else table.lookup(target)
        name = via or (route.iface if route else None)
        interfaces = self.system.feature(Interfaces)
        iface = interfaces.by_name(name) if name else None
        stack = interfaces.stations.stack(iface) if iface is not None else None
        if stack is None or (route is None and via is None):
            self.counters["no route"] += 1
            return None
        hop = str(ipaddress.IPv4Address(route.gateway)) if route is not None and route.gateway is not None else address
        return iface, stack, hop

    def udp_open(self, receive: Receive, via: str | None = None, number: int | None = None) -> UdpPort:
        """A UDP port of the unit's (an ephemeral one unless ``number``)."""
        number = number or self._free_port()
        port = self.udp[number] = UdpPort(self, number, receive, via)
        return port

    def _free_port(self) -> int:
        return next(number for number in self._ports if number not in self.udp)

    def _source(self, address: str, via: str | None) -> str | None:
        way = self.way(address, via)
        return way[0].address if way is not None else None

    def _output(self, local: str, remote: str, segment: bytes, via: str | None) -> None:
        way = self.way(remote, via)
        if way is not None:
            stack, hop = way
            stack.send_ip(remote, PROTO_TCP, segment, hop)

    # ------------------------------------------------------------ to the box

    def _tcp_in(self, iface, payload: bytes, source: str) -> None:
        stack = self.system.feature(Interfaces).stations.stack(iface)
        if stack is not None:
            self.tcp.receive(payload, source, stack.address, iface.nameif)

    def _udp_in(self, iface, payload: bytes, source: str) -> None:
        stack = self.system.feature(Interfaces).stations.stack(iface)
        if stack is None:
            return
        try:
            udp = Udp.decode(payload, ip_bytes(source), ip_bytes(stack.address))
        except Malformed:
            self.counters["udp malformed"] += 1
            return
        port = self.udp.get(udp.dport)
        if port is None or (port.via is not None and port.via != iface.nameif):
            self.counters["udp no port"] += 1
            return
        port.receive(udp.payload, (source, udp.sport))


def endpoint(system) -> Endpoint:
    """Where ``system``'s own traffic goes from: its own endpoint, or in the system execution
    space of a multiple-mode unit the admin context's."""
    space = system.management_space() if system.space == SYSTEM else system
    if space is None:
        raise LookupError("no admin context")
    return space.feature(Endpoint)
