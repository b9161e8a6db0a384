"""Real hosts through a failover pair, as root: ping and the seed's failover functionality test
(an FTP transfer, `no failover active`, another transfer) and a long HTTP download that carries on across
a stateful takeover and breaks across a regular one, whether the takeover is asked for or the
active unit loses power. Hosts are network namespaces; their software is vsftpd, python's
http.server and curl."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
import time

import pytest
import yaml
from helpers.served import vsftpd_config
from helpers import real_hosts
from helpers.real_hosts import lab_exec

from vpix.features.forwarding import Forwarding
from vpix.features.logging import Logging
from vpix.lab import control, model, runner

# the single unit's configuration (ping, FTP inspected), with standby addresses, HTTP let in
BASE = real_hosts.CONFIG.replace("255.255.0.0\n", "255.255.0.0 standby 172.16.1.2\n").replace(
    "255.255.255.0\n", "255.255.255.0 standby 192.168.1.2\n") + """interface Ethernet2
 no shutdown
interface Ethernet3
 no shutdown
access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq www
"""

FAILOVER = """failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit msec 200 holdtime msec 800
failover polltime interface msec 500 holdtime 5
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
"""

STATEFUL = """failover link state Ethernet2
failover interface ip state 10.2.0.1 255.255.255.0 standby 10.2.0.2
failover replication http
"""
pytestmark = real_hosts.NEEDS          # the same needs

# python's http.server, but without the reverse lookup of its own name it makes when it binds,
# which waits for a name server a namespace cannot reach
HTTP_SERVER = """import functools, http.server, socketserver, sys
http.server.HTTPServer.server_bind = socketserver.TCPServer.server_bind
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("192.168.1.50", 80), handler).serve_forever()
"""


class RealPair:
    """Two units (a primary, b secondary) between a PC on the inside and a server outside."""

    def __init__(self, tmp_path, stateful: bool):
        self.tmp_path = tmp_path
        unit = {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2}
        extra = STATEFUL if stateful else ""
        lab = {
            "name": f"rp{os.getpid()}", "workdir": str(tmp_path / "lab"),
            "units": {"a": {**unit, "config": BASE + FAILOVER.format(role="primary") + extra + "failover\n"},
                      "b": {**unit, "config": FAILOVER.format(role="secondary") + "failover\n"}},
            "hosts": {"pc": {"address": "192.168.1.50", "gateway": "192.168.1.1", "namespace": True},
                      "server": {"address": "172.16.1.50", "mask": "255.255.0.0", "gateway": "172.16.1.1",
                                 "namespace": True}},
            "segments": {"inside": ["a:Ethernet1", "b:Ethernet1", "pc"],
                         "outside": ["a:Ethernet0", "b:Ethernet0", "server"],
                         "state": ["a:Ethernet2", "b:Ethernet2"], "failover": ["a:Ethernet3", "b:Ethernet3"]},
        }
        self.lab_file = tmp_path / "lab.yaml"
        self.lab_file.write_text(yaml.safe_dump(lab))
        self.running = None
        self.servers: list[asyncio.subprocess.Process] = []

    async def __aenter__(self):
        self.running = await runner.start(model.load(self.lab_file))
        await self.until(lambda: self.state("a") == "Active" and self.state("b") == "Standby Ready", 20)
        return self

    async def __aexit__(self, *exc):
        for proc in self.servers:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await runner.stop(self.running)

    def unit(self, name):
        return self.running.units[name].unit

    def state(self, name):
        runtime = control._failover_runtime(self.unit(name))
        return runtime.machine.state if runtime else None

    async def until(self, condition, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)

    def downloading(self, name, at_least: int) -> bool:
        """A connection through unit ``name`` has carried ``at_least`` bytes."""
        conns = self.unit(name).system.feature(Forwarding).pipeline.conns.conns.values()
        return any(conn.bytes >= at_least for conn in conns)

    def console(self, name, *lines):
        unit = self.unit(name)
        for line in ("enable", "", *lines):
            unit.console.input(line + "\n")

    async def serve(self, host, *argv, ready):
        self.servers.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "vpix", "lab", "exec", host, "--lab", str(self.lab_file), "--", *argv,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        for _ in range(100):
            if (await lab_exec(self.lab_file, host, "sh", "-c", f"ss -ltn | grep -q {ready}"))[0] == 0:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{argv[0]} did not listen on {ready}")

    def served_file(self, name, size):
        root = self.tmp_path / "www"
        root.mkdir(exist_ok=True)
        payload = os.urandom(size)
        (root / name).write_bytes(payload)
        for path in (self.tmp_path, root, root / name):
            path.chmod(0o755)
        return root, hashlib.sha256(payload).digest()

    async def fetch(self, url, *options, timeout=30):
        target = self.tmp_path / f"got{time.monotonic_ns()}"
        code, out = await lab_exec(self.lab_file, "server", "curl", "-sS", *options, "-o", str(target), url,
                                   timeout=timeout)
        digest = hashlib.sha256(target.read_bytes()).digest() if target.exists() else None
        return code, out.decode(), digest


async def test_the_failover_functionality_test_with_ftp_across_no_failover_active(tmp_path):
    async with RealPair(tmp_path, stateful=False) as pair:
        root, digest = pair.served_file("file.bin", 200_000)
        conf = tmp_path / "vsftpd.conf"
        conf.write_text(vsftpd_config(root, "192.168.1.50", 21, range(30000, 30010), from_port_20=True))
        await pair.serve("pc", "vsftpd", str(conf), ready="192.168.1.50:21")
        for options in ([], ["--ftp-port", "-"]):
            assert await pair.fetch("ftp://192.168.1.50/file.bin", "--max-time", "20", *options) == (0, "", digest)
        assert (await lab_exec(pair.lab_file, "pc", "ping", "-c", "2", "-W", "2", "172.16.1.50"))[0] == 0
        pair.console("a", "no failover active")
        await pair.until(lambda: pair.state("b") == "Active" and pair.state("a") == "Standby Ready")
        for options in ([], ["--ftp-port", "-"]):
            assert await pair.fetch("ftp://192.168.1.50/file.bin", "--max-time", "20", *options) == (0, "", digest)
        assert (await lab_exec(pair.lab_file, "pc", "ping", "-c", "2", "-W", "2", "172.16.1.50"))[0] == 0
        assert pair.unit("b").system.feature(Forwarding).pipeline.conns.most_used >= 2   # the mate carried them


@pytest.mark.parametrize("stateful, takeover", [(True, "no failover active"), (False, "no failover active"),
                                                (True, "power-off"), (False, "power-off")])
async def test_a_long_download_across_a_takeover(tmp_path, stateful, takeover):
    async with RealPair(tmp_path, stateful) as pair:
        root, digest = pair.served_file("big.bin", 3_000_000)
        await pair.serve("pc", sys.executable, "-c", HTTP_SERVER, str(root), ready="192.168.1.50:80")
        download = asyncio.ensure_future(pair.fetch(
            "http://192.168.1.50/big.bin", "--limit-rate", "1M", "--speed-limit", "1000", "--speed-time", "2",
            timeout=40))
        await pair.until(lambda: pair.downloading("a", 200_000), 20)           # well under way
        assert not download.done()
        if takeover == "power-off":
            control.carry_out(pair.running, "power-off", "a")
        else:
            pair.console("a", "no failover active")
        await pair.until(lambda: pair.state("b") == "Active", 10)
        code, out, got = await download
        log = "\n".join(pair.unit("b").system.feature(Logging).buffer)
        if stateful:
            assert (code, out, got) == (0, "", digest)
            assert "Deny TCP (no connection)" not in log
        else:       # the new active unit does not know the connection and drops what comes of it
            assert code == 28 and got != digest, (code, out)
            assert re.search(r"%PIX-6-106015: Deny TCP \(no connection\) from 192.168.1.50/80 to 172.16.1.50/\d+", log)
