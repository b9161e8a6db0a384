"""Serving one unit on the host: the unit in real time plus its console, Telnet and SSH ports
(and its Telnet and SSH on its own interface addresses)."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from vpix.clock import LoopClock
from vpix.hardware import unitdir
from vpix.mgmt.doors import Door, HostStation
from vpix.mgmt.ssh import serve_ssh, start_ssh
from vpix.mgmt.telnet import serve_telnet, start_console, start_telnet
from vpix.unit import Unit


CONSOLE_HOST = "127.0.0.1"


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
    station: HostStation = field(default_factory=HostStation)    # what the Telnet and SSH ports count as
    unit: Unit | None = None
    _servers: list = field(default_factory=list)
    _lock: object = None

    def create(self) -> Unit:
        """The unit, powered off (a lab cables it before it boots), taken for this process:
        UnitBusy when another one runs it. Its Telnet and SSH answer on its interface
        addresses from the first boot on."""
        if self._lock is None:
            self._lock = unitdir.lock(self.directory)
        if self.unit is None:
            self.unit = Unit(self.directory, LoopClock())
            self.telnet, self.ssh = Door("telnet", self.unit, self.station), Door("ssh", self.unit, self.station)
            self.telnet.on_interfaces(lambda sock, station, space: serve_telnet(self.telnet, sock, station, space))
            self.ssh.on_interfaces(lambda sock, station, space: serve_ssh(self.unit, self.ssh, sock, station, space))
        return self.unit

    async def start(self) -> "UnitHost":
        """Boot the unit and open its ports: the console only ever on 127.0.0.1, since whoever
        reaches it is at the console as with the cable (a session left in enable mode stays
        so); Telnet and SSH on ``host``. CannotListen names a port it cannot have."""
        self.create().power_on()
        try:
            console = await _listening(lambda host, port: start_console(self.unit, host, port), CONSOLE_HOST,
                                       self.ports.console)
            self._servers.append(console)
            telnet = await _listening(lambda host, port: start_telnet(self.telnet, host, port), self.host,
                                      self.ports.telnet)
            self._servers.append(telnet)
            ssh = await _listening(lambda host, port: start_ssh(self.unit, self.ssh, host, port), self.host,
                                   self.ports.ssh)
            self._servers.append(ssh)
        except CannotListen:
            await self.stop()
            raise
        self.ports = Ports(_port(console), _port(telnet), _port(ssh))
        unitdir.announce(self._lock, f"{CONSOLE_HOST}:{self.ports.console}")   # for `vpix console`
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
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class CannotListen(Exception):
    """A port the unit should listen on is taken, or its address is not this host's."""


async def _listening(start, host: str, port: int):
    try:
        return await start(host, port)
    except OSError as err:
        reason = os.strerror(err.errno) if err.errno else str(err)
        if err.errno == errno.EADDRINUSE:
            raise CannotListen(f"{host}:{port} is in use ({reason})") from None
        raise CannotListen(f"cannot listen on {host}:{port} ({reason})") from None


def _port(server) -> int:
    if hasattr(server, "get_port"):
        return server.get_port()
    return server.sockets[0].getsockname()[1]
