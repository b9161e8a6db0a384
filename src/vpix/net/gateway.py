"""The way from a segment to the host machine: a member that owns an address on the segment
and relays the TCP connections and UDP flows a unit opens *to that address* onto the same
port of the host's loopback, the way a virtual machine's user-mode networking reaches its
host. It relays to 127.0.0.1 and nowhere else, so a unit reaches exactly the servers the
user runs on this machine's loopback, and only through an interface of its own.

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
from vpix.net.tcp import Connection, Handlers, TcpLayer

LOOPBACK = "127.0.0.1"
UDP_IDLE = 120.0                # a UDP flow nothing has used for this long is forgotten
HIGH_WATER = 1 << 20            # bytes a relayed connection holds for the unit before reading pauses
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
        relay = _Relay(self, conn)
        self.relays.add(relay)
        asyncio.get_running_loop().create_task(relay.open_host(conn.local[1]))
        return relay.handlers

    # ------------------------------------------------------------ UDP

    def _udp(self, payload: bytes, source: str) -> None:
        try:
            udp = Udp.decode(payload, ip_bytes(source), ip_bytes(self.address))
        except Malformed:
            return
        key = (source, udp.sport)
        flow = self.flows.get(key)
        if flow is None:
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
        for port, data in self.waiting:
            transport.sendto(data, (LOOPBACK, port))
        self.waiting.clear()

    def out(self, port: int, data: bytes) -> None:
        self.idle.after(UDP_IDLE)
        if self.transport is None:
            self.waiting.append((port, data))
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


class _Relay(asyncio.Protocol):
    """One unit connection and its twin on the host's loopback."""

    def __init__(self, gateway: Gateway, conn: Connection):
        self.gateway, self.conn = gateway, conn
        self.transport: asyncio.Transport | None = None
        self.to_host: list[bytes] = []          # what the unit sent before the host side was open
        self.unit_done = False                  # and whether it has closed its side too
        self.paused = False
        self.ftp: bool | None = None            # None: not known yet (the server has not spoken)
        self.lines = {"unit": b"", "host": b""}
        self.listeners: list[asyncio.AbstractServer] = []
        self.handlers = Handlers(data=self._from_unit, eof=self._unit_eof, closed=self._unit_closed,
                                 acked=lambda count: self._drained(), answer=False)

    async def open_host(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: self, LOOPBACK, port)
        except OSError:
            self.gateway.counters["refused"] += 1
            self.conn.abort()                   # the unit hears a refusal, as from the server
            self.close()
            return
        self.conn.answer()

    # ------------------------------------------------------------ the host side

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.transport.set_write_buffer_limits(HIGH_WATER)
        for data in self.to_host:
            transport.write(data)
        self.to_host.clear()
        if self.unit_done:
            self._unit_eof()

    def data_received(self, data: bytes) -> None:
        if self.ftp is None:
            self.ftp = data.startswith(b"220")
        if self.ftp:
            data = self._lines("host", data, self._rewrite_pasv)
        self.conn.send(data)
        if self.conn.outstanding > HIGH_WATER and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.conn.close()
        return True

    def connection_lost(self, exc) -> None:
        if exc is not None:
            self.conn.abort()
        else:
            self.conn.close()
        self._forget()

    def _drained(self) -> None:
        if self.paused and self.conn.outstanding < HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    # ------------------------------------------------------------ the unit side

    def _from_unit(self, data: bytes) -> None:
        if self.ftp:
            data = self._lines("unit", data, self._rewrite_port)
        if self.transport is None:
            self.to_host.append(data)
        else:
            self.transport.write(data)

    def _unit_eof(self) -> None:
        self.unit_done = True
        if self.transport is not None and self.transport.can_write_eof():
            self.transport.write_eof()
        self.conn.close()

    def _unit_closed(self, error: str | None) -> None:
        self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self._forget()

    def _forget(self) -> None:
        for server in self.listeners:
            server.close()
        self.listeners.clear()
        self.gateway.relays.discard(self)

    # ------------------------------------------------------------ FTP's addresses

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
            return _Back(self.gateway, unit)
        server = await loop.create_server(connected, sock=sock)
        self.listeners.append(server)


class _Back(asyncio.Protocol):
    """A host connection (an FTP server's active data channel) relayed to a unit's port."""

    def __init__(self, gateway: Gateway, unit: tuple[str, int]):
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []
        self.unit_done = False                  # the unit closed its side before the host's was open
        self.conn = gateway.tcp.connect(unit[0], unit[1], Handlers(
            data=self._from_unit, eof=self._unit_eof, closed=lambda error: self.transport and self.transport.close()))

    def connection_made(self, transport) -> None:
        self.transport = transport
        for data in self.pending:
            transport.write(data)
        self.pending.clear()
        if self.unit_done:
            self._unit_eof()

    def data_received(self, data: bytes) -> None:
        self.conn.send(data)

    def eof_received(self) -> bool:
        self.conn.close()
        return True

    def connection_lost(self, exc) -> None:
        if exc is not None:
            self.conn.abort()
        else:
            self.conn.close()

    def _from_unit(self, data: bytes) -> None:
        if self.transport is None:
            self.pending.append(data)
        else:
            self.transport.write(data)

    def _unit_eof(self) -> None:
        self.unit_done = True
        if self.transport is not None and self.transport.can_write_eof():
            self.transport.write_eof()
        self.conn.close()
