"""The real-host scenarios of test_real_hosts_pair without root, in virtual time: emulated hosts
with their own TCP (vpix.net.tcp) on in-memory segments either side of a failover pair. Ping and
the seed's failover functionality test (FTP both ways of opening the data channel, `no failover
active`, FTP again), and a long HTTP download that carries on across a stateful takeover and
breaks across a regular one, asked for or by a power-off of the active unit."""

from __future__ import annotations

import random
import re

import pytest

from helpers.pairs import STATE, lan_pair, server_outside, with_state_link
from helpers.real_hosts import CONFIG as SINGLE_UNIT

from vpix.features.forwarding import Forwarding
from vpix.features.logging import Logging
from helpers.emulated import ftp_get, ftp_put, http_get

from vpix.net.apps import FtpServer, HttpServer

# what the single real-host unit lets through and inspects, and HTTP in as well
POLICY = SINGLE_UNIT[SINGLE_UNIT.index("access-list"):] + \
    "access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq www\nlogging enable\nlogging buffered debugging\n"


FILES = {"file.bin": random.Random(5).randbytes(200_000)}


def emulated_pair(tmp_path, images, stateful: bool):
    """A pair (primary, secondary) between a PC serving FTP and HTTP on the inside and the
    outside host ("server", as in the real-host test) as their client."""
    pair = lan_pair(tmp_path, images)
    with_state_link(pair, (STATE + "failover replication http\n" if stateful else "") + POLICY)
    server_outside(pair)
    pair.files = dict(FILES)
    FtpServer(pair.host.tcp, pair.files)
    pair.boot()
    pair.run(10)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    return pair


def ping(pair) -> list[bool]:
    replies: list[bool] = []
    pair.host.stack.ping("172.16.1.50", 2, 2.0, replies.append)
    pair.run(5)
    return replies


def ftp(pair, passive: bool):
    got = []
    ftp_get(pair.server.tcp, "192.168.1.50", "file.bin", got.append, passive=passive)
    pair.run(5)
    return got[0] if got else None


def buffered_log(pair, role) -> str:
    return "\n".join(pair.units[role].system.feature(Logging).buffer)


def test_the_failover_functionality_test_with_ftp_across_no_failover_active(tmp_path, images):
    pair = emulated_pair(tmp_path, images, stateful=False)
    for passive in (True, False):
        assert ftp(pair, passive).data == pair.files["file.bin"]
    assert ping(pair) == [True, True]
    pair.enable("primary").cmd("configure terminal")
    pair.terms["primary"].cmd("no failover active")
    pair.run(5)
    assert (pair.machine("secondary").state, pair.machine("primary").state) == ("Active", "Standby Ready")
    for passive in (True, False):
        assert ftp(pair, passive).data == pair.files["file.bin"]
    assert ping(pair) == [True, True]
    assert pair.units["secondary"].system.feature(Forwarding).pipeline.conns.most_used >= 2


def test_a_file_sent_by_ftp_to_the_inside_arrives_whole(tmp_path, images):
    pair = emulated_pair(tmp_path, images, stateful=False)
    contents = random.Random(6).randbytes(50_000)
    for passive in (True, False):
        done = []
        ftp_put(pair.server.tcp, "192.168.1.50", f"up{passive}", contents, done.append, passive=passive)
        pair.run(5)
        assert done[0].error is None and pair.files[f"up{passive}"] == contents


@pytest.mark.parametrize("stateful, takeover", [(True, "no failover active"), (False, "no failover active"),
                                                (True, "power-off"), (False, "power-off")])
def test_a_long_download_across_a_takeover(tmp_path, images, stateful, takeover):
    pair = emulated_pair(tmp_path, images, stateful)
    body = random.Random(7).randbytes(300_000)
    HttpServer(pair.host.tcp, {"big.bin": body}, rate=100_000)         # three seconds' worth
    got = []
    http_get(pair.server.tcp, "192.168.1.50", "big.bin", got.append, idle_timeout=10)
    pair.run(1)
    assert got == []
    if takeover == "power-off":
        pair.units["primary"].power_off()
    else:
        pair.enable("primary").cmd("configure terminal")
        pair.terms["primary"].cmd("no failover active")
    pair.run(30)
    assert pair.machine("secondary").state == "Active"
    if stateful:
        assert got[0].error is None and got[0].data == body
        assert "Deny TCP (no connection)" not in buffered_log(pair, "secondary")
    else:           # the new active unit does not know the connection and drops what comes of it
        assert got[0].error == "Timed out"
        assert re.search(r"%PIX-6-106015: Deny TCP \(no connection\) from 192.168.1.50/80 to 172.16.1.50/\d+",
                         buffered_log(pair, "secondary"))
