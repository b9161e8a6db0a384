"""What the data path drops, counted by reason (`show asp drop`, `clear asp drop`, 7.x), and a
fuzzer on the frame and packet parsers: whatever arrives, the unit drops and counts what it
cannot read, never fails, and carries on forwarding."""

from __future__ import annotations

import re
import struct

from hypothesis import HealthCheck, given, settings, strategies as st

from traffic import Net

from vpix.net.fabric import Port
from vpix.net.packets import ACK, ETH_IP, PROTO_TCP, PROTO_UDP, PSH, RST, SYN, Ethernet, IPv4, Tcp, Udp, ip_bytes, mac_bytes

PC, SERVER = "192.168.1.50", "172.16.1.50"


def _stranger(net, segment="outside"):
    """A port on the segment that sends raw frames to the unit's interface there."""
    port = Port(mac_bytes("0050.5600.00ee"))
    net.segments[segment].attach(port)
    unit_mac = net.unit.ports[0 if segment == "outside" else 1].mac

    def send(ip_packet: bytes) -> None:
        port.send(Ethernet(unit_mac, port.mac, ETH_IP, ip_packet).encode())
    return send


def _ip(src, dst, proto, payload):
    return IPv4(ip_bytes(src), ip_bytes(dst), proto, payload).encode()


def _drop_some(net):
    send = _stranger(net)
    net.tcp(net.server, PC, 80, 40000, SYN)                        # acl-drop (security levels)
    net.tcp(net.pc, SERVER, 40001, 80, ACK)                        # tcp-not-syn
    good = _ip(SERVER, PC, PROTO_TCP, Tcp(80, 40000, 1, 1, SYN).encode(ip_bytes(SERVER), ip_bytes(PC)))
    send(good[:2] + struct.pack("!H", len(good) + 40) + good[4:])  # invalid-ip-length
    send(_ip(SERVER, PC, PROTO_TCP, b"\x00\x50\x9c\x40" + b"\0" * 8 + b"\x20"))   # invalid-tcp-hdr-length
    send(_ip(SERVER, PC, PROTO_TCP, b"\x00\x50\x9c\x40" + b"\0" * 8 + b"\x20" + b"\0" * 7))
    send(_ip(SERVER, PC, PROTO_UDP, b"\x00\x35\x14\xe9\x00\x40\x00\x00"))  # invalid-udp-length: 64 > 8
    net.run()


def test_show_asp_drop_on_7_2_1_counts_by_reason_without_keywords(tmp_path, images):
    net = Net(tmp_path, images)
    assert net.term.cmd("show asp drop") == "Frame drop:\n\nFlow drop:\n"
    _drop_some(net)
    assert net.term.cmd("show asp drop frame") == (
        "Frame drop:\n"
        "  Invalid IP Length                                                            1\n"
        "  Invalid TCP Length                                                           2\n"
        "  Invalid UDP Length                                                           1\n"
        "  Flow is denied by configured rule                                            1\n"
        "  First TCP packet not SYN                                                     1\n")


def test_later_releases_name_the_reasons_and_when_they_were_cleared(tmp_path, images):
    net = Net.asa(tmp_path, images)
    _drop_some(net)
    out = net.term.cmd("show asp drop")
    assert "  First TCP packet not SYN (tcp-not-syn)                                       1\n" in out
    assert out.endswith("Last clearing: Never\n\nFlow drop:\nLast clearing: Never\n")
    net.term.cmd("clear asp drop frame")
    out = net.term.cmd("show asp drop")
    assert re.fullmatch(r"Frame drop:\nLast clearing: \d\d:\d\d:\d\d UTC \w{3} \d+ \d{4} by enable_15\n\n"
                        r"Flow drop:\nLast clearing: Never\n", out), out


def test_pix_6_has_no_asp(tmp_path, images):
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config="hostname fw\n")
    assert "drop" not in net.term.cmd("show asp drop")


def _valid_packets():
    udp = Udp(5353, 53, b"question").encode(ip_bytes(SERVER), ip_bytes(PC))
    tcp = Tcp(80, 40000, 7, 9, SYN | ACK, b"data").encode(ip_bytes(SERVER), ip_bytes(PC))
    return [_ip(SERVER, PC, PROTO_UDP, udp), _ip(SERVER, PC, PROTO_TCP, tcp)]


def _mutated(data: st.DataObject) -> bytes:
    packet = bytearray(data.draw(st.sampled_from(_valid_packets())))
    first = data.draw(st.sampled_from([20, 0]))            # mostly past the IP header: its checksum
    for _ in range(data.draw(st.integers(1, 6))):          # stops most changes to the header itself
        index = data.draw(st.integers(first, len(packet) - 1))
        packet[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(packet)))
    return bytes(packet[:cut]) if data.draw(st.booleans()) else bytes(packet)


def test_no_frame_or_packet_breaks_the_unit_and_it_carries_on_forwarding(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("access-list OUTSIDE extended permit udp any any", "access-group OUTSIDE in interface outside")
    send = _stranger(net)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), raw=st.binary(max_size=80))
    def arrives(data, raw):
        frames = net.segments["outside"].frames
        send(_mutated(data) if data.draw(st.booleans()) else raw)
        net.run(0.01)
        assert net.segments["outside"].frames > frames
        assert net.unit.system is not None and net.unit.system.running()

    arrives()
    counted = net.term.cmd("show asp drop frame").splitlines()[1:]
    assert counted and all(re.fullmatch(r"  [A-Z][\w ]+?  +\d+", line) for line in counted), counted
    net.pc.stack.udp_send(5353, SERVER, 53, b"still here")
    net.run()
    assert ("udp", b"still here", (PC, 5353)) in net.received["server"]


def test_a_flood_beyond_the_connection_limit_is_dropped_and_the_connections_in_place_carry_on(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("class-map WEB", " match port tcp eq www", "policy-map global_policy", " class WEB",
                       "  set connection conn-max 3", "service-policy global_policy global")
    assert "policy-map global_policy\n class WEB\n  set connection conn-max 3\n" in net.term.cmd("show running-config")
    for port in range(40000, 40003):
        net.tcp(net.pc, SERVER, port, 80, SYN)
    net.tcp(net.server, PC, 80, 40000, SYN | ACK)
    net.tcp(net.pc, SERVER, 40000, 80, ACK)
    for port in range(41000, 41200):                                # the flood
        segment = Tcp(port, 80, 1, 1, SYN).encode(ip_bytes(PC), ip_bytes(SERVER))
        net.pc.stack.send_ip(SERVER, PROTO_TCP, segment)
    net.run()
    assert net.term.cmd("show conn").startswith("3 in use, 3 most used")
    assert ("%PIX-3-201011: Connection limit exceeded 3/3 for outbound packet from 192.168.1.50/41199 to "
            "172.16.1.50/80 on interface inside") in net.log()             # the last; the buffer keeps 4096 bytes
    assert "  Connection limit reached                                                   200\n" in \
        net.term.cmd("show asp drop flow")
    net.tcp(net.server, PC, 80, 40000, ACK | PSH, b"page")           # the established one carries on
    assert net.received["pc"][-1][1].payload == b"page"
    net.tcp(net.pc, SERVER, 22, 22, SYN)                            # another class of traffic is not limited
    net.tcp(net.pc, SERVER, 40001, 80, RST)                          # one goes, another may come
    net.tcp(net.pc, SERVER, 42000, 80, SYN)
    assert net.term.cmd("show conn").startswith("4 in use")
