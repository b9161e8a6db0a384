"""`vpix node` (the container's entrypoint) as containerlab runs it: how long from its start to
SSH answering on eth0, how much memory an idle node holds, and TCP through the node between
two namespace hosts over its AF_PACKET-bound eth1 and eth2, side by side with the same unit
in a `vpix lab` (TAP-backed segments) and with the Linux kernel routing the same way.

Goals: SSH answering < 2 s after the start; < 60 MB resident for an idle node; AF_PACKET at
least as fast as the lab's TAP path. The node it stands in for, containerlab's cisco_asav
(an ASAv VM in vrnetlab), boots in 5-7 minutes and takes 2 GB: not run here.
Needs root, iperf3, sshpass. Run: python bench/node.py [runs]
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from options import count, machine_load, peer_missing
import throughput
from throughput import CONFIG, _iperf, _ns, through_kernel, through_vpix

NODE = CONFIG + """interface Ethernet5
 nameif management
 security-level 100
 ip address 10.97.0.2 255.255.255.0
 no shutdown
username admin password CiscoAsa1! privilege 15
aaa authentication ssh console LOCAL
ssh 0.0.0.0 0.0.0.0 management
"""
NAMESPACES = ("bnode", "bpc", "bserver")


def ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True)


def wire() -> None:
    """The node's namespace: eth0 to this side (10.97.0.1), eth1 to the server's, eth2 to the PC's."""
    for name in NAMESPACES:
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
        ip("netns", "add", name)
    ip("link", "add", "bnode-h", "type", "veth", "peer", "name", "eth0", "netns", "bnode")
    ip("addr", "add", "10.97.0.1/24", "dev", "bnode-h")
    ip("link", "set", "bnode-h", "up")
    for link, host, address, gateway in (("eth1", "bserver", "172.16.1.50/16", "172.16.1.1"),
                                         ("eth2", "bpc", "192.168.1.50/24", "192.168.1.1")):
        ip("link", "add", link, "netns", "bnode", "type", "veth", "peer", "name", "h0", "netns", host)
        _ns(host, "ip", "addr", "add", address, "dev", "h0")
        for name in ("h0", "lo"):
            _ns(host, "ip", "link", "set", name, "up")
        _ns(host, "ip", "route", "add", "default", "via", gateway)
        _ns("bnode", "ip", "link", "set", link, "up")
    _ns("bnode", "ip", "link", "set", "lo", "up")
    _ns("bnode", "ip", "addr", "add", "10.97.0.2/24", "dev", "eth0")
    _ns("bnode", "ip", "link", "set", "eth0", "up")


def unwire() -> None:
    subprocess.run(["ip", "link", "del", "bnode-h"], stderr=subprocess.DEVNULL)
    for name in NAMESPACES:
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)


def answers() -> bool:
    return subprocess.run(["sshpass", "-p", "CiscoAsa1!", "ssh", "-o", "StrictHostKeyChecking=no", "-o",
                           "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=1",
                           "-o", "KexAlgorithms=+diffie-hellman-group1-sha1", "-o", "HostKeyAlgorithms=+ssh-rsa",
                           "-o", "Ciphers=+aes128-cbc", "admin@10.97.0.2", "show version"],
                          capture_output=True).returncode == 0


def accepts() -> bool:
    """A TCP connection to port 22 is taken (tried with a short timeout: a SYN lost while the
    node takes eth0's address would otherwise cost the client's 1 s retransmission)."""
    try:
        with socket.create_connection(("10.97.0.2", 22), timeout=0.1):
            return True
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_node(root: Path, forward: bool) -> tuple[float, float, float | None]:
    """(seconds from the start to SSH answering, MB resident when idle, Mbit/s through it)."""
    config = root / "node.cfg"
    config.write_text(NODE)
    wire()
    started = time.perf_counter()
    node = subprocess.Popen(["ip", "netns", "exec", "bnode", sys.executable, "-m", "vpix", "node", "--workdir",
                             str(root / "flash"), "--platform", "PIX-515E", "--version", "7.2(1)", "--links", "2",
                             "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (accepts() and answers()):
            if node.poll() is not None or time.perf_counter() - started > 60:
                raise SystemExit("the node never answered")
            time.sleep(0.02)
        up = time.perf_counter() - started
        time.sleep(1)                      # idle
        memory = rss_mb(node.pid)
        rate = _iperf("bpc", "bserver", "172.16.1.50") if forward else None
        return up, memory, rate
    finally:
        node.terminate()
        node.wait()
        unwire()


def main() -> None:
    quick, runs = count(5, 1)
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    iperf_missing = peer_missing(quick, "iperf3", command="iperf3")
    if peer_missing(quick, "sshpass", command="sshpass"):
        return
    if quick:
        throughput.SECONDS = 1
    results, taps = [], []
    for _ in range(runs):                  # the two paths in turn, so that the machine's moods fall on both
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_node(Path(tmp), forward=not iperf_missing))
        if not iperf_missing:
            with tempfile.TemporaryDirectory() as tmp:
                taps.append(asyncio.run(through_vpix(Path(tmp))))
    print(f"vpix node, PIX-515E on 7.2(1), {runs} starts: SSH answering on eth0 after "
          f"median {statistics.median(r[0] for r in results):.2f} s (worst {max(r[0] for r in results):.2f} s), "
          f"goal < 2 s; idle resident memory {max(r[1] for r in results):.0f} MB, goal < 60 MB")
    print("  the node it stands in for (containerlab's cisco_asav, an ASAv in vrnetlab): 5-7 min, 2 GB; not run")
    if taps:
        raw = [r[2] for r in results]
        print(f"TCP through the unit (iperf3, {throughput.SECONDS} s, median of {runs}): over AF_PACKET (the node) "
              f"{statistics.median(raw):.1f} Mbit/s ({min(raw):.0f}-{max(raw):.0f}), over TAP (vpix lab) "
              f"{statistics.median(taps):.1f} Mbit/s ({min(taps):.0f}-{max(taps):.0f}); "
              f"the kernel routing the same way {through_kernel():.1f} Mbit/s")
    print(machine_load())


if __name__ == "__main__":
    main()
