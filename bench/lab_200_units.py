"""200 units booted in one `vpix lab up` process: total time and resident memory, with a
small configuration each and then with a real-sized one (5,000 lines, 3,000 of them access
list entries, as bench/boot_big_config.py's).

The lab is created first (not timed: unit directories persist between runs), then every
unit is booted and its console, Telnet and SSH ports opened, as `vpix lab up` does; one
unit is then asked `show version` over SSH to prove they serve. Goal for the big
configurations: all answering in < 20 s, in < 1 GB.
Peer: one real appliance per unit; there is nothing to run side by side here.
Run: python bench/lab_200_units.py [N]
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from pathlib import Path

import asyncssh

from vpix.lab import model, runner
from vpix.mgmt.ssh import DEVICE_ALGORITHMS

from boot_big_config import acl_config
from options import count, machine_load


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def main(count: int, big: bool) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 8)), hard))
    root = Path(tempfile.mkdtemp())
    config = ("username admin password admin privilege 15\naaa authentication ssh console LOCAL\n"
              "interface Ethernet1\n nameif inside\n ip address 10.0.0.1 255.255.255.0\n"
              "ssh 0.0.0.0 0.0.0.0 inside\n") + (acl_config() if big else "")
    lab = model.Lab(name="bench", workdir=str(root), units={
        f"u{i:03d}": model.UnitSpec(platform="PIX-515E", version="7.2(1)", config=config) for i in range(count)})
    started = time.perf_counter()
    runner.prepare(lab)
    created = time.perf_counter() - started
    base = rss_mb()
    started = time.perf_counter()
    running = await runner.start(lab)
    booted = time.perf_counter() - started
    assert all(h.unit.state == "running" for h in running.units.values())
    grown = rss_mb()
    last = running.units[f"u{count - 1:03d}"]
    async with asyncssh.connect("127.0.0.1", last.ports.ssh, username="admin", password="admin",
                                known_hosts=None, server_host_key_algs=["ssh-rsa"], **DEVICE_ALGORITHMS) as conn:
        result = await conn.run("show version")
        assert "Version 7.2(1)" in result.stdout
    await runner.stop(running)
    print(f"{count} PIX-515E units in one process, {'5,000-line' if big else 'small'} configurations: "
          f"created in {created:.1f} s (first run only), "
          f"booted and serving in {booted:.2f} s ({booted / count * 1000:.1f} ms per unit); "
          f"resident memory {grown:.0f} MB ({(grown - base) / count:.2f} MB per unit over the "
          f"{base:.0f} MB process)")
    print(machine_load())


if __name__ == "__main__":
    units = count(200, 10)[1]
    for big in (False, True):
        asyncio.run(main(units, big))
