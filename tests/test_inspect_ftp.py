"""FTP inspection through one unit, in virtual time: the data connection a control connection
announces gets through (a pinhole) where the policy alone would refuse it, and when the
announcing end is translated the announcement is restated with the mapped address, the
sequence numbers of the rest of the control connection following the change in length.
7.x configures it with the modular policy framework, 6.x with `fixup protocol ftp`."""

from __future__ import annotations

import pytest
from traffic import Net

from vpix.net.packets import ACK, PROTO_TCP, PSH, SYN, Tcp, ip_bytes

POLICY = ("class-map inspection_default", "match default-inspection-traffic", "exit",
          "policy-map global_policy", "class inspection_default", "inspect ftp", "exit", "exit",
          "service-policy global_policy global")
PUBLISHED = ("static (inside,outside) 172.16.1.80 192.168.1.50 netmask 255.255.255.255",
             "access-list OUTSIDE extended permit tcp any host 172.16.1.80 eq ftp",
             "access-group OUTSIDE in interface outside")


def send(net, host, dst, sport, dport, flags, payload=b"", seq=1000, ack=1000):
    segment = Tcp(sport, dport, seq, ack, flags, payload)
    host.stack.send_ip(dst, PROTO_TCP, segment.encode(ip_bytes(host.stack.address), ip_bytes(dst)))
    net.run()


def control(net, client, server_address, server):
    """The three-way handshake of an FTP control connection from ``client`` to port 21."""
    send(net, client, server_address, 40000, 21, SYN)
    send(net, server, client.stack.address if client is net.pc else "172.16.1.50", 21, 40000, SYN | ACK)


@pytest.fixture
def net(tmp_path, images):
    return Net(tmp_path, images)


def test_a_passive_transfer_from_a_published_server_gets_its_data_port(net):
    """The lesson of the seed's inbound FTP: the ACL opens port 21 only; inspection opens the
    passive data port the server chose, and says where it is in mapped terms."""
    net.term.configure(*PUBLISHED, *POLICY)
    send(net, net.server, "172.16.1.80", 40000, 21, SYN)
    send(net, net.pc, "172.16.1.50", 21, 40000, SYN | ACK)
    send(net, net.pc, "172.16.1.50", 21, 40000, ACK | PSH, b"227 Entering Passive Mode (192,168,1,50,195,80).\r\n")
    assert net.received["server"][-1][1].payload == b"227 Entering Passive Mode (172,16,1,80,195,80).\r\n"
    send(net, net.server, "172.16.1.80", 40001, 50000, SYN)
    assert [(r[1].dport, r[1].flags) for r in net.received["pc"]][-1] == (50000, SYN)
    assert net.term.cmd("show conn").startswith("2 in use")
    send(net, net.server, "172.16.1.80", 40002, 50001, SYN)          # no other port is open
    assert net.received["pc"][-1][1].dport == 50000
    assert 'Deny tcp src outside:172.16.1.50/40002 dst inside:172.16.1.80/50001 by access-group "OUTSIDE"' in net.log()


def test_without_inspection_the_data_port_stays_shut(net):
    net.term.configure(*PUBLISHED)
    send(net, net.server, "172.16.1.80", 40000, 21, SYN)
    send(net, net.pc, "172.16.1.50", 21, 40000, SYN | ACK)
    send(net, net.pc, "172.16.1.50", 21, 40000, ACK | PSH, b"227 Entering Passive Mode (192,168,1,50,195,80).\r\n")
    assert net.received["server"][-1][1].payload == b"227 Entering Passive Mode (192,168,1,50,195,80).\r\n"
    send(net, net.server, "172.16.1.80", 40001, 50000, SYN)
    assert [r[1].dport for r in net.received["pc"]] == [21]


def test_active_mode_behind_pat_restates_port_and_keeps_sequence_numbers_right(net):
    net.term.configure("nat (inside) 1 0 0", "global (outside) 1 interface", *POLICY)
    send(net, net.pc, "172.16.1.50", 40000, 21, SYN, seq=100)
    send(net, net.server, "172.16.1.1", 21, 1024, SYN | ACK, seq=5000, ack=101)
    command = b"PORT 192,168,1,50,200,10\r\n"
    send(net, net.pc, "172.16.1.50", 40000, 21, ACK | PSH, command, seq=101, ack=5001)
    got = net.received["server"][-1][1]
    assert got.payload == b"PORT 172,16,1,1,4,1\r\n"                 # PAT port 1025 for the data port
    grew = len(got.payload) - len(command)
    send(net, net.pc, "172.16.1.50", 40000, 21, ACK | PSH, b"RETR file\r\n", seq=101 + len(command), ack=5001)
    assert net.received["server"][-1][1].seq == 101 + len(got.payload)
    send(net, net.server, "172.16.1.1", 21, 1024, ACK, seq=5001, ack=101 + len(got.payload) + 11)
    assert net.received["pc"][-1][1].ack == 101 + len(command) + 11
    assert grew < 0
    send(net, net.server, "172.16.1.1", 20, 1025, SYN)              # the server connects back
    assert [(r[1].sport, r[1].dport, r[1].flags) for r in net.received["pc"]][-1] == (20, 51210, SYN)
    assert "PAT Global 172.16.1.1(1025) Local 192.168.1.50(51210)" in net.term.cmd("show xlate")


def test_extended_passive_mode_through_pat_to_an_outside_server(net):
    net.term.configure("nat (inside) 1 0 0", "global (outside) 1 interface", *POLICY)
    send(net, net.pc, "172.16.1.50", 40000, 21, SYN)
    send(net, net.server, "172.16.1.1", 21, 1024, SYN | ACK)
    send(net, net.server, "172.16.1.1", 21, 1024, ACK | PSH, b"229 Entering Extended Passive Mode (|||40123|)\r\n")
    assert net.received["pc"][-1][1].payload == b"229 Entering Extended Passive Mode (|||40123|)\r\n"
    send(net, net.pc, "172.16.1.50", 40001, 40123, SYN)              # outbound anyway: it passes
    assert net.received["server"][-1][1].dport == 40123


def test_the_policy_renders_as_the_device_writes_it(net):
    net.term.configure("policy-map type inspect dns preset_dns_map", "parameters", "message-length maximum 512",
                       "exit", "exit", *POLICY[:5], "inspect dns preset_dns_map", "inspect ftp", "exit", "exit",
                       POLICY[-1])
    config = net.term.cmd("show running-config")
    assert ("class-map inspection_default\n match default-inspection-traffic\n"
            "policy-map type inspect dns preset_dns_map\n parameters\n  message-length maximum 512\n"
            "policy-map global_policy\n class inspection_default\n  inspect dns preset_dns_map\n  inspect ftp\n"
            "service-policy global_policy global\n") in config


@pytest.mark.parametrize("lines, error", [
    (("policy-map p", "class nosuch"), "ERROR: class-map nosuch does not exist"),
    (("class-map c", "match everything"), "ERROR: % Invalid input detected at '^' marker."),
    (("service-policy nosuch global",), "ERROR: policy-map nosuch does not exist"),
    (("class-map c", "exit", "policy-map p", "class c", "inspect gopher"),
     "ERROR: % Invalid input detected at '^' marker."),
])
def test_bad_policy_lines_are_refused(net, lines, error):
    assert error in net.term.configure(*lines)


def test_6x_fixup_protocol_ftp_on_by_default_and_off_when_asked(tmp_path, images):
    config = ("hostname fw\nlogging on\nlogging buffered debugging\nip address outside 172.16.1.1 255.255.0.0\n"
              "ip address inside 192.168.1.1 255.255.255.0\n"
              "static (inside,outside) 172.16.1.80 192.168.1.50 netmask 255.255.255.255 0 0\n"
              "access-list 101 permit tcp any host 172.16.1.80 eq ftp\naccess-group 101 in interface outside\n")
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config=config)
    assert "fixup protocol ftp 21\n" in net.term.cmd("show running-config")
    for port in (40000, 40100):
        send(net, net.server, "172.16.1.80", port, 21, SYN)
        send(net, net.pc, "172.16.1.50", 21, port, SYN | ACK)
        send(net, net.pc, "172.16.1.50", 21, port, ACK | PSH, b"227 Entering Passive Mode (192,168,1,50,195,80)\r\n")
        send(net, net.server, "172.16.1.80", port + 1, 50000, SYN)
        net.term.configure("no fixup protocol ftp")
    assert [r[1].dport for r in net.received["pc"]] == [21, 50000, 21]
    assert "no fixup protocol ftp 21\n" in net.term.cmd("show running-config")
    net.term.configure("fixup protocol ftp 2121", "fixup protocol ftp 21")
    assert "fixup protocol ftp 2121\nfixup protocol ftp 21\nfixup protocol h323 h225 1720\n" in \
        net.term.cmd("show running-config")
    assert "Usage:" in net.term.configure("fixup protocol ftp 21 2121")


@pytest.mark.parametrize("passive", [True, False])
def test_a_unit_copies_by_ftp_through_another_with_inspection(net, tmp_path, images, passive):
    """The seed's FTP through the firewall, with a unit as the client: `copy ftp://…` on a unit
    outside fetches from a server published behind the unit under test, in passive mode (the
    data port opened by inspection) and active mode (the server connects back from inside)."""
    from conftest import Terminal, host_key

    from vpix.hardware import unitdir
    from vpix.net.apps import FtpServer
    from vpix.unit import Unit

    net.term.configure(*(line.replace("192.168.1.50", "192.168.1.70") for line in PUBLISHED), *POLICY)
    files = {"notes.txt": b"through the firewall\n" * 3000}
    FtpServer(net.add_host("ftp", "192.168.1.70", "inside").tcp, files)
    unitdir.create(tmp_path / "client", "PIX-515E", image=images["pix-7.2(1)"], host_key=host_key(),
                   startup_config="hostname client\ninterface Ethernet0\n nameif outside\n security-level 0\n"
                                  " ip address 172.16.1.60 255.255.0.0\n no shutdown\n"
                                  + ("ftp mode passive\n" if passive else ""))
    client = Unit(tmp_path / "client", net.clock)
    net.segments["outside"].attach(client.ports[0])
    term = Terminal(client)
    client.power_on()
    net.run(1)
    term.cmd("enable")
    term.cmd("")
    said = term.type("copy /noconfirm ftp://172.16.1.80/notes.txt flash:/notes.txt\n")
    net.run(5)
    assert "bytes copied in" in said + term.read()
    assert client.flash.read("notes.txt") == files["notes.txt"]
