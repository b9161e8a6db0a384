"""The state link of a 7.x pair, in virtual time: live Logical Update Statistics, ARP entries
replicated as the active unit learns them and in bulk when the standby becomes ready, send
errors while the link is down, the state link shared with the failover link, bad updates."""

from __future__ import annotations

import re

import pytest

from helpers.failover import on_standby
from helpers.pairs import STATE, add_startup, lan_pair, ping, server_outside, with_state_link

from vpix.failover import messages
from vpix.features.failover.stateful import ARP, SYS_CMD, TCP_CONN
from vpix.features.failover import FailoverConfig

@pytest.fixture
def stateful(tmp_path, images):
    pair = with_state_link(lan_pair(tmp_path, images))
    pair.boot()
    pair.run(10)
    return pair


def _statistics(out: str) -> dict[str, list[int]]:
    """`show failover`'s Stateful Obj lines: name -> [xmit, xerr, rcv, rerr]."""
    rows = {}
    for line in out[out.index("Stateful Obj"):].splitlines()[1:]:
        match = re.match(r"^        (\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if match is None:
            break
        rows[match[1]] = [int(match[i]) for i in range(2, 6)]
    return rows


def _stateful(pair, role):
    return pair.units[role].system.feature(FailoverConfig).runtime.stateful


def test_show_failover_counts_what_the_state_link_carries(stateful):
    out = stateful.enable("primary").cmd("show failover")
    assert "        Link : state Ethernet2 (up)" in out
    rows = _statistics(out)
    assert rows["sys cmd"][0] > 0 and rows["sys cmd"][2] > 0 and rows["sys cmd"][1] == rows["sys cmd"][3] == 0
    assert rows["General"] == [sum(row[i] for name, row in rows.items() if name != "General") for i in range(4)]
    queues = out[out.index("Logical Update Queue Information"):]
    assert re.search(rf"Xmit Q:\s+0\s+1\s+{rows['General'][0]}\n", queues)
    stateful.run(10)
    assert _statistics(stateful.terms["primary"].cmd("show failover"))["sys cmd"][0] > rows["sys cmd"][0]


def test_arp_entries_the_active_learns_reach_the_standby(stateful):
    assert ping(stateful, "192.168.1.1")
    host_mac = stateful.host.port.mac
    standby = stateful.units["secondary"].system
    inside = standby.feature(FailoverConfig).runtime.interfaces.by_name("inside")
    assert standby.feature(FailoverConfig).runtime.interfaces.stations.stacks[inside.index].arp["192.168.1.50"] == host_mac
    assert _stateful(stateful, "primary").counters[ARP].xmit >= 1
    sent = _stateful(stateful, "primary").counters[ARP].xmit
    assert _statistics(stateful.enable("secondary").cmd("show failover"))["ARP tbl"] == [0, 0, sent, 0]


def test_a_standby_that_becomes_ready_gets_the_arp_table_in_bulk(stateful):
    assert ping(stateful, "192.168.1.1")
    stateful.units["secondary"].reload()
    stateful.run(15)
    assert stateful.machine("secondary").state == "Standby Ready"
    runtime = stateful.units["secondary"].system.feature(FailoverConfig).runtime
    inside = runtime.interfaces.by_name("inside")
    assert "192.168.1.50" in runtime.interfaces.stations.stacks[inside.index].arp
    assert _stateful(stateful, "primary").counters[ARP].xmit >= 2


def test_the_new_active_answers_from_the_replicated_arp_table(stateful):
    assert ping(stateful, "192.168.1.1")
    stateful.units["primary"].power_off()
    stateful.run(5)
    assert stateful.machine("secondary").state == "Active"
    stateful.sniffed.clear()
    replies = []
    runtime = stateful.units["secondary"].system.feature(FailoverConfig).runtime
    stack = runtime.interfaces.stations.stack(runtime.interfaces.by_name("inside"))
    stack.ping("192.168.1.50", 1, 1.0, replies.append)
    stateful.run(1.5)
    assert replies == [True]
    requests = [frame for frame in stateful.sniffed if frame[12:14] == b"\x08\x06" and frame[21] == 1]
    assert not [frame for frame in requests if frame[28:32] != frame[38:42]]   # none but gratuitous ones


def test_updates_that_cannot_be_sent_are_xerr(stateful):
    stateful.units["primary"].ports[2].plug(False)
    before = _stateful(stateful, "primary").counters[SYS_CMD].xerr
    stateful.run(5)
    out = stateful.enable("primary").cmd("show failover")
    assert "        Link : state Ethernet2 (down)" in out
    assert _statistics(out)["sys cmd"][1] > before
    assert stateful.machine("primary").state == "Active" and stateful.machine("secondary").state == "Standby Ready"


def test_the_state_link_can_share_the_failover_link(tmp_path, images):
    pair = lan_pair(tmp_path, images)
    add_startup(pair, "primary", "failover link failover\n")
    pair.boot()
    pair.run(10)
    out = pair.enable("primary").cmd("show failover")
    assert "        Link : failover Ethernet3 (up)" in out
    assert _statistics(out)["sys cmd"][2] > 0


@pytest.mark.parametrize("body, counted", [
    ({"kind": 7}, "malformed"), ({"kind": ARP, "records": "x"}, "malformed"), ({"records": []}, "malformed"),
    ({"kind": ARP, "records": [["inside", "999.1.1.1", "0050.5600.0001"]]}, "rerr"),
    ({"kind": ARP, "records": [[1]]}, "rerr"), ({"kind": "nonsense", "records": [1, 2]}, "rerr")])
def test_bad_updates_are_counted_and_change_nothing(stateful, body, counted):
    """An update the wire format cannot read is dropped as malformed; one it can read whose
    records cannot be applied counts as a receive error (rerr)."""
    runtime = stateful.runtime("secondary")
    inside = runtime.interfaces.by_name("inside")
    before = dict(runtime.interfaces.stations.stacks[inside.index].arp)
    errors, malformed = _stateful(stateful, "secondary").total().rerr, runtime.endpoint.dropped["malformed"]
    sender = stateful.runtime("primary").stateful.endpoint
    sender.seq += 1
    runtime.received(messages.frame(messages.TYPE_IDS[messages.Update], body, sender.epoch, sender.seq,
                                    sender.pairing.mine, sender.pairing.mate, sender.key))
    after = _stateful(stateful, "secondary").total().rerr, runtime.endpoint.dropped["malformed"]
    assert after == ((errors + len(body["records"]), malformed) if counted == "rerr" else (errors, malformed + 1))
    assert runtime.interfaces.stations.stacks[inside.index].arp == before
    assert stateful.machine("secondary").state == "Standby Ready"


def _outside(pair):
    """``server_outside``, with every TCP segment the two hosts receive kept in ``pair.got``."""
    from vpix.net.packets import PROTO_TCP, Tcp

    server_outside(pair)
    pair.got = []
    pair.host.stack.ip_bind(PROTO_TCP, lambda payload, source: pair.got.append(Tcp.decode(payload)))
    pair.server.stack.ip_bind(PROTO_TCP, lambda payload, source: pair.got.append(Tcp.decode(payload)))
    return pair


def _segment(pair, sender, dst, sport, dport, flags, payload=b""):
    from vpix.net.packets import PROTO_TCP, Tcp, ip_bytes

    host = pair.host if sender == "pc" else pair.server
    tcp = Tcp(sport, dport, 1, 1, flags, payload)
    host.stack.send_ip(dst, PROTO_TCP, tcp.encode(ip_bytes(host.stack.address), ip_bytes(dst)))
    pair.run(0.5)


def _handshake(pair):
    from vpix.net.packets import ACK, SYN

    _segment(pair, "pc", "172.16.1.50", 40000, 22, SYN)
    _segment(pair, "server", "192.168.1.50", 22, 40000, SYN | ACK)
    _segment(pair, "pc", "172.16.1.50", 40000, 22, ACK, b"SSH-2.0-client\r\n")


@pytest.mark.parametrize("stateful_link", [True, False])
def test_a_connection_survives_a_takeover_only_with_stateful_failover(tmp_path, images, stateful_link):
    from vpix.net.packets import ACK

    pair = lan_pair(tmp_path, images)
    if stateful_link:
        with_state_link(pair)
    _outside(pair)
    pair.boot()
    pair.run(10)
    _handshake(pair)
    assert len(pair.got) == 3
    if stateful_link:
        standby = pair.enable("secondary").cmd("show conn")
        assert "TCP outside 172.16.1.50:22 inside 192.168.1.50:40000, idle 0:00:00, bytes 16, flags U" in standby
        assert _statistics(pair.enable("primary").cmd("show failover"))["TCP conn"][0] >= 2
    pair.units["primary"].power_off()
    pair.run(5)
    assert pair.machine("secondary").state == "Active"
    _segment(pair, "server", "192.168.1.50", 22, 40000, ACK, b"SSH-2.0-server\r\n")
    delivered = [seg.payload for seg in pair.got[3:]]
    assert delivered == ([b"SSH-2.0-server\r\n"] if stateful_link else [])
    conns = pair.enable("secondary").cmd("show conn")
    assert ("flags UIO" in conns) == stateful_link


def test_http_connections_replicate_only_when_asked(tmp_path, images):
    from vpix.net.packets import SYN

    pair = _outside(with_state_link(lan_pair(tmp_path, images)))
    pair.boot()
    pair.run(10)
    _segment(pair, "pc", "172.16.1.50", 40000, 80, SYN)
    assert on_standby(pair.enable("secondary").cmd("show conn")).startswith("0 in use")
    pair.enable("primary").configure("failover replication http")
    _segment(pair, "pc", "172.16.1.50", 40001, 80, SYN)
    assert on_standby(pair.enable("secondary").cmd("show conn")).startswith("1 in use")


def test_the_standby_gets_existing_connections_in_bulk(tmp_path, images):
    pair = _outside(with_state_link(lan_pair(tmp_path, images)))
    pair.boot()
    pair.run(10)
    _handshake(pair)
    pair.units["secondary"].reload()
    pair.run(15)
    assert pair.machine("secondary").state == "Standby Ready"
    assert "flags U" in pair.enable("secondary").cmd("show conn")


def test_a_big_table_goes_to_the_standby_in_bulk_updates_of_bounded_size(tmp_path, images):
    from vpix.features.failover.stateful import BULK_RECORDS
    from vpix.net.packets import PROTO_TCP, SYN, Tcp, ip_bytes

    pair = _outside(with_state_link(lan_pair(tmp_path, images)))
    pair.boot()
    pair.run(10)
    _segment(pair, "pc", "172.16.1.50", 19999, 22, SYN)      # the gateway's MAC address learned
    count = 10 * BULK_RECORDS              # far beyond what one 64 KiB message can hold
    for port in range(20000, 20000 + count - 1):
        tcp = Tcp(port, 22, 1, 1, SYN).encode(ip_bytes("192.168.1.50"), ip_bytes("172.16.1.50"))
        pair.host.stack.send_ip("172.16.1.50", PROTO_TCP, tcp)
    pair.run(1)
    sent = _stateful(pair, "primary").counters[TCP_CONN].xmit
    pair.units["secondary"].reload()
    pair.run(15)
    assert on_standby(pair.enable("secondary").cmd("show conn")).startswith(f"{count} in use")
    assert _stateful(pair, "primary").counters[TCP_CONN].xmit - sent == count


def test_a_translated_connection_survives_with_its_translation(tmp_path, images):
    from vpix.features.failover.stateful import XLATE_TIMEOUT
    from vpix.net.packets import ACK, SYN

    pair = _outside(with_state_link(lan_pair(tmp_path, images), STATE + "nat (inside) 1 0 0\nglobal (outside) 1 interface\n"))
    pair.boot()
    pair.run(10)
    _segment(pair, "pc", "172.16.1.50", 40000, 22, SYN)
    assert pair.got[-1].sport == 1024
    assert on_standby(pair.enable("secondary").cmd("show xlate")) == (
        "1 in use, 1 most used\nPAT Global 172.16.1.1(1024) Local 192.168.1.50(40000)\n")
    pair.units["primary"].power_off()
    pair.run(5)
    _segment(pair, "server", "172.16.1.1", 22, 1024, SYN | ACK)
    assert (pair.got[-1].dport, pair.got[-1].flags) == (40000, SYN | ACK)
    pair.enable("secondary").cmd("clear xlate")
    assert _stateful(pair, "secondary").counters[XLATE_TIMEOUT].xmit == 1
    _segment(pair, "server", "172.16.1.1", 22, 1024, ACK)
    assert pair.got[-1].flags == SYN | ACK
