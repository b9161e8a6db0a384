"""What a TAP with offloads hands over (one TCP frame of up to 64 KiB, checksums left to fill
in) and what a device without offloads takes (wire-sized segments), sans-IO."""

from __future__ import annotations

import random
import struct

from hypothesis import given, settings, strategies as st

from vpix.net import offload
from vpix.net.packets import ACK, ETH_IP, FIN, PROTO_TCP, PSH, Ethernet, IPv4, Tcp, ip_bytes

SRC, DST = ip_bytes("192.168.1.50"), ip_bytes("192.168.1.1")


def _frame(payload: bytes, flags: int = ACK | PSH, seq: int = 1000) -> bytes:
    segment = Tcp(21, 40000, seq, 77, flags, payload).encode(SRC, DST)
    return Ethernet(b"\x02" * 6, b"\x04" * 6, ETH_IP, IPv4(SRC, DST, PROTO_TCP, segment, ident=9).encode()).encode()


@settings(max_examples=50, deadline=None)
@given(size=st.integers(0, 65000), fin=st.booleans(), seq=st.integers(0, 2**32 - 1))
def test_a_long_frame_is_cut_into_wire_sized_segments_that_add_up(size, fin, seq):
    payload = random.Random(size).randbytes(size)
    flags = ACK | PSH | (FIN if fin else 0)
    pieces = offload.for_the_wire(_frame(payload, flags, seq))
    data, expected_seq = b"", seq
    for n, piece in enumerate(pieces):
        assert len(piece) <= 14 + 1500
        ip = IPv4.decode(Ethernet.decode(piece).payload)                  # checks the IP checksum
        tcp = Tcp.decode(ip.payload, ip.src, ip.dst)                      # and the TCP one
        assert tcp.seq == expected_seq
        last = n == len(pieces) - 1
        assert bool(tcp.flags & FIN) == (fin and last) and bool(tcp.flags & PSH) == last
        expected_seq = (expected_seq + len(tcp.payload)) & 0xFFFFFFFF
        data += tcp.payload
    assert data == payload


def test_a_frame_with_its_checksums_left_to_the_receiver_is_made_whole():
    frame = bytearray(_frame(b"x" * 3000))
    struct.pack_into("!H", frame, 14 + 2, 0)              # a GSO frame's IP length need not be right
    struct.pack_into("!H", frame, 14 + 20 + 16, 0x1234)   # the TCP checksum only partial
    header = offload.VNET_HEADER.pack(offload.NEEDS_CSUM, 1, 54, 1448, 34, 16)
    ip = IPv4.decode(Ethernet.decode(offload.received(header + bytes(frame))).payload)
    assert Tcp.decode(ip.payload, ip.src, ip.dst).payload == b"x" * 3000
    plain = _frame(b"y" * 10)
    assert offload.received(offload.NO_OFFLOAD + plain) == plain
