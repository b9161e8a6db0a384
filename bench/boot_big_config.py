"""Boot to the first prompt with a 5,000-line startup-config: names, users, interfaces and a
banner; then one with 3,000 access-list entries among its 5,000 lines.

Peer: a real PIX-515E takes minutes to boot; there is no local peer to run side by side,
so the figures are printed against the goal ("well under a second") and, for the access
lists, the figure before the entries were kept in a set (40 s on this machine; it grew with
the square of the entries). Run: python bench/boot_big_config.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from vpix.clock import VirtualClock
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.unit import Unit

from options import machine_load

LINES = 5000


def big_config() -> str:
    lines = ["hostname bench", "names"]
    for i in range(2000):
        lines.append(f"name 10.{i // 250}.{i % 250}.{1 + i % 200} host-{i} description bench host {i}")
    for i in range(1000):
        lines.append(f"username user{i:04d} password pw{i} privilege {i % 16}")
    for i in range(1, 6):
        lines += [f"interface Ethernet{i}", f" nameif if{i}", f" security-level {i * 10}",
                  f" ip address 10.{100 + i}.0.1 255.255.255.0", " no shutdown"]
    while len(lines) < LINES:
        lines.append(f"banner motd line {len(lines)} of the message of the day")
    return "\n".join(lines[:LINES]) + "\n"


def acl_config(aces: int = 3000) -> str:
    lines = ["hostname bench"] + [f"access-list big extended permit tcp host 10.{i // 250}.{i % 250}.1 any eq www"
                                  for i in range(aces)]
    while len(lines) < LINES:
        lines.append(f"name 172.16.{len(lines) // 250}.{len(lines) % 250 + 1} n{len(lines)}")
    return "\n".join(lines) + "\n"


def boots(root: Path, image: Path, config: str, runs: int) -> list[float]:
    directory = root / f"u{len(list(root.iterdir()))}"
    unitdir.create(directory, "PIX-515E", image=image, startup_config=config, rsa_key=False)
    times = []
    for _ in range(runs):
        unit = Unit(directory, VirtualClock())
        started = time.perf_counter()
        unit.power_on()
        times.append(time.perf_counter() - started)
        assert unit.state == "running" and unit.console.text().endswith("bench> ")
        assert len(unit.system.running_config()) > LINES - 100
    return times


def main() -> None:
    runs = 1 if "--quick" in sys.argv else 5
    root = Path(tempfile.mkdtemp())
    image = root / "pix721.bin"
    image_format.build(image, "7.2(1)", "pix", 5)
    times = boots(root, image, big_config(), runs)
    print(f"boot to first prompt, {LINES}-line startup-config, 5 MB image: "
          f"median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f} ms); "
          f"goal: well under 1000 ms; real PIX-515E: minutes")
    times = boots(root, image, acl_config(), runs)
    print(f"same, 3,000 access-list entries among the {LINES} lines: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f} ms); goal < 1000 ms; before, with the entries compared one by one: 40 s")
    print(machine_load())


if __name__ == "__main__":
    main()
