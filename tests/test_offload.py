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


def test_a_segment_keeps_frames_for_its_own_stations_off_the_wire():
    """Towards uplinks a segment is a learning bridge: broadcasts and frames for MACs behind
    an uplink (or not seen yet) go out of it; frames between the lab's own stations, or for
    another uplink's hosts, do not. Between the lab's own ports it stays a hub."""
    from vpix.clock import VirtualClock
    from vpix.net.fabric import Port, Segment

    clock = VirtualClock()
    segment = Segment("lan", clock)
    heard = {name: [] for name in ("unit", "sniffer", "tap1", "tap2")}
    ports = {name: Port(bytes([2, 0, 0, 0, 0, n]), heard[name].append) for n, name in enumerate(heard)}
    for name in ("tap1", "tap2"):
        ports[name].direct = True
    for port in ports.values():
        segment.attach(port)
    unit, sniffer, tap1 = (b"\x02\0\0\0\0" + bytes([n]) for n in (0, 1, 2))
    frame = lambda dst, src: dst + src + b"\x08\x00" + b"x" * 46          # noqa: E731
    ports["sniffer"].send(frame(b"\xff" * 6, sniffer))   # the lab's stations make themselves known
    ports["unit"].send(frame(b"\xff" * 6, unit))
    ports["tap1"].send(frame(unit, tap1))                 # a host behind tap1 speaks to the unit
    ports["unit"].send(frame(tap1, unit))                 # the unit answers it
    ports["unit"].send(frame(sniffer, unit))              # one of the lab's own stations to another
    ports["unit"].send(frame(b"\xff" * 6, unit))          # a broadcast
    ports["unit"].send(frame(b"\x02\0\0\0\0\x99", unit))  # a MAC nobody has shown yet
    clock.advance(0)
    everyone, nobody = b"\xff" * 6, b"\x02\0\0\0\0\x99"
    assert [f[:6] for f in heard["tap1"]] == [everyone, everyone, tap1, everyone, nobody]
    assert [f[:6] for f in heard["tap2"]] == [everyone, everyone, everyone, nobody]
    assert len(heard["sniffer"]) == 6                     # the lab's own ports hear everything


def test_a_datagram_longer_than_the_mtu_goes_in_fragments_and_comes_back_whole():
    """RFC 791 both ways: what a stack sends never exceeds the wire's MTU, and it puts
    fragments back together in any order; a packet missing a piece is dropped in time."""
    from vpix.clock import VirtualClock
    from vpix.net.fabric import Port, Segment
    from vpix.net.host import Host
    from vpix.net.packets import PROTO_UDP, Udp, fragments, mac_bytes
    from vpix.net.stack import REASSEMBLY_TIMEOUT

    clock = VirtualClock()
    segment = Segment("lan", clock)
    a = Host("a", mac_bytes("0050.5600.0001"), "10.0.0.1", clock)
    b = Host("b", mac_bytes("0050.5600.0002"), "10.0.0.2", clock)
    wire: list[bytes] = []
    for port in (a.port, b.port, Port(bytes(6), wire.append)):
        segment.attach(port)
    got = []
    b.stack.udp_bind(9, lambda data, source, port: got.append(data))
    payload = random.Random(5).randbytes(20_000)
    a.stack.udp_send(9, "10.0.0.2", 9, payload)
    clock.advance(1)
    assert got == [payload] and max(len(frame) for frame in wire) <= 14 + 1500
    src, dst = ip_bytes("10.0.0.1"), ip_bytes("10.0.0.2")
    packet = IPv4(src, dst, PROTO_UDP, Udp(9, 9, payload).encode(src, dst), ident=77).encode()
    pieces = fragments(packet)
    for piece in reversed(pieces[1:]):                        # out of order, and one never comes
        a.stack.send_packet("10.0.0.2", piece)
    clock.advance(1)
    assert got == [payload] and len(b.stack._pieces) == 1
    clock.advance(REASSEMBLY_TIMEOUT)
    assert not b.stack._pieces
    a.stack.send_packet("10.0.0.2", pieces[0])                # too late: a piece alone is kept, not used
    clock.advance(1)
    assert got == [payload]
