"""Bulk sync of a 50,000-line configuration to a booting standby, and command replication.

A PIX-515E pair on 7.2(1) with LAN failover and a failover key, in one process on a virtual
clock, so the figures are what the units themselves spend: from the standby's power-on to
Standby Ready with the active unit's whole configuration (boot, negotiation, sync), and from
a command typed on the active unit's console to the same line in the standby's
running-config. Goal: the bulk sync under 2 s. There is no peer to run side by side; a real
pair syncs a configuration this size in minutes.
Run: python bench/bulk_sync.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


from vpix.clock import VirtualClock
from vpix.features.failover import FailoverConfig
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.net.fabric import Segment
from vpix.unit import Unit

from options import count, machine_load

LINES = 50_000
FAILOVER = """interface Ethernet3
 no shutdown
failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit 1 holdtime 3
failover key bench-key
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover
"""


def big_config() -> str:
    lines = ["hostname bench", "names"]
    for i in range(LINES - 2 - FAILOVER.count("\n")):
        lines.append(f"name 10.{i // 62500 % 250}.{i // 250 % 250}.{1 + i % 250} h{i} description host {i}")
    return "\n".join(lines) + "\n" + FAILOVER.format(role="primary")


def state(unit: Unit) -> str | None:
    runtime = unit.system.feature(FailoverConfig).runtime if unit.system else None
    return runtime.machine.state if runtime else None


def main() -> None:
    _, runs = count(3, 1)
    root = Path(tempfile.mkdtemp())
    image = root / "pix721.bin"
    image_format.build(image, "7.2(1)", "pix", 5)
    config = big_config()
    syncs, replications = [], []
    for run in range(runs):
        clock = VirtualClock(1000.0)
        link = Segment("failover", clock)
        units = []
        for role, startup in (("primary", config), ("secondary", FAILOVER.format(role="secondary"))):
            unitdir.create(root / f"{run}-{role}", "PIX-515E", image=image, startup_config=startup, rsa_key=False)
            unit = Unit(root / f"{run}-{role}", clock)
            link.attach(unit.ports[3])
            units.append(unit)
        active, standby = units
        active.power_on()
        clock.advance(5)
        assert state(active) == "Active"
        started = time.perf_counter()
        standby.power_on()
        while state(standby) != "Standby Ready":
            clock.advance(0.05)
        syncs.append(time.perf_counter() - started)
        names = sum(1 for line in standby.system.running_config() if line.startswith("name "))
        assert names == config.count("\nname "), names

        session = active.system.open_session("console", lambda text: None, priv=15)
        session.execute("configure terminal")
        for i in range(20):
            started = time.perf_counter()
            session.execute(f"name 192.0.2.{i + 1} probe{i}")
            clock.advance(0)
            replications.append(time.perf_counter() - started)
            assert f"name 192.0.2.{i + 1} probe{i}" in standby.system.running_config()
    print(f"Bulk sync of a {LINES:,}-line configuration, {runs} runs: standby power-on to Standby Ready "
          f"median {statistics.median(syncs):.2f} s (worst {max(syncs):.2f} s); goal under 2 s")
    print(f"Command replication, typed on the active unit to applied on the standby: "
          f"median {statistics.median(replications) * 1000:.1f} ms")
    print(machine_load())


if __name__ == "__main__":
    main()
