"""`show local-host` and `clear local-host`, in virtual time through one unit: the hosts on each
interface rendered from the live connection and translation tables, per version family."""

from __future__ import annotations

from traffic import Net
from traffic import PAT

from vpix.net.packets import ACK, SYN


def _open(net, sport):
    net.tcp(net.pc, "172.16.1.50", sport, 80, SYN)
    net.tcp(net.server, "172.16.1.1", 80, 1024 + sport - 40000, SYN | ACK)
    net.tcp(net.pc, "172.16.1.50", sport, 80, ACK, b"GET / HTTP/1.0\r\n\r\n")


def test_each_interface_lists_its_hosts_with_their_translations_and_connections(tmp_path, images):
    net = Net(tmp_path, images)
    assert net.term.cmd("show local-host") == ("Interface outside: 0 active, 0 maximum active, 0 denied\n"
                                               "Interface inside: 0 active, 0 maximum active, 0 denied\n")
    net.term.configure(*PAT)
    _open(net, 40000)
    net.tcp(net.pc, "172.16.1.50", 40001, 80, SYN)           # embryonic
    out = net.term.cmd("show local-host")
    assert out == (
        "Interface outside: 1 active, 1 maximum active, 0 denied\n"
        "local host: <172.16.1.50>,\n"
        "    TCP flow count/limit = 2/unlimited\n"
        "    TCP embryonic count to host = 1\n"
        "    TCP intercept watermark = unlimited\n"
        "    UDP flow count/limit = 0/unlimited\n"
        "  Conn:\n"
        "    TCP outside 172.16.1.50:80 inside 192.168.1.50:40000, idle 0:00:01, bytes 18, flags UO\n"
        "    TCP outside 172.16.1.50:80 inside 192.168.1.50:40001, idle 0:00:00, bytes 0, flags saA\n"
        "Interface inside: 1 active, 1 maximum active, 0 denied\n"
        "local host: <192.168.1.50>,\n"
        "    TCP flow count/limit = 2/unlimited\n"
        "    TCP embryonic count to host = 0\n"
        "    TCP intercept watermark = unlimited\n"
        "    UDP flow count/limit = 0/unlimited\n"
        "  Xlate:\n"
        "    PAT Global 172.16.1.1(1024) Local 192.168.1.50(40000)\n"
        "    PAT Global 172.16.1.1(1025) Local 192.168.1.50(40001)\n"
        "  Conn:\n"
        "    TCP outside 172.16.1.50:80 inside 192.168.1.50:40000, idle 0:00:01, bytes 18, flags UO\n"
        "    TCP outside 172.16.1.50:80 inside 192.168.1.50:40001, idle 0:00:00, bytes 0, flags saA\n")
    one = net.term.cmd("show local-host 192.168.1.50 detail")
    assert "local host: <172.16.1.50>" not in one and "Interface outside: 1 active" in one
    assert "    TCP PAT from inside:192.168.1.50/40000 to outside:172.16.1.1/1024 flags ri\n" in one


def test_clear_local_host_ends_what_the_host_holds_and_keeps_the_peak(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure(*PAT)
    _open(net, 40000)
    net.add_host("pc2", "192.168.1.51", "inside").stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert net.term.cmd("show local-host").startswith("Interface outside: 1 active, 1 maximum active")
    assert "Interface inside: 2 active, 2 maximum active, 0 denied" in net.term.cmd("show local-host")
    assert net.term.cmd("clear local-host 192.168.1.50") == ""
    out = net.term.cmd("show local-host")
    assert "Interface inside: 1 active, 2 maximum active, 0 denied" in out
    assert "192.168.1.50" not in out and "local host: <192.168.1.51>," in out
    assert net.term.cmd("show xlate").splitlines()[1:] == ["PAT Global 172.16.1.1(1024) Local 192.168.1.51(5353)"]
    log = net.log()
    assert ("%PIX-6-302014: Teardown TCP connection 1 for outside:172.16.1.50/80 to inside:192.168.1.50/40000 "
            "duration 0:00:02 bytes 18 Connection cleared") in log
    assert "%PIX-6-305012: Teardown dynamic TCP translation from inside:192.168.1.50/40000 to outside:172.16.1.1/1024" in log
    net.term.cmd("clear local-host")
    assert net.term.cmd("show conn") == "0 in use, 2 most used\n"
    assert net.term.cmd("show local-host").startswith("Interface outside: 0 active, 1 maximum active, 0 denied\n")


def test_pix_6_words(tmp_path, images):
    config = ("hostname fw\nlogging on\nlogging buffered debugging\nip address outside 172.16.1.1 255.255.0.0\n"
              "ip address inside 192.168.1.1 255.255.255.0\n" + "\n".join(PAT) + "\n")
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config=config)
    _open(net, 40000)
    out = net.term.cmd("show local-host 192.168.1.50")
    assert ("local host: <192.168.1.50>,\n    TCP connection count/limit = 1/unlimited\n"
            "    TCP embryonic count = 0\n    TCP intercept watermark = unlimited\n"
            "    UDP connection count/limit = 0/unlimited\n  Xlate(s):\n"
            "    PAT Global 172.16.1.1(1024) Local 192.168.1.50(40000)\n  Conn(s):\n"
            "    TCP out 172.16.1.50:80 in 192.168.1.50:40000 idle 0:00:00 Bytes 18 flags UO\n") in out


def test_bad_addresses_are_refused(tmp_path, images):
    net = Net(tmp_path, images)
    out = net.term.cmd("show local-host 300.1.1.1")
    assert "ERROR: % Invalid input detected at '^' marker." in out


def _six_with_static(tmp_path, images, limits):
    """A PIX 6.3 unit publishing the PC as 172.16.1.60 with ``limits`` (max_conns emb_limit), web let in."""
    config = ("hostname fw\nlogging on\nlogging buffered debugging\nip address outside 172.16.1.1 255.255.0.0\n"
              "ip address inside 192.168.1.1 255.255.255.0\n"
              f"static (inside,outside) 172.16.1.60 192.168.1.50 netmask 255.255.255.255 {limits}\n"
              "access-list OUTSIDE permit tcp any host 172.16.1.60 eq www\naccess-group OUTSIDE in interface outside\n")
    return Net(tmp_path, images, image_key="pix-6.3(5)", config=config)


def test_a_static_limits_the_connections_of_its_host_and_a_flood_beyond_is_dropped(tmp_path, images):
    net = _six_with_static(tmp_path, images, "2 0")
    assert "static (inside,outside) 172.16.1.60 192.168.1.50 netmask 255.255.255.255 2 0" in \
        net.term.cmd("show running-config")
    for sport in (3000, 3001):
        net.tcp(net.server, "172.16.1.60", sport, 80, SYN)
        net.tcp(net.pc, "172.16.1.50", 80, sport, SYN | ACK)
        net.tcp(net.server, "172.16.1.60", sport, 80, ACK)
    for sport in range(3002, 3052):                      # a flood beyond the limit
        net.tcp(net.server, "172.16.1.60", sport, 80, SYN)
    assert net.term.cmd("show conn").startswith("2 in use")
    assert "%PIX-3-201002: Too many TCP connections on static 172.16.1.60! 0 2" in net.log()
    assert "    TCP connection count/limit = 2/2\n" in net.term.cmd("show local-host 192.168.1.50")
    before = len(net.received["pc"])
    net.tcp(net.server, "172.16.1.60", 3000, 80, ACK, b"still here")      # what was open carries on
    assert net.received["pc"][before:][0][1].payload == b"still here"


def test_7x_nat_limits_are_written_with_tcp(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("nat (inside) 1 0 0 tcp 3 5", "global (outside) 1 interface")
    assert "nat (inside) 1 0.0.0.0 0.0.0.0 tcp 3 5\n" in net.term.cmd("show running-config")
    for sport in range(40000, 40010):
        net.tcp(net.pc, "172.16.1.50", sport, 80, SYN)
    assert net.term.cmd("show conn").startswith("3 in use")
    assert "%PIX-3-201002: Too many TCP connections on xlate 172.16.1.1! 5 3" in net.log()
    assert "    TCP intercept watermark = 5\n" in net.term.cmd("show local-host 192.168.1.50")
    assert "ERROR: % Invalid input detected at '^' marker." in net.term.configure("nat (inside) 1 0 0 tcp 3 5 7")


def test_handshakes_beyond_the_embryonic_limit_are_dropped_until_one_completes(tmp_path, images):
    net = _six_with_static(tmp_path, images, "0 3")
    for sport in range(3000, 3010):                      # a SYN flood
        net.tcp(net.server, "172.16.1.60", sport, 80, SYN)
    assert net.term.cmd("show conn").startswith("3 in use")
    assert ("%PIX-2-201003: Embryonic limit exceeded 3/3 for 172.16.1.50/3003 (172.16.1.60) 192.168.1.50/80 "
            "on interface outside") in net.log()
    assert "    TCP embryonic count = 3\n    TCP intercept watermark = 3\n" in net.term.cmd("show local-host")
    net.tcp(net.pc, "172.16.1.50", 80, 3000, SYN | ACK)
    net.tcp(net.server, "172.16.1.60", 3000, 80, ACK)
    net.tcp(net.server, "172.16.1.60", 3020, 80, SYN)     # a handshake done makes room for one more
    assert net.term.cmd("show conn").startswith("4 in use")
