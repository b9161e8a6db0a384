"""A small IPv4 host stack on one port: ARP (cache and queued resolution), ICMP echo
(answering, and pinging), UDP sockets. Lab hosts use it, and so does monitor mode, which
also asks for a trace of what it receives (the PIX's Table 11-2 codes among the dots)."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field
from typing import Callable

from vpix.clock import Clock
from vpix.net.fabric import Port
from vpix.net.packets import (BROADCAST, ETH_ARP, ETH_IP, PROTO_ICMP, PROTO_UDP, Arp, Ethernet, IcmpEcho,
                              IPv4, Malformed, Udp, checksum, fragments, ip_bytes, ip_text, same_subnet)

UdpHandler = Callable[[bytes, tuple[str, int], int], None]
ARP_TIMEOUT = 4.0
ARP_RETRY = 1.0
UNRESOLVED_BYTES = 65536       # what waits for one neighbour's MAC, as Linux's unres_qlen_bytes bounds it
REASSEMBLY_TIMEOUT = 30.0       # as Linux's ipfrag_time: a packet whose pieces do not all come is dropped
REASSEMBLIES = 64               # packets being put together at once; the oldest goes first


@dataclass
class _Ping:
    dst: str
    remaining: int
    timeout: float
    on_reply: Callable[[bool], None]
    hop: str | None
    payload: bytes
    seq: int = 0
    timer: object = None


@dataclass
class IpStack:
    port: Port
    clock: Clock
    address: str | None = None
    mask: str = "255.255.255.0"
    gateway: str | None = None
    trace: Callable[[str], None] | None = None      # monitor mode's `trace`
    learned: Callable[[str, bytes], None] | None = None  # told of every new or changed ARP entry
    forward: Callable[[IPv4, bytes], None] | None = None  # packets sent to our MAC for another address
    claim: Callable[[IPv4, bytes], bool] | None = None    # may take a packet for our address (NAT to it)
    proxy: Callable[[str], bool] | None = None            # other addresses to answer ARP for (proxy ARP)
    malformed: Callable[[str], None] | None = None        # told the drop reason of frames it cannot read
    arp: dict[str, bytes] = field(default_factory=dict)
    arp_at: dict[str, float] = field(default_factory=dict)     # when each entry was last confirmed
    pinned: set[str] = field(default_factory=set)               # static entries (`arp IF IP MAC`)
    _waiting: dict[str, list[bytes]] = field(default_factory=dict)
    _asked: dict[str, float] = field(default_factory=dict)      # when each address was last asked for
    _udp: dict[int, UdpHandler] = field(default_factory=dict)
    _protocols: dict[int, Callable[[bytes, str], None]] = field(default_factory=dict)
    _pings: dict[int, _Ping] = field(default_factory=dict)
    admits: Callable[[str, int], bool] | None = None   # (source, ICMP type): whether to take it at all
    _pieces: dict[tuple, dict[int, tuple[bytes, bool]]] = field(default_factory=dict)   # packets in fragments
    _ident: int = 0

    def __post_init__(self) -> None:
        self.port.receive = self.receive

    # ------------------------------------------------------------ sending

    def udp_bind(self, port: int, handler: UdpHandler) -> None:
        self._udp[port] = handler

    def ip_bind(self, proto: int, handler: Callable[[bytes, str], None]) -> None:
        """Packets of IP protocol ``proto`` for this address go to ``handler(payload, source)``."""
        self._protocols[proto] = handler

    def ip_unbind(self, proto: int) -> None:
        self._protocols.pop(proto, None)

    def udp_unbind(self, port: int) -> None:
        self._udp.pop(port, None)

    def udp_open(self, receive: Callable[[bytes, tuple[str, int]], None], via=None, number: int = 0) -> "UdpPort":
        """UDP port ``number`` of this stack as a transfer core's runner takes one."""
        return UdpPort(self, number, receive)

    def udp_send(self, sport: int, dst: str, dport: int, data: bytes) -> None:
        self.send_ip(dst, PROTO_UDP, Udp(sport, dport, data).encode(ip_bytes(self.address), ip_bytes(dst)))

    def send_ip(self, dst: str, proto: int, payload: bytes, hop: str | None = None) -> None:
        """A packet to ``dst``, by way of the neighbour ``hop`` (the subnet or the gateway's
        when not given)."""
        if self.address is None:
            return
        self._ident = (self._ident + 1) & 0xFFFF
        packet = IPv4(ip_bytes(self.address), ip_bytes(dst), proto, payload, ident=self._ident).encode()
        hop = hop or self._next_hop(dst)
        if hop is not None:
            for piece in fragments(packet):
                self.send_packet(hop, piece)

    def send_packet(self, hop: str, packet: bytes) -> None:
        """An IP packet to the neighbour ``hop``, once ARP knows its MAC."""
        mac = self.arp.get(hop)
        if mac is not None:
            self.port.send(Ethernet(mac, self.port.mac, ETH_IP, packet).encode())
            return
        first = hop not in self._waiting
        waiting = self._waiting.setdefault(hop, [])
        waiting.append(packet)
        while sum(map(len, waiting)) > UNRESOLVED_BYTES:    # only the newest wait
            del waiting[0]
        if first or self.clock.monotonic() - self._asked.get(hop, 0.0) >= ARP_RETRY:
            self._resolve(hop)                  # ask again: a request can be lost (a link was down)

    def _next_hop(self, dst: str) -> str | None:
        if same_subnet(self.address, dst, self.mask):
            return dst
        return self.gateway

    def pin(self, ip: str, mac: bytes) -> None:
        """A static entry: it answers for ``ip`` until unpinned, whatever ARP says."""
        self.pinned.add(ip)
        self.arp[ip] = mac
        self.arp_at[ip] = self.clock.monotonic()
        self._release(ip)

    def _release(self, ip: str) -> None:
        """The packets that waited for ``ip``'s MAC address leave now that it is known."""
        for packet in self._waiting.pop(ip, []):
            self.port.send(Ethernet(self.arp[ip], self.port.mac, ETH_IP, packet).encode())

    def unpin(self, ip: str) -> None:
        if ip in self.pinned:
            self.pinned.discard(ip)
            self.arp.pop(ip, None)
            self.arp_at.pop(ip, None)

    def forget_older_than(self, seconds: float) -> None:
        """ARP aging (`arp timeout`): learned entries not confirmed for ``seconds`` go."""
        now = self.clock.monotonic()
        for ip, at in list(self.arp_at.items()):
            if ip not in self.pinned and now - at > seconds:
                self.arp.pop(ip, None)
                self.arp_at.pop(ip, None)

    def _resolve(self, ip: str) -> None:
        asked = self._asked[ip] = self.clock.monotonic()
        request = Arp(1, self.port.mac, ip_bytes(self.address), b"\0" * 6, ip_bytes(ip))
        self.port.send(Ethernet(BROADCAST, self.port.mac, ETH_ARP, request.encode()).encode())
        self.clock.call_later(ARP_TIMEOUT, lambda: self._give_up(ip, asked))

    def _give_up(self, ip: str, asked: float) -> None:
        """Drop what waits for ``ip`` when the latest request for it went unanswered."""
        if self._asked.get(ip) == asked and ip not in self.arp:
            self._waiting.pop(ip, None)

    def announce(self) -> None:
        """Gratuitous ARP: tell the segment which MAC holds this address now; what waits for
        a neighbour's MAC is asked for again from it (an answer to the old one is lost)."""
        if self.address is not None:
            me = ip_bytes(self.address)
            garp = Arp(1, self.port.mac, me, b"\0" * 6, me)
            self.port.send(Ethernet(BROADCAST, self.port.mac, ETH_ARP, garp.encode()).encode())
            for ip in list(self._waiting):
                self._resolve(ip)

    def provoke(self, kind: str) -> None:
        """Traffic that should draw answers from the segment: "arp" asks the ten most recent
        ARP entries again, "ping" sends an echo to the broadcast address."""
        if self.address is None:
            return
        if kind == "arp":
            for ip in list(self.arp)[-10:]:
                self._resolve(ip)
            return
        net = ipaddress.IPv4Network(f"{self.address}/{self.mask}", strict=False)
        echo = IcmpEcho(8, 0, 0, b"\xab" * 32).encode()
        packet = IPv4(ip_bytes(self.address), ip_bytes(str(net.broadcast_address)), PROTO_ICMP, echo).encode()
        self.port.send(Ethernet(BROADCAST, self.port.mac, ETH_IP, packet).encode())

    def ping(self, dst: str, count: int, timeout: float, on_reply: Callable[[bool], None],
             hop: str | None = None, size: int = 100) -> int:
        """Send ``count`` echoes of ``size`` bytes (IP header included) one after another, by
        way of ``hop`` if given; ``on_reply(ok)`` once per echo."""
        ident = (id(on_reply) ^ self._ident) & 0xFFFF
        self._pings[ident] = _Ping(dst, count, timeout, on_reply, hop, b"\xab" * max(0, size - 28))
        self._next_echo(ident)
        return ident

    def stop_ping(self, ident: int) -> None:
        """No more echoes of the ping ``ident`` (and no more calls of its ``on_reply``)."""
        ping = self._pings.pop(ident, None)
        if ping is not None and ping.timer is not None:
            ping.timer.cancel()

    def _next_echo(self, ident: int) -> None:
        ping = self._pings.get(ident)
        if ping is None:
            return
        if ping.remaining == 0:
            del self._pings[ident]
            return
        ping.remaining -= 1
        ping.seq += 1
        seq = ping.seq
        self.send_ip(ping.dst, PROTO_ICMP, IcmpEcho(8, ident, seq, ping.payload).encode(), ping.hop)

        def expired() -> None:
            if ping.seq == seq and ident in self._pings:
                ping.on_reply(False)
                self._next_echo(ident)

        ping.timer = self.clock.call_later(ping.timeout, expired)

    # ------------------------------------------------------------ receiving

    def receive(self, frame: bytes) -> None:
        try:
            eth = Ethernet.decode(frame)
        except Malformed as bad:
            return self._malformed(bad)
        if eth.dst not in (self.port.mac, BROADCAST):
            return
        if eth.ethertype == ETH_ARP:
            self._arp(eth)
        elif eth.ethertype == ETH_IP:
            self._ip(eth.payload, eth.dst == self.port.mac)
        elif self.trace:
            self.trace(f"({eth.ethertype:x})")

    def _arp(self, eth: Ethernet) -> None:
        try:
            arp = Arp.decode(eth.payload)
        except Malformed:
            return
        if self.trace:
            self.trace("A")
        sender = ip_text(arp.sender_ip)
        known = self.arp.get(sender)
        pinned = sender in self.pinned          # a static entry: no ARP moves it
        if known is not None and not pinned:    # RFC 826: refresh what we hold (gratuitous ARP)
            self.arp[sender] = arp.sender_mac
            self.arp_at[sender] = self.clock.monotonic()
        if self.address is None or arp.target_ip != ip_bytes(self.address):
            if known is not None and known != arp.sender_mac and self.learned:
                self.learned(sender, arp.sender_mac)
            if arp.op == 1 and self.address is not None and self.proxy is not None and \
                    self.proxy(ip_text(arp.target_ip)):
                reply = Arp(2, self.port.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
                self.port.send(Ethernet(arp.sender_mac, self.port.mac, ETH_ARP, reply.encode()).encode())
            return
        if not pinned:
            self.arp.pop(sender, None)          # the most recent entries last
            self.arp[sender] = arp.sender_mac
            self.arp_at[sender] = self.clock.monotonic()
            if known != arp.sender_mac and self.learned:
                self.learned(sender, arp.sender_mac)
        self._release(sender)
        if arp.op == 1:
            reply = Arp(2, self.port.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
            self.port.send(Ethernet(arp.sender_mac, self.port.mac, ETH_ARP, reply.encode()).encode())

    def _ip(self, data: bytes, unicast: bool) -> None:
        if len(data) >= 1 and (data[0] & 0x0F) * 4 < 20:
            self._malformed(Malformed("IP header length", "invalid-ip-header"))
            return self._note(4)
        try:
            ip = IPv4.decode(data)
        except Malformed as bad:
            return self._malformed(bad)
        if self.address is None or ip.dst != ip_bytes(self.address):
            if unicast and self.forward is not None:
                self.forward(ip, data)
            return self._note(6)
        if self.claim is not None and self.claim(ip, data):
            return
        if ip.is_fragment:
            ip = self._reassembled(ip)
            if ip is None:
                return
        src = ip_text(ip.src)
        if ip.proto == PROTO_ICMP:
            return self._icmp(src, ip.payload)
        if ip.proto in self._protocols:
            return self._protocols[ip.proto](ip.payload, src)
        if ip.proto != PROTO_UDP:
            return self._note(5)
        if len(ip.payload) >= 8 and ip.payload[6:8] != b"\0\0" and \
                checksum(ip.src + ip.dst + struct.pack("!BBH", 0, PROTO_UDP, len(ip.payload)), ip.payload):
            return self._note(8)
        try:
            udp = Udp.decode(ip.payload, ip.src, ip.dst, verify=False)
        except Malformed:
            return self._note(2)
        handler = self._udp.get(udp.dport)
        if handler is not None:
            handler(udp.payload, (src, udp.sport), udp.dport)

    def _reassembled(self, piece: IPv4) -> IPv4 | None:
        """The whole packet once its last missing piece has come, else None (the piece kept)."""
        key = (piece.src, piece.dst, piece.proto, piece.ident)
        pieces = self._pieces.get(key)
        if pieces is None:
            if len(self._pieces) >= REASSEMBLIES:
                del self._pieces[next(iter(self._pieces))]
            pieces = self._pieces[key] = {}

            def expire() -> None:
                if self._pieces.get(key) is pieces:
                    del self._pieces[key]
            self.clock.call_later(REASSEMBLY_TIMEOUT, expire)
        pieces[piece.offset] = (piece.payload, piece.more)
        whole, at = bytearray(), 0
        while at in pieces:
            payload, more = pieces[at]
            whole += payload
            at += len(payload)
            if not more:
                del self._pieces[key]
                return IPv4(piece.src, piece.dst, piece.proto, bytes(whole), piece.ttl, piece.ident)
            if not payload:
                break
        return None

    def _icmp(self, src: str, data: bytes) -> None:
        try:
            echo = IcmpEcho.decode(data)
        except Malformed:
            return
        if self.admits is not None and not self.admits(src, echo.type):
            return
        if echo.type == 8:
            self.send_ip(src, PROTO_ICMP, IcmpEcho(0, echo.ident, echo.seq, echo.payload).encode())
            return
        ping = self._pings.get(echo.ident)
        if ping is not None and echo.seq == ping.seq and src == ping.dst:
            ping.timer.cancel()
            ping.on_reply(True)
            self._next_echo(echo.ident)

    def _malformed(self, bad: Malformed) -> None:
        if self.malformed is not None:
            self.malformed(bad.reason)

    def _note(self, code: int) -> None:
        if self.trace:
            self.trace(f"<{code}>")


class UdpPort:
    """A UDP port of an IpStack: ``send`` a datagram, ``receive(data, source)`` what comes."""

    def __init__(self, stack: IpStack, number: int, receive: Callable[[bytes, tuple[str, int]], None]):
        self.stack, self.number = stack, number
        stack.udp_bind(number, lambda data, source, port: receive(data, source))

    def send(self, address: tuple[str, int], data: bytes, via=None) -> bool:
        self.stack.udp_send(self.number, address[0], address[1], data)
        return True

    def close(self) -> None:
        self.stack.udp_unbind(self.number)
