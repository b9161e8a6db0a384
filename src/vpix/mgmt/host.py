"""Serving one unit on the host: the unit in real time plus its console, Telnet and SSH ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vpix.clock import LoopClock
from vpix.mgmt.ssh import start_ssh
from vpix.mgmt.telnet import start_console, start_telnet
from vpix.unit import Unit


@dataclass
class Ports:
    console: int = 0
    telnet: int = 0
    ssh: int = 0


@dataclass
class UnitHost:
    directory: Path
    host: str = "127.0.0.1"
    ports: Ports = field(default_factory=Ports)
    unit: Unit | None = None
    _servers: list = field(default_factory=list)

    def create(self) -> Unit:
        """The unit, powered off (a lab cables it before it boots)."""
        if self.unit is None:
            self.unit = Unit(self.directory, LoopClock())
        return self.unit

    async def start(self) -> "UnitHost":
        self.create().power_on()
        console = await start_console(self.unit, self.host, self.ports.console)
        telnet = await start_telnet(self.unit, self.host, self.ports.telnet)
        ssh = await start_ssh(self.unit, self.host, self.ports.ssh)
        self._servers = [console, telnet, ssh]
        self.ports = Ports(_port(console), _port(telnet), _port(ssh))
        return self

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            try:
                await server.wait_closed()
            except Exception:  # a server already torn down by its library
                pass
        self._servers = []
        if self.unit is not None:
            self.unit.power_off()


def _port(server) -> int:
    if hasattr(server, "get_port"):
        return server.get_port()
    return server.sockets[0].getsockname()[1]
