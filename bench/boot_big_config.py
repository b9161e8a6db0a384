"""Boot to the first prompt with a 5,000-line startup-config.

Peer: a real PIX-515E takes minutes to boot; there is no local peer to run side by side,
so the figure is printed against the goal ("well under a second").
Run: python bench/boot_big_config.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import asyncssh

from vpix.clock import VirtualClock
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.unit import Unit

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


def main() -> None:
    root = Path(tempfile.mkdtemp())
    image = root / "pix721.bin"
    image_format.build(image, "7.2(1)", "pix", 5)
    key = asyncssh.generate_private_key("ssh-ed25519").export_private_key()
    unitdir.create(root / "u", "PIX-515E", image=image, host_key=key, startup_config=big_config())
    times = []
    for _ in range(5):
        unit = Unit(root / "u", VirtualClock())
        started = time.perf_counter()
        unit.power_on()
        times.append(time.perf_counter() - started)
        assert unit.state == "running" and unit.console.text().endswith("bench> ")
        assert len(unit.system.running_config()) > LINES - 100
    print(f"boot to first prompt, {LINES}-line startup-config, 5 MB image: "
          f"median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f} ms); "
          f"goal: well under 1000 ms; real PIX-515E: minutes")


if __name__ == "__main__":
    main()
