"""Struct-based codecs for the frames vpix puts on its segments: Ethernet II, ARP,
IPv4, UDP, TCP and ICMP echo. Decoders raise ``Malformed`` rather than guess."""

from __future__ import annotations

import functools
import ipaddress
import struct
from dataclasses import dataclass

BROADCAST = b"\xff" * 6
ETH_IP, ETH_ARP = 0x0800, 0x0806
PROTO_ICMP, PROTO_TCP, PROTO_UDP = 1, 6, 17
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Malformed(ValueError):
    """Not a frame or packet of the kind asked for; ``reason`` is the counter a security
    appliance drops it under (`show asp drop`)."""

    def __init__(self, message: str, reason: str = "invalid-ip-header"):
        super().__init__(message)
        self.reason = reason


def mac_bytes(text: str) -> bytes:
    """`0013.c400.0001` or `00:13:c4:00:00:01` → 6 bytes."""
    digits = text.replace(".", "").replace(":", "").replace("-", "")
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {text}")
    return bytes.fromhex(digits)


def mac_text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


# Cached: every packet converts its addresses, and a unit sees few distinct ones.
@functools.lru_cache(maxsize=4096)
def ip_bytes(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


@functools.lru_cache(maxsize=4096)
def ip_text(raw: bytes) -> str:
    return str(ipaddress.IPv4Address(raw))


@functools.lru_cache(maxsize=4096)
def same_subnet(address: str, other: str, mask: str) -> bool:
    return ipaddress.IPv4Address(other) in ipaddress.IPv4Network(f"{address}/{mask}", strict=False)


def checksum(*parts: bytes) -> int:
    """The Internet checksum of the parts one after another (all but the last of even
    length: a pseudo-header, a header, a payload), never joined into one copy. The one's
    complement sum of 16-bit words is a big-endian number modulo 0xFFFF (2**16 is 1 there),
    0xFFFF when that is 0 but the number is not: a few big-integer operations instead of a
    loop over the words."""
    total = nonzero = 0
    for part in parts:
        number = int.from_bytes(part, "big")
        if len(part) % 2:
            number <<= 8                      # the odd byte pads to a word
        total += number % 0xFFFF
        nonzero = nonzero or number
    total %= 0xFFFF
    return ~(total or (0xFFFF if nonzero else 0)) & 0xFFFF


# ---------------------------------------------------------------- Ethernet


@dataclass(frozen=True)
class Ethernet:
    dst: bytes
    src: bytes
    ethertype: int
    payload: bytes

    def encode(self) -> bytes:
        frame = self.dst + self.src + struct.pack("!H", self.ethertype) + self.payload
        return frame + b"\0" * max(0, 60 - len(frame))    # minimum frame size, FCS left out

    @classmethod
    def decode(cls, frame: bytes) -> "Ethernet":
        if len(frame) < 14:
            raise Malformed("runt frame", "invalid-encap")
        return cls(frame[0:6], frame[6:12], struct.unpack("!H", frame[12:14])[0], frame[14:])


# ---------------------------------------------------------------- ARP


@dataclass(frozen=True)
class Arp:
    op: int                 # 1 request, 2 reply
    sender_mac: bytes
    sender_ip: bytes
    target_mac: bytes
    target_ip: bytes

    def encode(self) -> bytes:
        return struct.pack("!HHBBH", 1, ETH_IP, 6, 4, self.op) + self.sender_mac + self.sender_ip + \
            self.target_mac + self.target_ip

    @classmethod
    def decode(cls, data: bytes) -> "Arp":
        if len(data) < 28:
            raise Malformed("short ARP")
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", data[:8])
        if (htype, ptype, hlen, plen) != (1, ETH_IP, 6, 4) or op not in (1, 2):
            raise Malformed("not Ethernet/IPv4 ARP")
        return cls(op, data[8:14], data[14:18], data[18:24], data[24:28])


# ---------------------------------------------------------------- IPv4


@dataclass(frozen=True)
class IPv4:
    src: bytes
    dst: bytes
    proto: int
    payload: bytes
    ttl: int = 64
    ident: int = 0
    header_length: int = 20
    fragment: int = 0            # the flags and fragment offset field as it came (decode only)

    @property
    def is_fragment(self) -> bool:
        """More fragments follow, or this one starts further in."""
        return bool(self.fragment & 0x3FFF)

    @property
    def offset(self) -> int:
        return (self.fragment & 0x1FFF) * 8

    @property
    def more(self) -> bool:
        return bool(self.fragment & 0x2000)

    def encode(self) -> bytes:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(self.payload), self.ident, 0, self.ttl,
                             self.proto, 0, self.src, self.dst)
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        return header + self.payload

    @classmethod
    def decode(cls, data: bytes) -> "IPv4":
        if len(data) < 20:
            raise Malformed("short IP header")
        version_ihl, _, total, ident, fragment, ttl, proto, _ = struct.unpack("!BBHHHBBH", data[:12])
        ihl = (version_ihl & 0x0F) * 4
        if version_ihl >> 4 != 4 or ihl < 20 or total < ihl:
            raise Malformed("bad IP header")
        if len(data) < total:
            raise Malformed("IP total length beyond the packet", "invalid-ip-length")
        if checksum(data[:ihl]) != 0:
            raise Malformed("bad IP checksum")
        return cls(data[12:16], data[16:20], proto, data[ihl:total], ttl, ident, ihl, fragment)


MTU = 1500


def fragments(packet: bytes, mtu: int = MTU) -> list[bytes]:
    """An encoded IPv4 packet as pieces that fit ``mtu`` (RFC 791); the packet itself when it
    fits. A message of the failover link's bulk sync is tens of kilobytes."""
    if len(packet) <= mtu:
        return [packet]
    ihl = (packet[0] & 0x0F) * 4
    header, payload = packet[:ihl], packet[ihl:]
    room = (mtu - ihl) // 8 * 8
    out = []
    for start in range(0, len(payload), room):
        piece = payload[start:start + room]
        piece_header = bytearray(header)
        struct.pack_into("!HHH", piece_header, 2, ihl + len(piece), struct.unpack_from("!H", header, 4)[0],
                         (0x2000 if start + room < len(payload) else 0) | start // 8)
        struct.pack_into("!H", piece_header, 10, 0)
        struct.pack_into("!H", piece_header, 10, checksum(bytes(piece_header)))
        out.append(bytes(piece_header) + piece)
    return out


# ---------------------------------------------------------------- UDP


@dataclass(frozen=True)
class Udp:
    sport: int
    dport: int
    payload: bytes

    def encode(self, src: bytes, dst: bytes) -> bytes:
        length = 8 + len(self.payload)
        header = struct.pack("!HHHH", self.sport, self.dport, length, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, PROTO_UDP, length)
        value = checksum(pseudo, header, self.payload) or 0xFFFF
        return header[:6] + struct.pack("!H", value) + self.payload

    @classmethod
    def decode(cls, data: bytes, src: bytes, dst: bytes, verify: bool = True) -> "Udp":
        if len(data) < 8:
            raise Malformed("short UDP header", "invalid-udp-length")
        sport, dport, length, value = struct.unpack("!HHHH", data[:8])
        if length < 8 or length > len(data):
            raise Malformed("bad UDP length", "invalid-udp-length")
        if verify and value:
            pseudo = src + dst + struct.pack("!BBH", 0, PROTO_UDP, length)
            if checksum(pseudo, data[:length]) != 0:
                raise Malformed("bad UDP checksum", "invalid-udp-length")
        return cls(sport, dport, data[8:length])


# ---------------------------------------------------------------- TCP


@dataclass(frozen=True)
class Tcp:
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    payload: bytes = b""
    window: int = 65535
    options: bytes = b""        # raw, padded to 32-bit words

    def encode(self, src: bytes, dst: bytes) -> bytes:
        words = 5 + len(self.options) // 4
        header = struct.pack("!HHIIBBHHH", self.sport, self.dport, self.seq, self.ack, words << 4, self.flags,
                             self.window, 0, 0) + self.options
        pseudo = src + dst + struct.pack("!BBH", 0, PROTO_TCP, len(header) + len(self.payload))
        value = checksum(pseudo, header, self.payload)
        return header[:16] + struct.pack("!H", value) + header[18:] + self.payload

    @classmethod
    def decode(cls, data: bytes, src: bytes | None = None, dst: bytes | None = None) -> "Tcp":
        """The segment; with the addresses, only if its checksum is right."""
        if len(data) < 20:
            raise Malformed("short TCP header", "invalid-tcp-hdr-length")
        sport, dport, seq, ack, offset, flags, window = struct.unpack("!HHIIBBH", data[:16])
        length = (offset >> 4) * 4
        if length < 20 or length > len(data):
            raise Malformed("bad TCP header length", "invalid-tcp-hdr-length")
        if src is not None and checksum(src + dst + struct.pack("!BBH", 0, PROTO_TCP, len(data)), data):
            raise Malformed("bad TCP checksum", "invalid-tcp-checksum")
        return cls(sport, dport, seq, ack, flags, data[length:], window, data[20:length])

    def option(self, wanted: int, length: int) -> bytes | None:
        """The data of the option of kind ``wanted`` (``length`` bytes in all), if present."""
        options, at = self.options, 0
        while at < len(options):
            kind = options[at]
            if kind == 0:
                break
            if kind == 1:
                at += 1
                continue
            if at + 1 >= len(options) or options[at + 1] < 2:
                break
            if kind == wanted and options[at + 1] == length and at + length <= len(options):
                return options[at + 2:at + length]
            at += options[at + 1]
        return None

    def mss(self) -> int | None:
        """The maximum segment size the options announce, if they do."""
        data = self.option(2, 4)
        return struct.unpack("!H", data)[0] if data is not None else None

    def window_scale(self) -> int | None:
        """The shift count of the window scale option (RFC 7323), if present (at most 14)."""
        data = self.option(3, 3)
        return min(data[0], 14) if data is not None else None


def mss_option(size: int) -> bytes:
    return struct.pack("!BBH", 2, 4, size)


def window_scale_option(shift: int) -> bytes:
    return struct.pack("!BBBB", 1, 3, 3, shift)          # a no-op first: options fill 32-bit words


# ---------------------------------------------------------------- ICMP echo


@dataclass(frozen=True)
class IcmpEcho:
    type: int               # 8 request, 0 reply
    ident: int
    seq: int
    payload: bytes

    def encode(self) -> bytes:
        header = struct.pack("!BBHHH", self.type, 0, 0, self.ident, self.seq)
        value = checksum(header, self.payload)
        return header[:2] + struct.pack("!H", value) + header[4:] + self.payload

    @classmethod
    def decode(cls, data: bytes) -> "IcmpEcho":
        if len(data) < 8 or checksum(data) != 0:
            raise Malformed("bad ICMP")
        typ, _, _, ident, seq = struct.unpack("!BBHHH", data[:8])
        if typ not in (0, 8):
            raise Malformed("not an echo")
        return cls(typ, ident, seq, data[8:])


# ---------------------------------------------------------------- rewriting addresses (NAT)

_PORTS_AT = {PROTO_TCP: 16, PROTO_UDP: 6}       # where each protocol keeps its checksum


def _fold(total: int) -> int:
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _adjusted(value: int, old: bytes, new: bytes) -> int:
    """RFC 1624: a checksum after 16-bit words ``old`` became ``new``."""
    total = ~value & 0xFFFF
    for i in range(0, len(old), 2):
        total += (~int.from_bytes(old[i:i + 2], "big") & 0xFFFF) + int.from_bytes(new[i:i + 2], "big")
    return ~_fold(total) & 0xFFFF


def readdress(packet: bytes, src: bytes, sport: int, dst: bytes, dport: int) -> bytes:
    """``packet`` (an IPv4 packet with a valid header) from ``src``/``sport`` to ``dst``/``dport``,
    its checksums adjusted rather than recomputed. For an ICMP echo the port is its identifier:
    the source's in a request, the destination's in a reply."""
    out = bytearray(packet)
    ihl = (out[0] & 0x0F) * 4
    old_addresses, new_addresses = bytes(out[12:20]), src + dst
    out[12:20] = new_addresses
    out[10:12] = _adjusted(int.from_bytes(out[10:12], "big"), old_addresses, new_addresses).to_bytes(2, "big")
    proto, l4 = out[9], ihl
    if proto in _PORTS_AT and len(out) >= l4 + _PORTS_AT[proto] + 2:
        at = l4 + _PORTS_AT[proto]
        old_ports, new_ports = bytes(out[l4:l4 + 4]), struct.pack("!HH", sport, dport)
        out[l4:l4 + 4] = new_ports
        value = int.from_bytes(out[at:at + 2], "big")
        if proto == PROTO_TCP or value:                 # UDP without a checksum keeps none
            value = _adjusted(value, old_addresses + old_ports, new_addresses + new_ports) or \
                (0xFFFF if proto == PROTO_UDP else 0)
            out[at:at + 2] = value.to_bytes(2, "big")
    elif proto == PROTO_ICMP and len(out) >= l4 + 8 and out[l4] in (0, 8):
        old_ident = bytes(out[l4 + 4:l4 + 6])
        new_ident = (sport if out[l4] == 8 else dport).to_bytes(2, "big")
        out[l4 + 4:l4 + 6] = new_ident
        out[l4 + 2:l4 + 4] = _adjusted(int.from_bytes(out[l4 + 2:l4 + 4], "big"), old_ident,
                                       new_ident).to_bytes(2, "big")
    return bytes(out)


def resequence(packet: bytes, seq_add: int, ack_add: int, payload: bytes | None = None) -> bytes:
    """A TCP ``packet`` (valid IPv4 header) with its sequence and acknowledgement numbers moved
    and, if given, a new ``payload``; its options stay, its lengths and checksums follow."""
    ihl = (packet[0] & 0x0F) * 4
    offset = (packet[ihl + 12] >> 4) * 4
    header = bytearray(packet[ihl:ihl + offset])
    seq, ack = struct.unpack_from("!II", header, 4)
    struct.pack_into("!II", header, 4, (seq + seq_add) & 0xFFFFFFFF, (ack + ack_add) & 0xFFFFFFFF)
    body = packet[ihl + offset:] if payload is None else payload
    header[16:18] = b"\0\0"
    src, dst = packet[12:16], packet[16:20]
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_TCP, len(header) + len(body))
    header[16:18] = struct.pack("!H", checksum(pseudo, bytes(header), body))
    ip = bytearray(packet[:ihl])
    struct.pack_into("!H", ip, 2, ihl + len(header) + len(body))
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
    return bytes(ip) + bytes(header) + body
