"""Traffic through one unit, in virtual time, between emulated hosts on its inside and outside
segments: security levels, the connection table with TCP state, idle timeouts, the syslog
messages, `show conn`, `show route` (parsed by ntc-templates), `timeout`."""

from __future__ import annotations

import pytest
from ntc_templates.parse import parse_output

from traffic import Net

from vpix.net.packets import ACK, FIN, RST, SYN

@pytest.fixture
def net(tmp_path, images):
    return Net(tmp_path, images)


def test_udp_out_and_its_answer_back(net):
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"question")
    net.run()
    assert net.received["server"] == [("udp", b"question", ("192.168.1.50", 5353))]
    net.server.stack.udp_send(53, "192.168.1.50", 5353, b"answer")
    net.run()
    assert net.received["pc"] == [("udp", b"answer", ("172.16.1.50", 53))]
    assert net.term.cmd("show conn") == ("1 in use, 1 most used\n"
                                         "UDP outside 172.16.1.50:53 inside 192.168.1.50:5353, idle 0:00:00, "
                                         "bytes 14, flags -\n")
    assert ("%PIX-6-302015: Built outbound UDP connection 1 for outside:172.16.1.50/53 (172.16.1.50/53) "
            "to inside:192.168.1.50/5353 (192.168.1.50/5353)") in net.log()


def test_udp_in_without_a_connection_is_denied(net):
    net.server.stack.udp_send(53, "192.168.1.50", 5353, b"unasked")
    net.run()
    assert net.received["pc"] == []
    assert ("%PIX-2-106006: Deny inbound UDP from 172.16.1.50/53 to 192.168.1.50/5353 on interface outside"
            in net.log())
    assert net.term.cmd("show conn") == "0 in use, 0 most used\n"


def test_tcp_state_through_the_handshake_data_and_fins(net):
    def flags():
        return net.term.cmd("show conn").splitlines()[1].rsplit("flags ", 1)[1]

    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    assert [r[1].flags for r in net.received["server"]] == [SYN]
    assert flags() == "saA"
    net.tcp(net.server, "192.168.1.50", 80, 40000, SYN | ACK)
    assert flags() == "A"
    net.tcp(net.pc, "172.16.1.50", 40000, 80, ACK)
    assert flags() == "U"
    net.tcp(net.pc, "172.16.1.50", 40000, 80, ACK, b"GET / HTTP/1.0\r\n\r\n")
    net.tcp(net.server, "192.168.1.50", 80, 40000, ACK, b"HTTP/1.0 200 OK\r\n\r\n")
    assert flags() == "UIO"
    net.tcp(net.pc, "172.16.1.50", 40000, 80, FIN | ACK)
    assert flags() == "UfIO"
    net.tcp(net.server, "192.168.1.50", 80, 40000, FIN | ACK)
    net.tcp(net.pc, "172.16.1.50", 40000, 80, ACK)
    assert net.term.cmd("show conn").startswith("0 in use, 1 most used")
    log = net.log()
    assert ("%PIX-6-302013: Built outbound TCP connection 1 for outside:172.16.1.50/80 (172.16.1.50/80) "
            "to inside:192.168.1.50/40000 (192.168.1.50/40000)") in log
    assert ("%PIX-6-302014: Teardown TCP connection 1 for outside:172.16.1.50/80 to inside:192.168.1.50/40000 "
            "duration 0:00:03 bytes 37 TCP FINs") in log


def test_inbound_tcp_is_denied_and_a_stray_segment_too(net):
    net.tcp(net.server, "192.168.1.50", 80, 40000, SYN)
    net.tcp(net.pc, "172.16.1.50", 40001, 80, ACK)
    assert net.received == {"pc": [], "server": []}
    log = net.log()
    assert ("%PIX-2-106001: Inbound TCP connection denied from 172.16.1.50/80 to 192.168.1.50/40000 flags SYN "
            "on interface outside") in log
    assert ("%PIX-6-106015: Deny TCP (no connection) from 192.168.1.50/40001 to 172.16.1.50/80 flags ACK "
            "on interface inside") in log


def test_a_reset_ends_the_connection(net):
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    net.tcp(net.server, "192.168.1.50", 80, 40000, RST | ACK)
    assert net.term.cmd("show conn").startswith("0 in use")
    assert "Teardown TCP connection 1 for outside:172.16.1.50/80 to inside:192.168.1.50/40000 duration 0:00:00 " \
           "bytes 0 TCP Reset-O" in net.log()


def test_idle_connections_time_out(net):
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run(31)
    assert net.term.cmd("show conn").splitlines()[1].startswith("UDP")      # the SYN was left unanswered
    assert "TCP Reset" not in net.log() and "SYN Timeout" in net.log()
    net.run(120)
    assert net.term.cmd("show conn").startswith("0 in use")
    assert "%PIX-6-302016: Teardown UDP connection 2 for outside:172.16.1.50/53 to inside:192.168.1.50/5353 " \
           "duration 0:02:0" in net.log()


def test_icmp_is_not_inspected_echo_replies_are_denied(net):
    replies = []
    net.pc.stack.ping("172.16.1.50", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies == [False]
    assert ("%PIX-3-106014: Deny inbound icmp src outside:172.16.1.50 dst inside:192.168.1.50 (type 0, code 0)"
            in net.log())


def test_the_far_interface_address_is_not_reachable_through_the_unit(net):
    replies = []
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.pc.stack.ping("172.16.1.1", 1, 1.0, replies.append)
    net.run(2.5)
    assert replies == [True, False]


def test_show_route_parses_with_ntc_templates(net):
    out = net.term.cmd("show route")
    assert "Gateway of last resort is 172.16.1.254 to network 0.0.0.0" in out
    routes = parse_output(platform="cisco_asa", command="show route", data=out)
    assert {(r["protocol"], r["network"], r["netmask"], r["nexthopip"], r["nexthopif"]) for r in routes} == {
        ("C", "172.16.0.0", "255.255.0.0", "", "outside"), ("C", "192.168.1.0", "255.255.255.0", "", "inside"),
        ("S", "0.0.0.0", "0.0.0.0", "172.16.1.254", "outside")}


def test_route_and_timeout_commands(net):
    term = net.term
    assert "ERROR: Inconsistent address and mask" in term.configure("route outside 10.1.1.1 255.255.255.0 172.16.1.9")
    assert "interface name \"dmz\" is not configured" in term.configure("route dmz 10.1.1.0 255.255.255.0 172.16.1.9")
    term.configure("route outside 10.1.1.0 255.255.255.0 172.16.1.9 2", "timeout conn 2:00:00 udp 0:05:00")
    config = term.cmd("show running-config")
    assert "route outside 10.1.1.0 255.255.255.0 172.16.1.9 2\n" in config
    assert "timeout conn 2:00:00 half-closed 0:10:00 udp 0:05:00 icmp 0:00:02\n" in config
    assert "ERROR: % Invalid input detected at '^' marker." in term.configure("timeout udp 0:00:10")
    assert "ERROR: % Invalid input detected at '^' marker." in term.configure("timeout nonsense 1:00:00")
    term.configure("no route outside 10.1.1.0 255.255.255.0 172.16.1.8")         # another gateway: kept
    assert "route outside 10.1.1.0" in term.cmd("show running-config")
    term.configure("no route outside 10.1.1.0 255.255.255.0 172.16.1.9", "route outside 10.2.0.0 255.255.0.0 172.16.1.9",
                   "no route outside 10.2.0.0 255.255.0.0")
    config = term.cmd("show running-config")
    assert "route outside 10.1.1.0" not in config and "route outside 10.2.0.0" not in config


def test_6x_needs_a_translation(tmp_path, images):
    config = ("hostname fw\nlogging on\nlogging buffered debugging\nip address outside 172.16.1.1 255.255.0.0\n"
              "ip address inside 192.168.1.1 255.255.255.0\n")
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config=config)
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"question")
    net.run()
    assert net.received["server"] == []
    assert ("%PIX-3-305005: No translation group found for udp src inside:192.168.1.50/5353 "
            "dst outside:172.16.1.50/53") in net.log()
    assert net.term.cmd("show route") == ("        outside 172.16.0.0 255.255.0.0 172.16.1.1 1 CONNECT static\n"
                                          "        inside 192.168.1.0 255.255.255.0 192.168.1.1 1 CONNECT static\n")


def test_an_access_list_lets_echo_replies_in_and_counts_hits(net):
    net.term.configure("access-list OUTSIDE extended permit icmp any any echo-reply",
                       "access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq 80",
                       "access-group OUTSIDE in interface outside")
    replies = []
    net.pc.stack.ping("172.16.1.50", 2, 1.0, replies.append)
    net.run(2.5)
    assert replies == [True, True]
    net.tcp(net.server, "192.168.1.50", 40000, 80, SYN)            # inbound, permitted
    net.tcp(net.server, "192.168.1.50", 40001, 22, SYN)            # inbound, the implicit deny
    assert [r[1].dport for r in net.received["pc"]] == [80]
    out = net.term.cmd("show access-list")
    assert "access-list OUTSIDE; 2 elements\n" in out
    assert "access-list OUTSIDE line 1 extended permit icmp any any echo-reply (hitcnt=2) 0x" in out
    assert "access-list OUTSIDE line 2 extended permit tcp any host 192.168.1.50 eq www (hitcnt=1) 0x" in out
    assert ('%PIX-4-106023: Deny tcp src outside:172.16.1.50/40001 dst inside:192.168.1.50/22 '
            'by access-group "OUTSIDE"') in net.log()
    config = net.term.cmd("show running-config")
    assert ("access-list OUTSIDE extended permit icmp any any echo-reply\n"
            "access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq www\n") in config
    assert "access-group OUTSIDE in interface outside\n" in config
    net.term.cmd("clear access-list OUTSIDE counters")
    assert "(hitcnt=2)" not in net.term.cmd("show access-list OUTSIDE")


def test_an_inside_access_list_restricts_outbound_traffic(net):
    net.term.configure("access-list INSIDE extended deny udp any any eq domain",
                       "access-list INSIDE extended permit ip any any", "access-group INSIDE in interface inside")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.pc.stack.udp_send(5353, "172.16.1.50", 5353, b"q")
    net.run()
    assert [r[2] for r in net.received["server"]] == [("192.168.1.50", 5353)]
    assert len(net.received["server"]) == 1


@pytest.mark.parametrize("line", [
    "access-list A permit ip any any",                      # 7.x wants extended
    "access-list A extended permit tcp any any eq nosuch",
    "access-list A extended permit ip 10.1.1.1 255.255.255.0 any",
    "access-list A extended allow ip any any",
    "access-list A extended permit icmp any any bogus",
    "access-list A extended permit ip any",
])
def test_bad_access_list_entries_change_nothing(net, line):
    before = net.unit.system.running_config()
    assert "ERROR: % Invalid input detected at '^' marker." in net.term.configure(line)
    assert net.unit.system.running_config() == before


def test_access_group_needs_the_list_and_remarks_stay_in_place(net):
    assert "ERROR: access-list <NONE> does not exist" in net.term.configure("access-group NONE in interface outside")
    net.term.configure("access-list A extended permit ip any any", "access-list A line 1 remark the first line")
    assert "ERROR: % Invalid input detected at '^' marker." in net.term.configure("no access-list A extended")
    net.term.configure("no access-list A extended permit ip any any")
    assert "access-list A remark the first line\n" in net.term.cmd("show running-config")
    net.term.configure("no access-list A")
    assert "access-list A" not in net.term.cmd("show running-config")


def test_show_access_list_on_8x_parses_with_ntc_templates(tmp_path, images):
    net = Net.asa(tmp_path, images)
    net.term.configure("access-list OUTSIDE extended permit tcp any host 192.168.1.50 range 8000 8080",
                       "access-list OUTSIDE extended deny ip host 172.16.9.9 any log",
                       "access-group OUTSIDE in interface outside")
    rows = parse_output(platform="cisco_asa", command="show access-list", data=net.term.cmd("show access-list"))
    entries = [r for r in rows if r["line_num"]]
    assert [(r["action"], r["dst_port_range_start"], r["src_host"], r["hit_count"]) for r in entries] == [
        ("permit", "8000", "", "0"), ("deny", "", "172.16.9.9", "0")]


def test_6x_access_lists_have_no_extended_keyword(tmp_path, images):
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config="hostname fw\n")
    net.term.configure("access-list 101 permit tcp any host 10.1.1.1 eq telnet", "access-group 101 in interface outside")
    assert "access-list 101 permit tcp any host 10.1.1.1 eq telnet\naccess-group 101 in interface outside" \
        not in net.term.cmd("show running-config")       # other lines stand between them
    config = net.term.cmd("show running-config")
    assert "access-list 101 permit tcp any host 10.1.1.1 eq telnet\n" in config
    assert "access-group 101 in interface outside\n" in config
    assert "access-list 101 line 1 permit tcp any host 10.1.1.1 eq telnet (hitcnt=0)\n" in net.term.cmd("show access-list")


def test_show_arp_parses_with_ntc_templates(net):
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run(3)
    out = net.term.cmd("show arp")
    rows = parse_output(platform="cisco_asa", command="show arp", data=out)
    assert {(r["interface"], r["ip_address"], r["mac_address"]) for r in rows} == {
        ("inside", "192.168.1.50", "0050.5600.0001"), ("outside", "172.16.1.50", "0050.5600.0002")}
    assert all(int(r["age"]) <= 3 for r in rows)


def test_an_access_list_keeps_one_of_each_entry_and_forgets_a_removed_one(tmp_path, images):
    net = Net(tmp_path, images)
    entry = "access-list in extended permit tcp any host 192.168.1.50 eq www"
    net.term.configure(entry, entry, "access-list in extended permit tcp any any eq ftp",
                       "access-list in remark web first", "access-list in line 1 extended deny ip any any")
    shown = [line for line in net.unit.system.running_config() if line.startswith("access-list in ")]
    assert shown == ["access-list in extended deny ip any any", entry,
                     "access-list in extended permit tcp any any eq ftp", "access-list in remark web first"]
    net.term.configure(f"no {entry}", "no access-list in remark web first", entry)
    shown = [line for line in net.unit.system.running_config() if line.startswith("access-list in ")]
    assert shown == ["access-list in extended deny ip any any", "access-list in extended permit tcp any any eq ftp",
                     entry]
