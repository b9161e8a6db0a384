"""The management doors of a unit: Telnet and SSH, each with its gate of sessions, answering
on the host port vpix opens and on the unit's own interface addresses.

A connection to an interface address comes from a station the unit can name: its source
address and the interface it arrived on. It is let in when an `ssh`/`telnet` permit line
covers both (else dropped, with 710003, as the device does) and is handed to the same server
as a host port's, over a local socket pair. A connection on a host port comes from the
management station the lab names for it (interface and address); with none named, from its
own address on whichever interface a permit line names."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from vpix.features.aaa.terminal import Gate
from vpix.features.mgmt_access import MgmtAccess, Station
from vpix.net.splice import Splice
from vpix.net.tcp import Connection, Handlers

PORTS = {"telnet": 23, "ssh": 22}


@dataclass
class HostStation:
    """What a connection on a host port counts as (None: the socket's own address / any interface)."""
    ifname: str | None = None
    address: str | None = None


@dataclass
class Door:
    service: str
    unit: object
    host_station: HostStation = field(default_factory=HostStation)
    gate: Gate = field(default_factory=Gate)

    def space(self):
        """Where a host port's sessions land."""
        return self.unit.management_space()

    def station(self, peername) -> Station:
        """The station a host port's connection from ``peername`` counts as."""
        address, port = (peername or ("127.0.0.1", 0))[:2]
        return Station(self.host_station.address or address, port, self.host_station.ifname)

    def on_interfaces(self, serve: Callable[[socket.socket, Station, object], Awaitable[None]]) -> None:
        """Answer on the service's port of every interface address the unit holds: ``serve``
        (server socket, station, space) runs each connection let in."""

        def accept(space, conn: Connection) -> Handlers | None:
            station = Station(conn.remote[0], conn.remote[1], conn.via)
            if not space.feature(MgmtAccess).allows(self.service, station):
                space.syslog(3, 710003, f"TCP access denied by ACL from {station.address}/{station.port} to "
                                        f"{conn.via}:{conn.local[0]}/{self.service}")
                return None
            splice = Splice(conn)

            def opened() -> None:           # not at the SYN: a flood of half-open ones costs nothing here
                ours, theirs = socket.socketpair()
                loop = asyncio.get_running_loop()
                loop.create_task(loop.connect_accepted_socket(lambda: splice, ours))
                loop.create_task(serve(theirs, station, space))
            return splice.handlers(opened=opened)

        self.unit.services[PORTS[self.service]] = accept
