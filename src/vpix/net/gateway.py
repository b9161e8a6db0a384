"""The way from a segment to the host machine: a member that owns an address on the segment
and relays the TCP connections and UDP flows a unit opens *to that address* onto the same
port of the host's loopback, the way a virtual machine's user-mode networking reaches its
host. It relays to 127.0.0.1 and nowhere else, so a unit (whoever is on the segment) reaches
exactly the servers the user runs on this machine's loopback, and only through an interface
of its own.

FTP needs one favour, as user-mode networking's does: on a connection whose server speaks
first with `220`, a `227` reply naming a loopback address names the gateway instead, and a
client's `PORT` is answered by a loopback listener of the gateway's that relays the server's
data connection back to the unit."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from typing import Callable

from vpix.clock import Alarm, Clock
from vpix.net.fabric import Port, Segment
from vpix.net.packets import PROTO_UDP, Malformed, Udp, ip_bytes
from vpix.net.stack import IpStack
from vpix.net.splice import Splice
from vpix.net.tcp import CLOSED, Connection, Handlers, TcpLayer

LOOPBACK = "127.0.0.1"
UDP_IDLE = 120.0                # a UDP flow nothing has used for this long is forgotten
FLOWS = 256                     # UDP flows kept at once (a host socket each); the oldest goes first
WAITING = 64                    # datagrams a flow keeps until its socket is open
_PASV = re.compile(rb"^(227 [^(]*\()(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)(\).*)$", re.S)
_PORT = re.compile(rb"^PORT (\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\s*$", re.I)


class Gateway:
    def __init__(self, name: str, mac: bytes, address: str, clock: Clock, mask: str = "255.255.255.0"):
        self.name = name
        self.clock = clock
        self.port = Port(mac)
        self.stack = IpStack(self.port, clock, address, mask)
        self.tcp = TcpLayer.on_stack(self.stack)
        self.tcp.any_port = self._accept
        self.stack.ip_bind(PROTO_UDP, self._udp)
        self.flows: dict[tuple[str, int], _UdpFlow] = {}
        self.relays: set[_Relay] = set()
        self.counters = {"tcp": 0, "udp": 0, "refused": 0}

    @property
    def address(self) -> str:
        return self.stack.address

    def plug(self, segment: Segment) -> None:
        segment.attach(self.port)

    def close(self) -> None:
        for flow in list(self.flows.values()):
            flow.close()
        for relay in list(self.relays):
            relay.close()
        if self.port.segment is not None:
            self.port.segment.detach(self.port)

    # ------------------------------------------------------------ TCP

    def _accept(self, conn: Connection) -> Handlers:
        self.counters["tcp"] += 1
        relay = _Relay(self, conn)
        self.relays.add(relay)
        asyncio.get_running_loop().create_task(relay.open_host(conn.local[1]))
        return relay.handlers(answer=False)    # the SYN-ACK once the host's port has answered

    # ------------------------------------------------------------ UDP

    def _udp(self, payload: bytes, source: str) -> None:
        try:
            udp = Udp.decode(payload, ip_bytes(source), ip_bytes(self.address))
        except Malformed:
            return
        key = (source, udp.sport)
        flow = self.flows.get(key)
        if flow is None:
            if len(self.flows) >= FLOWS:
                next(iter(self.flows.values())).close()
            flow = self.flows[key] = _UdpFlow(self, key)
            self.counters["udp"] += 1
        flow.out(udp.dport, udp.payload)


class _UdpFlow(asyncio.DatagramProtocol):
    """The datagrams of one (unit address, unit port): out from one loopback socket to the
    port they were sent to, and what comes back from any loopback port returned from the
    gateway's same port number."""

    def __init__(self, gateway: Gateway, unit: tuple[str, int]):
        self.gateway, self.unit = gateway, unit
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: list[tuple[int, bytes]] = []
        self.idle = Alarm(gateway.clock, self.close)
        self.idle.after(UDP_IDLE)
        loop = asyncio.get_running_loop()
        loop.create_task(loop.create_datagram_endpoint(lambda: self, local_addr=(LOOPBACK, 0)))

    def connection_made(self, transport) -> None:
        self.transport = transport
        if self.gateway.flows.get(self.unit) is not self:     # closed before its socket was open
            transport.close()
            return
        for port, data in self.waiting:
            transport.sendto(data, (LOOPBACK, port))
        self.waiting.clear()

    def out(self, port: int, data: bytes) -> None:
        self.idle.after(UDP_IDLE)
        if self.transport is None:
            self.waiting = [*self.waiting[-(WAITING - 1):], (port, data)]
        else:
            self.transport.sendto(data, (LOOPBACK, port))

    def datagram_received(self, data: bytes, addr) -> None:
        self.idle.after(UDP_IDLE)
        self.gateway.stack.udp_send(addr[1], self.unit[0], self.unit[1], data)

    def error_received(self, exc) -> None:       # nothing listens there: the unit times out, as it would
        pass

    def close(self) -> None:
        self.idle.cancel()
        if self.gateway.flows.get(self.unit) is self:
            del self.gateway.flows[self.unit]
        if self.transport is not None:
            self.transport.close()


class _Relay(Splice):
    """One unit connection and its twin on the host's loopback."""

    def __init__(self, gateway: Gateway, conn: Connection):
        super().__init__(conn)
        self.gateway = gateway
        self.ftp: bool | None = None            # None: not known yet (the server has not spoken)
        self.lines = {"unit": b"", "host": b""}
        self.listeners: list[asyncio.AbstractServer] = []

    async def open_host(self, port: int) -> None:
        try:
            await asyncio.get_running_loop().create_connection(lambda: self, LOOPBACK, port)
        except OSError:
            self.gateway.counters["refused"] += 1
            self.conn.abort()                   # the unit hears a refusal, as from the server
            self.ended()
            return
        if self.conn.state == CLOSED:           # given up meanwhile (a flood pushed it out)
            self.close()
            return
        self.conn.answer()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.ended()

    def ended(self) -> None:
        for server in self.listeners:
            server.close()
        self.listeners.clear()
        self.gateway.relays.discard(self)

    # ------------------------------------------------------------ FTP's addresses

    def to_conn(self, data: bytes) -> bytes:
        if self.ftp is None:
            self.ftp = data.startswith(b"220")
        return self._lines("host", data, self._rewrite_pasv) if self.ftp else data

    def to_transport(self, data: bytes) -> bytes:
        return self._lines("unit", data, self._rewrite_port) if self.ftp else data

    def _lines(self, side: str, data: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
        buffered = self.lines[side] + data
        *whole, rest = buffered.split(b"\n")
        self.lines[side] = rest
        return b"".join(rewrite(line + b"\n") for line in whole)

    def _rewrite_pasv(self, line: bytes) -> bytes:
        m = _PASV.match(line)
        if m is None or not ipaddress.IPv4Address(".".join(g.decode() for g in m.groups()[1:5])).is_loopback:
            return line
        ours = self.gateway.address.replace(".", ",").encode()
        return m[1] + ours + b"," + m[6] + b"," + m[7] + m[8]

    def _rewrite_port(self, line: bytes) -> bytes:
        m = _PORT.match(line)
        if m is None:
            return line
        unit = (".".join(g.decode() for g in m.groups()[:4]), int(m[5]) * 256 + int(m[6]))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((LOOPBACK, 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        asyncio.get_running_loop().create_task(self._serve_back(sock, unit))
        return f"PORT 127,0,0,1,{port >> 8},{port & 0xFF}\r\n".encode()

    async def _serve_back(self, sock: socket.socket, unit: tuple[str, int]) -> None:
        """The server's active data connection, relayed as the gateway's own to the unit."""
        loop = asyncio.get_running_loop()

        def connected() -> asyncio.Protocol:
            loop.call_soon(server.close)         # one connection: closing while it is accepted would drop it
            back = Splice()
            back.conn = self.gateway.tcp.connect(unit[0], unit[1], back.handlers())
            return back
        server = await loop.create_server(connected, sock=sock)
        self.listeners.append(server)
