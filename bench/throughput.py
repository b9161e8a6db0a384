"""TCP throughput through one unit between two namespace hosts (iperf3, 5 s), side by side
with the Linux kernel forwarding between two namespaces the same way (a router namespace).

Goal: at least 200 Mbit/s through the unit (above the PIX 515E's rated cleartext throughput).
Needs root and iperf3. Run: python bench/throughput.py
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


from vpix.lab import model, runner

from options import count, peer_missing, machine_load

SECONDS = 5
CONFIG = """hostname fw
interface Ethernet0
 nameif outside
 security-level 0
 ip address 172.16.1.1 255.255.0.0
 no shutdown
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0
 no shutdown
"""


def _ns(namespace: str, *argv: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", namespace, *argv], check=check, **kwargs)


def _iperf(client_ns: str, server_ns: str, server: str) -> float:
    """Mbit/s from client to server."""
    daemon = subprocess.Popen(["ip", "netns", "exec", server_ns, "iperf3", "-s", "-1", "-B", server],
                              stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if _ns(server_ns, "sh", "-c", f"ss -ltn | grep -q {server}:5201", check=False).returncode == 0:
                break
            subprocess.run(["sleep", "0.1"])
        out = _ns(client_ns, "iperf3", "-J", "-c", server, "-t", str(SECONDS), capture_output=True).stdout
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e6
    finally:
        daemon.kill()
        daemon.wait()


async def through_vpix(root: Path) -> float:
    lab = {"name": "tput", "workdir": str(root / "lab"),
           "units": {"fw": {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2,
                            "config": CONFIG}},
           "hosts": {"pc": {"address": "192.168.1.50", "gateway": "192.168.1.1", "namespace": True},
                     "server": {"address": "172.16.1.50", "mask": "255.255.0.0", "gateway": "172.16.1.1",
                                "namespace": True}},
           "segments": {"inside": ["fw:Ethernet1", "pc"], "outside": ["fw:Ethernet0", "server"]}}
    running = await runner.start(model.Lab.model_validate(lab))
    try:
        await asyncio.sleep(1)
        return await asyncio.to_thread(_iperf, "vpix-tput-pc", "vpix-tput-server", "172.16.1.50")
    finally:
        await runner.stop(running)


def through_kernel() -> float:
    names = ("kpc", "krouter", "kserver")
    for name in names:
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        for host, router, address, gateway in (("kpc", "kr0", "192.168.1.50/24", "192.168.1.1"),
                                               ("kserver", "kr1", "172.16.1.50/16", "172.16.1.1")):
            subprocess.run(["ip", "link", "add", f"{host}0", "netns", host, "type", "veth", "peer", "name", router,
                            "netns", "krouter"], check=True)
            _ns(host, "ip", "addr", "add", address, "dev", f"{host}0")
            _ns(host, "ip", "link", "set", f"{host}0", "up")
            _ns(host, "ip", "link", "set", "lo", "up")
            _ns(host, "ip", "route", "add", "default", "via", gateway)
            _ns("krouter", "ip", "addr", "add", f"{gateway}/{address.split('/')[1]}", "dev", router)
            _ns("krouter", "ip", "link", "set", router, "up")
        _ns("krouter", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        return _iperf("kpc", "kserver", "172.16.1.50")
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)


def main() -> None:
    global SECONDS
    quick, SECONDS = count(5, 1)
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    if peer_missing(quick, "iperf3", command="iperf3"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        vpix = asyncio.run(through_vpix(Path(tmp)))
    kernel = through_kernel()
    print(f"TCP through one vpix unit (iperf3, {SECONDS} s): {vpix:8.1f} Mbit/s   goal >= 200")
    print(f"TCP through the Linux kernel (veth, router ns):  {kernel:8.1f} Mbit/s   the ceiling of this machine")
    print(machine_load())


if __name__ == "__main__":
    main()
