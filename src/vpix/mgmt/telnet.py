"""Telnet servers: the unit's Telnet management access and its console port.

Both run on telnetlib3. Output newlines become CR LF on the wire, as a terminal wants.
"""

from __future__ import annotations

import asyncio
import logging

import telnetlib3

from vpix.features.aaa.terminal import RemoteTerminal, admitted
from vpix.features.mgmt_access import MgmtAccess, Station
from vpix.mgmt.doors import Door
from vpix.mgmt.owner import owner_may_connect

log = logging.getLogger(__name__)
READ_CHUNK = 4096


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


async def _pump(reader, feed) -> None:
    """What the client types, until it goes (hanging up or resetting the connection alike)."""
    while True:
        try:
            data = await reader.read(READ_CHUNK)
        except (ConnectionError, OSError):
            return
        if not data:
            return
        feed(data)


async def _serve_telnet(door: Door, reader, writer, station: Station | None = None, space=None) -> None:
    if not door.gate.enter():
        writer.close()
        return
    try:
        await _telnet_session(space or door.space(), reader, writer,
                              station or door.station(writer.get_extra_info("peername")))
    finally:
        door.gate.leave()


async def _telnet_session(system, reader, writer, station: Station) -> None:
    if system is None or not system.feature(MgmtAccess).allows("telnet", station) or not admitted(system, "telnet"):
        writer.close()
        return
    done = asyncio.Event()
    terminal = RemoteTerminal(system, "telnet", lambda t: writer.write(crlf(t)), done.set, peer=station)
    terminal.start()
    reading = asyncio.ensure_future(_pump(reader, terminal.feed))
    finished = asyncio.ensure_future(done.wait())
    try:
        await asyncio.wait([reading, finished], return_when=asyncio.FIRST_COMPLETED)
    finally:
        reading.cancel()
        finished.cancel()
        terminal.close()
        writer.close()


async def _serve_console(unit, reader, writer) -> None:
    peer, local = writer.get_extra_info("peername"), writer.get_extra_info("sockname")
    if not owner_may_connect(peer[:2], local[:2]):
        writer.write("% The console belongs to another user\r\n")
        writer.close()
        return

    def out(text: str) -> None:
        writer.write(crlf(text))

    unit.console.listeners.append(out)
    if unit.state == "running" and unit.console_session is not None:
        out(unit.console_session.prompt())
    try:
        await _pump(reader, unit.console.input)
    finally:
        if out in unit.console.listeners:
            unit.console.listeners.remove(out)
        writer.close()


async def start_telnet(door: Door, host: str, port: int):
    """Telnet on a host port."""
    return await _start(lambda r, w: _serve_telnet(door, r, w), host, port)


async def serve_telnet(door: Door, sock, station: Station, space) -> None:
    """Telnet over ``sock`` (a connection to an interface address of ``space``), from ``station``."""
    shell = lambda r, w: _serve_telnet(door, r, w, station, space)     # noqa: E731
    await asyncio.get_running_loop().connect_accepted_socket(
        lambda: telnetlib3.TelnetServer(shell=shell, **_OPTIONS), sock=sock)


async def start_console(unit, host: str, port: int):
    return await _start(lambda r, w: _serve_console(unit, r, w), host, port)


_OPTIONS = dict(connect_maxwait=0.5, encoding="latin-1", encoding_errors="replace", timeout=0)


async def _start(shell, host: str, port: int):
    return await telnetlib3.create_server(host=host, port=port, shell=shell, **_OPTIONS)
