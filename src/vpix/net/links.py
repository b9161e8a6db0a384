"""Segment backends beyond memory: a segment reaches outside the process through an uplink,
a port on the segment whose far end is a Linux TAP device, a Linux interface (AF_PACKET) or
a UDP tunnel. Frames the segment
carries go out of the uplink; frames that come in are sent on the segment as if from a
station. The in-memory segment stays the hub in both cases.

UDP tunnel: one Ethernet frame per datagram, so two labs (processes or hosts) whose tunnels
point at each other share a segment. TAP: the kernel's side of the device is an ordinary
interface, so real software (tftpd-hpa in a network namespace, tcpdump) sits on the segment.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import struct

from vpix.net import offload
from vpix.net.fabric import Port, Segment

_TUNSETIFF = 0x400454CA
_TUNSETOFFLOAD = 0x400454D0
_IFF_TAP = 0x0002
_IFF_NO_PI = 0x1000
_IFF_VNET_HDR = 0x4000
_TUN_F_CSUM, _TUN_F_TSO4 = 0x01, 0x02
_MAX_FRAME = 65536 + 64
_ETH_P_ALL = 0x0003
_SOL_PACKET = 263
_PACKET_ADD_MEMBERSHIP, _PACKET_MR_PROMISC = 1, 1
_PACKET_VNET_HDR, _PACKET_IGNORE_OUTGOING = 15, 23


class Uplink:
    """A port on ``segment`` whose frames leave through ``emit``; ``inject`` brings one in."""

    def __init__(self, segment: Segment):
        self.port = Port(bytes(6), self._emit)
        self.port.direct = True
        self.frames_out = self.frames_in = 0
        segment.attach(self.port)

    def _emit(self, frame: bytes) -> None:
        for piece in offload.for_the_wire(frame):   # a frame a TAP aggregated, cut back for the wire
            self.frames_out += 1
            try:
                self.emit(piece)
            except OSError:             # the far end is gone or not up: the frame is lost
                pass

    def inject(self, frame: bytes) -> None:
        self.frames_in += 1
        self.port.send(frame)

    def emit(self, frame: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self.port.segment is not None:
            self.port.segment.detach(self.port)


class TapUplink(Uplink):
    """The segment bridged to the TAP device ``name`` (created if missing; needs CAP_NET_ADMIN).
    The device offloads checksums and TCP segmentation to vpix (see ``offload``): the kernel
    of a host behind it sends up to 64 KiB of TCP in one frame."""

    def __init__(self, segment: Segment, name: str):
        super().__init__(segment)
        self.name = name
        self.fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        try:
            fcntl.ioctl(self.fd, _TUNSETIFF, struct.pack("16sH", name.encode(), _IFF_TAP | _IFF_NO_PI | _IFF_VNET_HDR))
            fcntl.ioctl(self.fd, _TUNSETOFFLOAD, _TUN_F_CSUM | _TUN_F_TSO4)
        except OSError:
            os.close(self.fd)
            super().close()
            raise
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.fd, self._readable)

    def emit(self, frame: bytes) -> None:
        os.write(self.fd, offload.NO_OFFLOAD + frame)

    def _readable(self) -> None:
        while True:
            try:
                data = os.read(self.fd, _MAX_FRAME)
            except (BlockingIOError, OSError):
                return
            self.inject(offload.received(data))

    def close(self) -> None:
        self._loop.remove_reader(self.fd)
        os.close(self.fd)
        super().close()


RAW_QUEUE = 4 << 20          # bytes an AF_PACKET socket holds for the loop (a TAP queues 1,000 frames)


def _queue_deeper(sock: socket.socket) -> None:
    """A receive queue as deep as a TAP's, past the system's default cap where allowed
    (SO_RCVBUFFORCE needs CAP_NET_ADMIN): a burst the loop takes a moment to read is not lost."""
    for option in (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RAW_QUEUE)
            return
        except OSError:
            continue


class RawUplink(Uplink):
    """The segment bridged to the Linux interface ``name`` (a veth end, a container's ``eth1``)
    with an AF_PACKET socket: every frame on the interface comes in (promiscuous), what the
    segment carries goes out of it. Frames carry virtio-net headers, as a TAP's do, so the
    kernel's offloads arrive whole (see ``offload``); the socket's own sends are not read back.
    Needs CAP_NET_RAW."""

    def __init__(self, segment: Segment, name: str):
        super().__init__(segment)
        self.name = name
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ALL))
        try:
            self.sock.setsockopt(_SOL_PACKET, _PACKET_VNET_HDR, 1)
            self.sock.setsockopt(_SOL_PACKET, _PACKET_IGNORE_OUTGOING, 1)
            self.sock.bind((name, 0))
            index = socket.if_nametoindex(name)
            self.sock.setsockopt(_SOL_PACKET, _PACKET_ADD_MEMBERSHIP, struct.pack("iHH8s", index, _PACKET_MR_PROMISC,
                                                                                  0, b""))
        except OSError:
            self.sock.close()
            super().close()
            raise
        _queue_deeper(self.sock)
        self.sock.setblocking(False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.sock.fileno(), self._readable)

    def emit(self, frame: bytes) -> None:
        self.sock.send(offload.NO_OFFLOAD + frame)

    def _readable(self) -> None:
        while True:
            try:
                data = self.sock.recv(_MAX_FRAME)
            except (BlockingIOError, OSError):
                return
            self.inject(offload.received(data))

    def close(self) -> None:
        self._loop.remove_reader(self.sock.fileno())
        self.sock.close()
        super().close()


class UdpUplink(Uplink, asyncio.DatagramProtocol):
    """The segment tunnelled to ``remote``: each frame one datagram, sent from ``local``.
    Only datagrams from ``remote`` (address and port) are taken in; the others are counted in
    ``refused`` and dropped."""

    def __init__(self, segment: Segment, local: tuple[str, int], remote: tuple[str, int]):
        Uplink.__init__(self, segment)
        self.local, self.remote = local, remote
        self.transport: asyncio.DatagramTransport | None = None
        self.refused = 0

    @classmethod
    async def open(cls, segment: Segment, local: tuple[str, int], remote: tuple[str, int]) -> "UdpUplink":
        uplink = cls(segment, local, remote)
        await asyncio.get_running_loop().create_datagram_endpoint(lambda: uplink, local_addr=local)
        return uplink

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.local = transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data: bytes, addr) -> None:
        if (addr[0], addr[1]) == self.remote:
            self.inject(data)
        else:
            self.refused += 1

    def error_received(self, exc) -> None:       # ICMP port unreachable: the far lab is not up yet
        pass

    def emit(self, frame: bytes) -> None:
        if self.transport is not None:
            self.transport.sendto(frame, self.remote)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        Uplink.close(self)
