"""What a TAP device with offloads (virtio-net headers) hands over and takes, as a NIC with
receive offload does: the kernel of a namespace host may send one TCP frame of up to 64 KiB
where the wire would carry many (GSO), its checksum left for the receiver to fill in. vpix
takes such a frame as it is, with its checksums made whole, so the unit's TCP and data path
handle one frame instead of forty; a frame longer than the wire's MTU that leaves for a
device without offloads is cut back into wire-sized TCP segments first.

Sans-IO: bytes in, bytes out."""

from __future__ import annotations

import struct

from vpix.net.packets import ETH_IP, PROTO_TCP, PROTO_UDP, checksum

VNET_HEADER = struct.Struct("<BBHHHH")     # flags, gso_type, hdr_len, gso_size, csum_start, csum_offset
NEEDS_CSUM = 0x01
NO_OFFLOAD = bytes(VNET_HEADER.size)
ETHERNET = 14
WIRE_MTU = 1500


def received(data: bytes) -> bytes:
    """The frame behind a virtio-net header, with the checksums the sender left to us filled
    in and an aggregated frame's IP length and checksum made its own."""
    flags, gso_type, *_ = VNET_HEADER.unpack_from(data)
    frame = data[VNET_HEADER.size:]
    if not (flags & NEEDS_CSUM or gso_type) or len(frame) < ETHERNET + 20 or \
            struct.unpack_from("!H", frame, 12)[0] != ETH_IP:
        return frame
    packet = frame[ETHERNET:]
    if not gso_type:                              # one packet: its own length (no padding) counts
        packet = packet[:struct.unpack_from("!H", packet, 2)[0]]
    return frame[:ETHERNET] + _whole_ip(packet)


def _whole_ip(packet: bytes) -> bytes:
    ihl = (packet[0] & 0x0F) * 4
    header = bytearray(packet[:ihl])
    struct.pack_into("!H", header, 2, len(packet))
    struct.pack_into("!H", header, 10, 0)
    struct.pack_into("!H", header, 10, checksum(bytes(header)))
    return bytes(header) + transport_checksummed(bytes(header[12:20]), header[9], packet[ihl:])


def transport_checksummed(addresses: bytes, proto: int, segment: bytes) -> bytes:
    """A TCP or UDP segment with its checksum computed afresh (others as they are)."""
    if proto == PROTO_TCP and len(segment) >= 20:
        at = 16
    elif proto == PROTO_UDP and len(segment) >= 8:
        at = 6
    else:
        return segment
    head, rest = segment[:at], segment[at + 2:]
    value = checksum(addresses + struct.pack("!BBH", 0, proto, len(segment)), head, b"\0\0", rest)
    if proto == PROTO_UDP and value == 0:
        value = 0xFFFF
    return head + struct.pack("!H", value) + rest


def for_the_wire(frame: bytes, mtu: int = WIRE_MTU) -> list[bytes]:
    """``frame`` as a device without offloads takes it: as it is when it fits the MTU (or is
    no IPv4 TCP), else cut into TCP segments that do, each with its own headers."""
    if len(frame) <= ETHERNET + mtu or struct.unpack_from("!H", frame, 12)[0] != ETH_IP:
        return [frame]
    packet = frame[ETHERNET:]
    ihl = (packet[0] & 0x0F) * 4
    if packet[9] != PROTO_TCP or len(packet) < ihl + 20:
        return [frame]
    tcp = packet[ihl:]
    thl = (tcp[12] >> 4) * 4
    payload, room = tcp[thl:], mtu - ihl - thl
    seq, flags = struct.unpack_from("!I", tcp, 4)[0], tcp[13]
    ident = struct.unpack_from("!H", packet, 4)[0]
    out = []
    for n, start in enumerate(range(0, len(payload), room)):
        piece = payload[start:start + room]
        last = start + room >= len(payload)
        header = bytearray(tcp[:thl])
        struct.pack_into("!I", header, 4, (seq + start) & 0xFFFFFFFF)
        header[13] = flags if last else flags & ~0x09 & 0xFF      # FIN and PSH go with the last piece
        if n:
            header[13] &= ~0x80 & 0xFF                             # CWR with the first only
        ip = bytearray(packet[:ihl])
        struct.pack_into("!H", ip, 4, (ident + n) & 0xFFFF)
        out.append(frame[:ETHERNET] + _whole_ip(bytes(ip) + bytes(header) + piece))
    return out
