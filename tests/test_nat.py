"""Address translation through one unit, in virtual time: PAT and dynamic NAT for the inside,
statics for servers reached from outside, exemption (`nat 0 access-list`), NAT control,
translation timeouts, `show xlate` (its detail layout parsed by ntc-templates), `clear xlate`,
and the packets leaving with correct checksums."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, strategies as st
from traffic import PAT, Net

from vpix.net.packets import (ACK, PROTO_TCP, PROTO_UDP, SYN, IcmpEcho, IPv4, Tcp, Udp, checksum, ip_bytes,
                              readdress)



@pytest.fixture
def net(tmp_path, images):
    return Net(tmp_path, images)


def test_pat_to_the_interface_address(net):
    assert "INFO: outside interface address added to PAT pool" in net.term.configure(*PAT)
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"question")
    net.run()
    assert net.received["server"] == [("udp", b"question", ("172.16.1.1", 1024))]      # checksum checked
    net.server.stack.udp_send(53, "172.16.1.1", 1024, b"answer")
    net.run()
    assert net.received["pc"] == [("udp", b"answer", ("172.16.1.50", 53))]
    assert net.term.cmd("show xlate") == "1 in use, 1 most used\nPAT Global 172.16.1.1(1024) Local 192.168.1.50(5353)\n"
    log = net.log()
    assert "%PIX-6-305011: Built dynamic UDP translation from inside:192.168.1.50/5353 to outside:172.16.1.1/1024" in log
    assert ("%PIX-6-302015: Built outbound UDP connection 1 for outside:172.16.1.50/53 (172.16.1.50/53) "
            "to inside:192.168.1.50/5353 (172.16.1.1/1024)") in log


def test_pat_gives_each_flow_its_own_port_and_tcp_checksums_hold(net):
    net.term.configure(*PAT)
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    net.tcp(net.pc, "172.16.1.50", 40001, 80, SYN)
    seen = [(r[1].sport, r[2]) for r in net.received["server"]]
    assert seen == [(1024, "172.16.1.1"), (1025, "172.16.1.1")]
    net.tcp(net.server, "172.16.1.1", 80, 1025, SYN | ACK)
    assert [(r[1].dport, r[1].flags) for r in net.received["pc"]] == [(40001, SYN | ACK)]
    assert net.term.cmd("show xlate").splitlines()[0] == "2 in use, 2 most used"


def test_an_unsolicited_packet_to_the_pat_address_goes_nowhere(net):
    net.term.configure(*PAT)
    net.server.stack.udp_send(53, "172.16.1.1", 1024, b"hello?")
    net.run()
    assert net.received["pc"] == []


def test_dynamic_nat_from_a_pool_then_pat_when_it_runs_out(net):
    net.term.configure("nat (inside) 1 192.168.1.0 255.255.255.0", "global (outside) 1 172.16.1.100-172.16.1.100",
                       "global (outside) 1 172.16.1.200")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"][0][2] == ("172.16.1.100", 5353)
    other = net.add_host("pc2", "192.168.1.51", "inside")
    other.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"][1][2] == ("172.16.1.200", 1024)
    assert net.term.cmd("show xlate") == ("2 in use, 2 most used\nGlobal 172.16.1.100 Local 192.168.1.50\n"
                                          "PAT Global 172.16.1.200(1024) Local 192.168.1.51(5353)\n")
    assert "%PIX-6-305009: Built dynamic translation from inside:192.168.1.50 to outside:172.16.1.100" in net.log()
    net.server.stack.udp_send(53, "172.16.1.100", 7, b"in")         # no connection: the outside is denied
    net.run()
    assert net.received["pc"] == []


def test_a_static_publishes_an_inside_server(net):
    net.term.configure("static (inside,outside) 172.16.1.80 192.168.1.50 netmask 255.255.255.255",
                       "access-list OUTSIDE extended permit tcp any host 172.16.1.80 eq www",
                       "access-group OUTSIDE in interface outside")
    net.tcp(net.server, "172.16.1.80", 40000, 80, SYN)
    assert [(r[1].dport, r[2]) for r in net.received["pc"]] == [(80, "172.16.1.50")]
    net.tcp(net.pc, "172.16.1.50", 80, 40000, SYN | ACK)
    assert [(r[1].sport, r[1].flags, r[2]) for r in net.received["server"]] == [(80, SYN | ACK, "172.16.1.80")]
    assert net.received["server"][0][1].dport == 40000
    assert ("%PIX-6-302013: Built inbound TCP connection 1 for outside:172.16.1.50/40000 (172.16.1.50/40000) "
            "to inside:192.168.1.50/80 (172.16.1.80/80)") in net.log()
    assert net.term.cmd("show xlate") == "1 in use, 1 most used\nGlobal 172.16.1.80 Local 192.168.1.50\n"


def test_static_pat_on_the_interface_address(net):
    net.term.configure("static (inside,outside) tcp interface www 192.168.1.50 8080 netmask 255.255.255.255",
                       "access-list OUTSIDE extended permit tcp any host 172.16.1.1 eq www",
                       "access-group OUTSIDE in interface outside")
    net.tcp(net.server, "172.16.1.1", 40000, 80, SYN)
    assert [r[1].dport for r in net.received["pc"]] == [8080]
    assert "static (inside,outside) tcp interface www 192.168.1.50 8080 netmask 255.255.255.255\n" in \
        net.term.cmd("show running-config")
    assert net.term.cmd("show xlate").splitlines()[1] == "PAT Global 172.16.1.1(80) Local 192.168.1.50(8080)"


def test_icmp_echo_through_pat(net):
    net.term.configure(*PAT, "access-list OUTSIDE extended permit icmp any any echo-reply",
                       "access-group OUTSIDE in interface outside")
    replies = []
    net.pc.stack.ping("172.16.1.50", 2, 1.0, replies.append)
    net.run(2.5)
    assert replies == [True, True]
    assert net.term.cmd("show xlate").splitlines()[1].startswith("PAT Global 172.16.1.1(1024) Local 192.168.1.50(")


def test_pat_translations_time_out_30_seconds_after_their_last_connection(net):
    net.term.configure(*PAT, "timeout udp 0:01:00")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run(60.5)
    assert net.term.cmd("show conn").startswith("0 in use")
    assert net.term.cmd("show xlate").startswith("1 in use")
    net.run(30)
    assert net.term.cmd("show xlate").startswith("0 in use, 1 most used")
    assert ("%PIX-6-305012: Teardown dynamic UDP translation from inside:192.168.1.50/5353 to "
            "outside:172.16.1.1/1024 duration 0:01:3") in net.log()


def test_clear_xlate_ends_the_connections_through_them(net):
    net.term.configure(*PAT, "static (inside,outside) 172.16.1.81 192.168.1.81 netmask 255.255.255.255")
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    net.term.cmd("clear xlate")
    assert net.term.cmd("show conn").startswith("0 in use")
    assert net.term.cmd("show xlate") == "1 in use, 2 most used\nGlobal 172.16.1.81 Local 192.168.1.81\n"
    log = net.log()
    assert "Teardown TCP connection 1 for outside:172.16.1.50/80 to inside:192.168.1.50/40000 duration" in log
    assert "Xlate Clear" in log and "%PIX-6-305012: Teardown dynamic TCP translation" in log


def test_show_xlate_detail_gives_each_translation_its_flags(net):
    net.term.configure("nat (inside) 1 192.168.1.0 255.255.255.0", "global (outside) 1 172.16.1.100-172.16.1.110",
                       "global (outside) 2 interface", "nat (inside) 2 192.168.1.51 255.255.255.255",
                       "static (inside,outside) 172.16.1.80 192.168.1.80 netmask 255.255.255.255")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.add_host("pc2", "192.168.1.51", "inside").stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.term.cmd("show xlate detail") == (
        "3 in use, 3 most used\n"
        "Flags: D - DNS, d - dump, I - identity, i - dynamic, n - no random,\n"
        "       o - outside, r - portmap, s - static\n"
        "NAT from inside:192.168.1.80 to outside:172.16.1.80 flags s\n"
        "NAT from inside:192.168.1.50 to outside:172.16.1.100 flags i\n"
        "UDP PAT from inside:192.168.1.51/5353 to outside:172.16.1.1/1024 flags ri\n")


def test_exemption_lets_traffic_through_untranslated_both_ways(net):
    """The seed's configuration: nat 0 with an access list, and the same list inbound."""
    net.term.configure("access-list 101 extended permit ip any any", "nat (inside) 0 access-list 101",
                       "access-group 101 in interface outside", "nat-control")
    net.tcp(net.server, "192.168.1.50", 40000, 21, SYN)
    assert [(r[1].dport, r[2]) for r in net.received["pc"]] == [(21, "172.16.1.50")]
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"][-1][2] == ("192.168.1.50", 5353)
    assert net.term.cmd("show xlate").startswith("0 in use")


def test_nat_control_on_7x_wants_a_rule_each_way(net):
    net.term.configure("nat-control", "access-list OUTSIDE extended permit tcp any any",
                       "access-group OUTSIDE in interface outside")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.tcp(net.server, "192.168.1.50", 40000, 80, SYN)
    assert net.received == {"pc": [], "server": []}
    log = net.log()
    assert "%PIX-3-305005: No translation group found for udp src inside:192.168.1.50/5353 dst outside:172.16.1.50/53" \
        in log
    assert "%PIX-3-305005: No translation group found for tcp src outside:172.16.1.50/40000 dst inside:192.168.1.50/80" \
        in log
    assert "nat-control\n" in net.term.cmd("show running-config")
    net.term.configure("no nat-control")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"][0][2] == ("192.168.1.50", 5353)


def test_a_nat_rule_without_a_global_on_the_way_out_drops(net):
    net.term.configure("nat (inside) 1 0 0", "global (outside) 2 interface")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"] == []
    assert "305005: No translation group found for udp src inside:192.168.1.50/5353" in net.log()


def test_6x_renders_its_own_way_and_the_rules_survive_a_reload(tmp_path, images):
    config = ("hostname fw\nlogging on\nlogging buffered debugging\nip address outside 172.16.1.1 255.255.0.0\n"
              "ip address inside 192.168.1.1 255.255.255.0\n")
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config=config)
    answer = net.term.configure(*PAT, "static (inside,outside) 172.16.1.80 192.168.1.80 netmask 255.255.255.255")
    assert "outside interface address added to PAT pool" in answer and "INFO" not in answer
    config = net.term.cmd("show running-config")
    assert ("global (outside) 1 interface\nnat (inside) 1 0.0.0.0 0.0.0.0 0 0\n"
            "static (inside,outside) 172.16.1.80 192.168.1.80 netmask 255.255.255.255 0 0\n") in config
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.received["server"] == [("udp", b"q", ("172.16.1.1", 1024))]
    assert "Type help or '?' for a list of available commands." in net.term.configure("nat-control")
    net.term.cmd("write memory")
    net.unit.reload()
    net.run(1)
    net.term.cmd("enable")
    net.term.cmd("")
    assert net.term.cmd("show running-config") == config


@pytest.mark.parametrize("line, error", [
    ("nat (inside) 1 10.0.0.1 255.0.0.0", "ERROR: Inconsistent address and mask"),
    ("nat (dmz) 1 0 0", 'ERROR: interface name "dmz" is not configured'),
    ("nat inside 1 0 0", "ERROR: % Invalid input detected at '^' marker."),
    ("nat (inside) 1 access-list 101", "ERROR: % Invalid input detected at '^' marker."),
    ("global (outside) 1 172.16.1.20-172.16.1.10", "ERROR: Global range 172.16.1.20-172.16.1.10 is not valid"),
    ("global (outside,inside) 1 interface", "ERROR: % Invalid input detected at '^' marker."),
    ("static (inside) 172.16.1.80 192.168.1.80", "ERROR: % Invalid input detected at '^' marker."),
    ("static (inside,outside) tcp 172.16.1.80 nosuch 192.168.1.80 80", "ERROR: % Invalid input detected at '^' marker."),
    ("static (inside,outside) 172.16.1.80 192.168.1.0 netmask 255.255.255.0", "ERROR: Inconsistent address and mask"),
])
def test_bad_translation_rules_change_nothing(net, line, error):
    before = net.unit.system.running_config()
    assert error in net.term.configure(line)
    assert net.unit.system.running_config() == before


def test_a_second_static_for_a_mapped_address_is_refused(net):
    net.term.configure("static (inside,outside) 172.16.1.80 192.168.1.80 netmask 255.255.255.255")
    before = net.unit.system.running_config()
    assert "ERROR: mapped-address conflict with existing static" in net.term.configure(
        "static (inside,outside) 172.16.1.80 192.168.1.81 netmask 255.255.255.255")
    assert net.unit.system.running_config() == before
    net.term.configure("no static (inside,outside) 172.16.1.80 192.168.1.80 netmask 255.255.255.255")
    assert "static" not in net.term.cmd("show running-config")


# ---------------------------------------------------------------- rewriting packets

addresses = st.binary(min_size=4, max_size=4)
ports = st.integers(0, 65535)


@given(addresses, ports, addresses, ports, addresses, ports, addresses, ports, st.binary(max_size=64),
       st.sampled_from([PROTO_TCP, PROTO_UDP]))
def test_a_readdressed_packet_has_valid_checksums(src, sport, dst, dport, new_src, new_sport, new_dst, new_dport,
                                                  payload, proto):
    if proto == PROTO_TCP:
        l4 = Tcp(sport, dport, 1, 2, ACK, payload).encode(src, dst)
    else:
        l4 = Udp(sport, dport, payload).encode(src, dst)
    out = IPv4.decode(readdress(IPv4(src, dst, proto, l4).encode(), new_src, new_sport, new_dst, new_dport))
    assert (out.src, out.dst) == (new_src, new_dst)
    assert struct.unpack("!HH", out.payload[:4]) == (new_sport, new_dport)
    pseudo = new_src + new_dst + struct.pack("!BBH", 0, proto, len(out.payload))
    assert checksum(pseudo + out.payload) == 0


@given(ports, ports, st.sampled_from([0, 8]))
def test_a_readdressed_echo_keeps_a_valid_checksum(ident, new, kind):
    echo = IcmpEcho(kind, ident, 1, b"x" * 9).encode()
    src, dst = ip_bytes("10.0.0.1"), ip_bytes("10.0.0.2")
    out = IPv4.decode(readdress(IPv4(src, dst, 1, echo).encode(), src, new, dst, new))
    assert IcmpEcho.decode(out.payload).ident == new
