"""Lab hosts: a MAC, an address and a tiny stack on a segment; optionally a TFTP server
serving a directory (the server monitor mode and Boothelper download images from)."""

from __future__ import annotations

from pathlib import Path

from vpix.clock import Alarm, Clock
import struct

from vpix.net.fabric import Port, Segment
from vpix.net.packets import ETH_IP, PROTO_UDP, Ethernet, IPv4, Udp, ip_bytes
from vpix.net.stack import IpStack
from vpix.net.tcp import TcpLayer
from vpix.transfer.tftp_server import DATA_PORT, LISTEN, STRAY, Faults, Out, TftpServerCore

TFTP_PORTS = {LISTEN: 69, DATA_PORT: 50001, STRAY: 50002}


class Host:
    def __init__(self, name: str, mac: bytes, address: str, clock: Clock, mask: str = "255.255.255.0",
                 gateway: str | None = None):
        self.name = name
        self.clock = clock
        self.port = Port(mac)
        self.stack = IpStack(self.port, clock, address, mask, gateway)
        self.tcp = TcpLayer.on_stack(self.stack)   # a test may take TCP segments over with stack.ip_bind
        self.tftp: TftpServerCore | None = None
        self.raw_faults: dict[int, int] = {}    # block -> Table 11-2 code sent just before it
        self._alarm = Alarm(clock, self._tick)

    def plug(self, segment: Segment) -> None:
        segment.attach(self.port)

    def serve_tftp(self, root: Path, faults: Faults | None = None, retransmit_s: float = 1.0) -> TftpServerCore:
        self.tftp = TftpServerCore(root, faults, retransmit_s)
        for name, port in TFTP_PORTS.items():
            self.stack.udp_bind(port, lambda data, source, dport, listener=(name == LISTEN):
                                self._tftp_in(data, source, listener))
        return self.tftp

    def _tftp_in(self, data: bytes, source: tuple[str, int], listener: bool) -> None:
        self._send(self.tftp.datagram(data, source, listener, self.clock.monotonic()))

    def _send(self, packets: list[Out]) -> None:
        for packet in packets:
            opcode, block = struct.unpack("!HH", packet.data[:4]) if len(packet.data) >= 4 else (0, 0)
            if opcode == 3 and block in self.raw_faults:
                self.send_fault(self.raw_faults.pop(block), packet.to[0], packet.to[1])
            self.stack.udp_send(TFTP_PORTS[packet.port], packet.to[0], packet.to[1], packet.data)
        self._alarm.set(self.tftp.next_deadline())

    def _tick(self) -> None:
        self._send(self.tftp.tick(self.clock.monotonic()))

    # ------------------------------------------------------------ misbehaving on the wire

    def send_fault(self, code: int, dst: str, dport: int, sport: int = TFTP_PORTS[DATA_PORT]) -> None:
        """Put one bad packet on the wire towards ``dst`` (already in the ARP cache), of the kind
        behind Table 11-2 code 2 (runt TFTP), 4 (short IP header), 5 (not UDP), 6 (not for
        that address) or 8 (bad UDP checksum)."""
        src, to = ip_bytes(self.stack.address), ip_bytes(dst)
        udp = Udp(sport, dport, struct.pack("!HH", 3, 1) + b"x" * 20).encode(src, to)
        if code == 2:
            packet = IPv4(src, to, PROTO_UDP, Udp(sport, dport, b"\0\3").encode(src, to)).encode()
        elif code == 4:
            packet = bytes([0x44]) + IPv4(src, to, PROTO_UDP, udp).encode()[1:]
        elif code == 5:
            packet = IPv4(src, to, 6, udp).encode()
        elif code == 6:
            packet = IPv4(src, ip_bytes("198.51.100.77"), PROTO_UDP, udp).encode()
        elif code == 8:
            packet = IPv4(src, to, PROTO_UDP, udp[:6] + bytes([udp[6] ^ 0xFF, udp[7]]) + udp[8:]).encode()
        else:
            raise ValueError(f"no raw fault for code {code}")
        self.port.send(Ethernet(self.stack.arp[dst], self.port.mac, ETH_IP, packet).encode())
