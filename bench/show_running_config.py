"""`show running-config` of a 5,000-line configuration over SSH, as a user runs it: the command
typed on an interactive shell to the prompt back, wall clock, median of the runs; next to
`show version` on the same shell (the floor of a round trip). Goal: 8 ms.

Run: python bench/show_running_config.py [runs] [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import asyncssh

from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.lab.background import BackgroundUnit
from vpix.mgmt.ssh import DEVICE_ALGORITHMS

from boot_big_config import big_config
from options import count, machine_load

ACCESS = ("username admin password admin privilege 15\naaa authentication ssh console LOCAL\n"
          "ssh 0.0.0.0 0.0.0.0 if1\n")


async def timings(port: int, runs: int) -> dict[str, float]:
    """Median milliseconds from the command's Return to the prompt after its output."""
    async with asyncssh.connect("127.0.0.1", port, username="admin", password="admin", known_hosts=None,
                                preferred_auth="password", server_host_key_algs=["ssh-rsa"],
                                **DEVICE_ALGORITHMS) as conn:
        shell = await conn.create_process(term_type="vt100", encoding="latin-1")
        await shell.stdout.readuntil("bench> ")
        shell.stdin.write("enable\n")
        await shell.stdout.readuntil("Password: ")
        shell.stdin.write("\n")                          # no enable password is set
        await shell.stdout.readuntil("bench# ")
        shell.stdin.write("terminal pager 0\n")
        await shell.stdout.readuntil("bench# ")
        figures = {}
        for command in ("show version", "show running-config"):
            times = []
            for _ in range(runs + 1):                  # the first warms caches up
                started = time.perf_counter()
                shell.stdin.write(command + "\n")
                said = await shell.stdout.readuntil("bench# ")
                assert "ERROR" not in said, said[-300:]
                times.append(time.perf_counter() - started)
            figures[command] = statistics.median(times[1:]) * 1000
        return figures


def main() -> None:
    warnings.simplefilter("ignore")                    # cryptography's word on the device's DH group
    _, runs = count(20, 3)
    root = Path(tempfile.mkdtemp())
    image = root / "pix721.bin"
    image_format.build(image, "7.2(1)", "pix", 1)
    unitdir.create(root / "u", "PIX-515E", image=image, startup_config=big_config() + ACCESS)
    served = BackgroundUnit(root / "u")
    try:
        lines = served.run(lambda: len(served.unit.system.running_config()))
        figures = asyncio.run(timings(served.ports.ssh, runs))
    finally:
        served.stop()
    print(f"Over SSH, typed to prompt back, median of {runs} (ms), {lines:,}-line configuration; "
          f"{machine_load()}")
    print(f"  show running-config  {figures['show running-config']:7.1f}   goal 8 ms")
    print(f"  show version         {figures['show version']:7.1f}   the round trip's floor")


if __name__ == "__main__":
    main()
