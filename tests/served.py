"""Units served over real sockets on 127.0.0.1 for synchronous clients (Netmiko, scrapli, pexpect)."""

from __future__ import annotations

from pathlib import Path

from conftest import host_key

from vpix.hardware import unitdir
from vpix.lab.background import BackgroundUnit

LAB_CONFIG = """\
hostname {hostname}
enable password cisco
interface {outside}
 nameif outside
 security-level 0
 ip address 192.0.2.1 255.255.255.0
interface {inside}
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0
username admin password admin privilege 15
aaa authentication ssh console LOCAL
telnet 0.0.0.0 0.0.0.0 inside
ssh 0.0.0.0 0.0.0.0 inside
"""


def serve(tmp: Path, image: Path, platform: str = "PIX-515E", hostname: str = "fw1") -> BackgroundUnit:
    hw = unitdir.platform(platform)
    config = LAB_CONFIG.format(hostname=hostname, outside=hw.interfaces[0], inside=hw.interfaces[1])
    unitdir.create(tmp, platform, image=image, host_key=host_key(), startup_config=config)
    return BackgroundUnit(tmp)
