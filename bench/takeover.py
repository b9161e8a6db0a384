"""Takeover after the active unit loses power, side by side with keepalived (VRRPv3).

vpix: a PIX-515E pair on 7.2(1) with LAN failover, `failover polltime unit msec 200 holdtime
msec 800`, in one process in real time; then the same pair on the serial failover cable, which
senses the mate's power (goal: 100 ms at worst). The active unit is powered off; the figure is the time
until the mate is active and its gratuitous ARP for the active inside address is on the wire.
The old active unit is powered on again and stands by before the next trial. Each trial pulls
the power at a random moment of the 200 ms hello cycle, so the worst case is sampled too.

keepalived: two network namespaces on a bridge, VRRPv3 with a 0.2 s advertisement interval;
the master's keepalived is killed (no goodbye, as at a power loss) and the figure is the time
until the backup's gratuitous ARP for the virtual address is seen on the bridge.

Needs root and keepalived (apt-get install keepalived).  Run: python bench/takeover.py [trials]
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vpix.features.failover import FailoverConfig
from vpix.lab import model, runner
from vpix.net.fabric import Port
from vpix.net.packets import ETH_ARP, Arp, Ethernet, ip_bytes

from options import count, peer_missing, machine_load

CONFIG = """hostname fw
interface Ethernet1
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0 standby 10.0.0.3
interface Ethernet3
 no shutdown
failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit msec 200 holdtime msec 800
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover
"""


CABLE_CONFIG = """hostname fw
interface Ethernet1
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0 standby 10.0.0.3
failover polltime unit 1 holdtime 3
failover
"""


POLL = 0.2                        # the hello (and VRRP advertisement) interval of both pairs
PHASE = random.Random()           # where in the cycle a trial pulls the power

def is_garp(frame: bytes, address: bytes) -> bool:
    eth = Ethernet.decode(frame)
    if eth.ethertype != ETH_ARP:
        return False
    arp = Arp.decode(eth.payload)
    return arp.sender_ip == arp.target_ip == address


# ---------------------------------------------------------------- vpix


def lan_pair() -> model.Lab:
    unit = {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.5}
    return model.Lab.model_validate({
        "name": "takeover", "workdir": tempfile.mkdtemp(),
        "units": {"a": {**unit, "config": CONFIG.format(role="primary")},
                  "b": {**unit, "config": CONFIG.format(role="secondary")}},
        "segments": {"inside": ["a:Ethernet1", "b:Ethernet1"], "failover": ["a:Ethernet3", "b:Ethernet3"]}})


def cable_pair() -> model.Lab:
    """The same pair on the serial failover cable (unit poll 1 s, hold 3 s: the cable does not wait)."""
    unit = {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.5}
    config = CABLE_CONFIG
    return model.Lab.model_validate({
        "name": "takeover-cable", "workdir": tempfile.mkdtemp(),
        "units": {"a": {**unit, "config": config}, "b": {**unit, "config": config}},
        "segments": {"inside": ["a:Ethernet1", "b:Ethernet1"]}, "cables": [["a", "b"]]})


async def vpix_trials(lab: model.Lab, trials: int) -> list[float]:
    running = await runner.start(lab)
    announced: list[float] = []
    address = ip_bytes("10.0.0.1")
    running.segments["inside"].attach(
        Port(bytes(6), lambda frame: is_garp(frame, address) and announced.append(time.perf_counter())))
    units = {name: served.unit for name, served in running.units.items()}

    def state(name: str) -> str | None:
        system = units[name].system
        runtime = system.feature(FailoverConfig).runtime if system else None
        return runtime.machine.state if runtime else None

    async def until(condition, seconds: float = 30.0) -> None:
        deadline = time.perf_counter() + seconds
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the pair did not settle")
            await asyncio.sleep(0.01)

    results = []
    try:
        for _ in range(trials):
            await until(lambda: {state("a"), state("b")} == {"Active", "Standby Ready"})
            active, mate = ("a", "b") if state("a") == "Active" else ("b", "a")
            await asyncio.sleep(0.3 + PHASE.uniform(0, POLL))         # anywhere in the hello cycle
            announced.clear()
            started = time.perf_counter()
            units[active].power_off()
            await until(lambda: state(mate) == "Active" and announced, 5.0)
            results.append(announced[0] - started)
            units[active].power_on()
    finally:
        await runner.stop(running)
    return results


# ---------------------------------------------------------------- keepalived

KEEPALIVED = """global_defs {{
    router_id {name}
    vrrp_version 3
}}
vrrp_instance bench {{
    state BACKUP
    interface {ifname}
    virtual_router_id 51
    priority {priority}
    advert_int 0.2
    virtual_ipaddress {{
        10.9.0.100/24
    }}
}}
"""


def sh(*args: str, check: bool = True) -> None:
    subprocess.run(args, check=check, capture_output=True)


def keepalived_trials(trials: int) -> list[float]:
    tag = f"b{os.getpid() % 10000}"
    spaces = [f"ka{tag}{i}" for i in (1, 2)]
    bridge = f"br{tag}"
    work = Path(tempfile.mkdtemp())
    sh("ip", "link", "add", bridge, "type", "bridge")
    sh("ip", "link", "set", bridge, "up")
    for i, ns in enumerate(spaces, 1):
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", f"v{tag}{i}", "type", "veth", "peer", "name", f"p{tag}{i}")
        sh("ip", "link", "set", f"v{tag}{i}", "netns", ns)
        sh("ip", "link", "set", f"p{tag}{i}", "master", bridge, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"10.9.0.{i}/24", "dev", f"v{tag}{i}")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", f"v{tag}{i}", "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        (work / f"{ns}.conf").write_text(KEEPALIVED.format(name=ns, ifname=f"v{tag}{i}", priority=200 - 50 * i))
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    sniffer.bind((bridge, 0))
    sniffer.settimeout(0.05)
    address = ip_bytes("10.9.0.100")

    def start(ns: str) -> subprocess.Popen:
        for pid_file in work.glob(f"{ns}*.pid"):    # a killed keepalived leaves them: "already running"
            pid_file.unlink()
        return subprocess.Popen(["ip", "netns", "exec", ns, "keepalived", "--dont-fork", "--vrrp", "--log-console",
                                 "-f", str(work / f"{ns}.conf"), "-p", str(work / f"{ns}.pid"),
                                 "-r", str(work / f"{ns}.vrrp.pid")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def kill(process: subprocess.Popen) -> None:
        """keepalived and its VRRP child, at once: what a power loss does."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def garp_after(started: float, within: float) -> float | None:
        deadline = started + within
        while time.perf_counter() < deadline:
            try:
                frame = sniffer.recv(2048)
            except socket.timeout:
                continue
            if is_garp(frame, address):
                return time.perf_counter()
        return None

    results = []
    try:
        for _ in range(trials):
            master, backup = start(spaces[0]), start(spaces[1])
            if garp_after(time.perf_counter(), 10.0) is None:       # the master has announced itself
                raise RuntimeError("keepalived elected no master")
            time.sleep(1.5)                                         # its burst of announcements is over
            while garp_after(time.perf_counter(), 0.1) is not None:
                pass
            time.sleep(PHASE.uniform(0, POLL))                      # anywhere in the advertisement cycle
            started = time.perf_counter()
            kill(master)
            seen = garp_after(started, 5.0)
            if seen is None:
                raise RuntimeError("the backup never took over")
            results.append(seen - started)
            kill(backup)
            for i, ns in enumerate(spaces, 1):         # a killed keepalived leaves its address behind
                sh("ip", "netns", "exec", ns, "ip", "addr", "del", "10.9.0.100/24", "dev", f"v{tag}{i}",
                   check=False)
    finally:
        sniffer.close()
        for ns in spaces:
            sh("ip", "netns", "del", ns, check=False)
        sh("ip", "link", "del", bridge, check=False)
    return results


def main() -> None:
    quick, trials = count(20, 2)
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    no_peer = peer_missing(quick, "keepalived", command="keepalived")
    lan = asyncio.run(vpix_trials(lan_pair(), trials))
    cable = asyncio.run(vpix_trials(cable_pair(), trials))
    theirs = [] if no_peer else keepalived_trials(trials)
    print(f"Takeover after the active unit loses power, {trials} trials, each at a random phase of the cycle (ms)")
    print(f"{'':34}{'median':>8}{'worst':>8}")
    for name, times in (("vpix LAN failover 200/800 ms", lan), ("vpix serial failover cable", cable),
                        ("keepalived VRRPv3 advert 0.2 s", theirs)):
        if not times:
            continue
        print(f"{name:34}{statistics.median(times) * 1000:>8.0f}{max(times) * 1000:>8.0f}")
    print(machine_load())


if __name__ == "__main__":
    main()
