"""Netmiko over SSH against a vpix unit and against FakeNOS's cisco_asa, side by side.

Measures connect-to-ready (ConnectHandler returns) and the median `send_command` latency
of `show version`. Goal: vpix at least 10x faster per command than FakeNOS.
Needs: pip install -e '.[bench]'.  Run: python bench/netmiko_vs_fakenos.py [N]
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from pathlib import Path

import paramiko
from netmiko import ConnectHandler

from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.lab.background import BackgroundUnit

from options import count, peer_missing, machine_load

CONFIG = """hostname bench
enable password cisco
interface Ethernet1
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0
username admin password admin privilege 15
aaa authentication ssh console LOCAL
ssh 0.0.0.0 0.0.0.0 inside
"""


# paramiko leaves the device's algorithms off: Netmiko users of 7.x/8.0 switch them on so
paramiko.Transport._preferred_kex += ("diffie-hellman-group1-sha1",)
paramiko.Transport._preferred_keys += ("ssh-rsa",)


def measure(port: int, username: str, password: str, secret: str, runs: int) -> dict[str, float]:
    """Connect-to-ready and median latencies (ms) of three ways to run `show version`."""
    started = time.perf_counter()
    conn = ConnectHandler(device_type="cisco_asa", host="127.0.0.1", port=port, username=username,
                          password=password, secret=secret, fast_cli=True)
    figures = {"ready": (time.perf_counter() - started) * 1000}
    try:
        for name, kwargs in (("send_command", {}),
                             ("send_command, known prompt", {"auto_find_prompt": False})):
            figures[name] = _median(runs, lambda: conn.send_command("show version", **kwargs))
        channel = conn.remote_conn
        prompt = conn.find_prompt().encode()
        conn.clear_buffer()

        def round_trip() -> str:
            channel.send(b"show version\n")
            data = b""
            while b"Version" not in data or not data.rstrip().endswith(prompt):
                data += channel.recv(65536)
            return data.decode()

        figures["channel round trip"] = _median(runs, round_trip)
    finally:
        conn.disconnect()
    return figures


def _median(runs: int, call) -> float:
    latencies = []
    for _ in range(runs):
        t = time.perf_counter()
        assert "Version" in call()
        latencies.append(time.perf_counter() - t)
    return statistics.median(latencies) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    quick, runs = count(30, 3)
    no_peer = peer_missing(quick, "FakeNOS", module="fakenos")
    root = Path(tempfile.mkdtemp())
    image_format.build(root / "pix721.bin", "7.2(1)", "pix", 5)
    unitdir.create(root / "u", "PIX-515E", image=root / "pix721.bin", startup_config=CONFIG)
    served = BackgroundUnit(root / "u")
    try:
        ours = measure(served.ports.ssh, "admin", "admin", "cisco", runs)
    finally:
        served.stop()
    if no_peer:
        print(f"Netmiko cisco_asa over SSH on 127.0.0.1, medians of {runs} x show version (ms): "
              + ", ".join(f"{name} {ms:.1f}" for name, ms in ours.items()))
        return

    from fakenos import FakeNOS

    port = free_port()
    net = FakeNOS(inventory={"hosts": {"asa": {"username": "admin", "password": "admin", "port": port,
                                                "platform": "cisco_asa"}}})
    net.start()
    try:
        theirs = measure(port, "admin", "admin", "admin", runs)
    finally:
        net.stop()

    print(f"Netmiko cisco_asa over SSH on 127.0.0.1, medians of {runs} x show version (ms)")
    print(f"{'':30}{'vpix':>10}{'FakeNOS':>10}{'ratio':>8}")
    for name in ours:
        label = "connect-to-ready" if name == "ready" else name
        print(f"{label:30}{ours[name]:>10.1f}{theirs[name]:>10.1f}{theirs[name] / ours[name]:>7.1f}x")
    print("goal: >= 10x per command. Netmiko's own sleeps (find_prompt, clear_buffer) put a floor "
          "of some 80 ms under plain send_command whatever the device; the rows below it show "
          "the device's own share.")
    print(machine_load())


if __name__ == "__main__":
    main()
