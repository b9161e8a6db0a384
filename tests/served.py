"""Units served over real sockets on 127.0.0.1, from a thread with its own event loop,
so synchronous clients (Netmiko, scrapli, pexpect) can talk to them."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from conftest import host_key

from vpix.hardware import unitdir
from vpix.mgmt.host import UnitHost

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


class ServedUnit:
    def __init__(self, directory: Path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.host: UnitHost = self.call(UnitHost(directory).start())

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def run(self, fn):
        """Run a plain function on the unit's loop (the unit is not thread-safe)."""
        async def wrapper():
            return fn()
        return self.call(wrapper())

    @property
    def unit(self):
        return self.host.unit

    @property
    def ports(self):
        return self.host.ports

    def stop(self) -> None:
        self.call(self.host.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def serve(tmp: Path, image: Path, platform: str = "PIX-515E", hostname: str = "fw1") -> ServedUnit:
    hw = unitdir.platform(platform)
    config = LAB_CONFIG.format(hostname=hostname, outside=hw.interfaces[0], inside=hw.interfaces[1])
    unitdir.create(tmp, platform, image=image, host_key=host_key(), startup_config=config)
    return ServedUnit(tmp)
