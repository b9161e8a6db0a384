"""The SSH server of a unit (asyncssh): password and keyboard-interactive logins, interactive
shells and exec channels (`ssh fw show version`), many sessions sharing one unit."""

from __future__ import annotations

import asyncio
import logging

import asyncssh

from vpix.features.aaa import ATTEMPTS, FAILURE_DELAY, Aaa
from vpix.features.mgmt_access import MgmtAccess
from vpix.mgmt import scp
from vpix.mgmt.telnet import crlf
from vpix.features.aaa.terminal import RemoteTerminal, admitted
from vpix.features.mgmt_access import Station
from vpix.mgmt.doors import Door

log = logging.getLogger(__name__)


class _Server(asyncssh.SSHServer):
    """One SSH connection: from ``station`` (for a host port, what ``Door.station`` makes of
    the socket's peer), into the space ``door.space()`` names."""

    def __init__(self, unit, door: Door, station: Station | None = None, space=None):
        self.unit = unit
        self.door = door
        self.station = station
        self._space = space
        self.entered = False
        self.failures = 0

    def space(self):
        return self._space or self.door.space()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        if self.station is None:
            self.station = self.door.station(conn.get_extra_info("peername"))
        system = self.space()
        self.entered = self.door.gate.enter()
        if not self.entered or system is None or not system.feature(MgmtAccess).allows("ssh", self.station):
            conn.abort()

    def connection_lost(self, exc) -> None:
        if self.entered:
            self.entered = False
            self.door.gate.leave()

    def begin_auth(self, username: str) -> bool:
        system = self.space()
        banner = system.feature(MgmtAccess).banner("login") if system else ""
        if banner:
            self.conn.send_auth_banner(banner.replace("\n", "\r\n"))
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        return await self._check(username, password)

    def kbdint_auth_supported(self) -> bool:
        return True

    def get_kbdint_challenge(self, username, lang, submethods):
        return "", "", "", [("Password: ", False)]

    async def validate_kbdint_response(self, username, responses) -> bool:
        return len(responses) == 1 and await self._check(username, responses[0])

    async def _check(self, username: str, password: str) -> bool:
        """A password, as the device takes it: a wrong one costs a pause, and the connection
        is closed after the third."""
        system = self.space()
        if system is not None and system.feature(Aaa).check_login("ssh", username, password, self.station):
            return True
        self.failures += 1
        await _pause(self.unit.clock, FAILURE_DELAY)
        if self.failures >= ATTEMPTS:
            self.conn.close()
        return False


def _pause(clock, seconds: float) -> asyncio.Future:
    done = asyncio.get_running_loop().create_future()
    clock.call_later(seconds, lambda: done.done() or done.set_result(None))
    return done


async def _handle(process: asyncssh.SSHServerProcess) -> None:
    system = process.get_extra_info("connection").get_owner().space()
    if system is None or not admitted(system, "ssh"):
        process.exit(1)
        return
    username = process.get_extra_info("username")
    login = username if system.feature(Aaa).uses_local("ssh") else None

    pending: list[str] = []

    def flush() -> None:
        text = "".join(pending)
        pending.clear()
        if text and not process.is_closing():
            process.stdout.write(crlf(text).encode("latin-1", "replace"))

    def write(text: str) -> None:
        """What the session says in one turn of the loop leaves in one SSH packet (an echo
        and a prompt, a command's whole output), not a packet a piece."""
        if not pending:
            asyncio.get_running_loop().call_soon(flush)
        pending.append(text)

    connection = process.get_extra_info("connection")
    station = connection.get_owner().station
    details = {"version": "1.99", **{key: str(connection.get_extra_info(key) or "") for key in
                                     ("recv_cipher", "recv_mac", "send_cipher", "send_mac")}}
    scp_request = scp.request(process.command or "")
    status = 0
    try:
        if scp_request is not None and scp.allowed(system, login):
            status = await scp.serve(system, scp_request, process.stdin, process.stdout)
        elif process.command:
            await _exec(system, process.command, login, write, station, details)
        else:
            await _shell(system, process, login, write, station, details)
    except (asyncssh.Error, OSError):
        pass
    finally:
        flush()
        process.exit(status)


async def _exec(system, command: str, login: str | None, write, station, details) -> None:
    """`ssh unit show version`: one command, its output, then the channel closes."""
    finished = asyncio.Event()
    session = system.open_session("ssh", sink=write, username=login, interactive=False, peer=station)
    session.details = details
    try:
        session.submit(command, finished.set)
        await finished.wait()
    finally:
        session.close()


async def _shell(system, process, login: str | None, write, station, details) -> None:
    done = asyncio.Event()
    terminal = RemoteTerminal(system, "ssh", write, done.set, username=login, login=False, peer=station)
    terminal.on_open = lambda session: session.details.update(details)
    terminal.start()

    async def pump() -> None:
        while True:
            data = await process.stdin.read(4096)
            if not data:
                return
            terminal.feed(data.decode("latin-1"))

    reading = asyncio.ensure_future(pump())
    finished = asyncio.ensure_future(done.wait())
    try:
        await asyncio.wait([reading, finished], return_when=asyncio.FIRST_COMPLETED)
    finally:
        reading.cancel()
        finished.cancel()
        terminal.close()


def _options(unit) -> dict:
    key = asyncssh.import_private_key((unit.directory / "ssh_host_key").read_bytes())
    return dict(server_host_keys=[key], process_factory=_handle, encoding=None, line_editor=False,
                login_timeout=30, keepalive_interval=0)


async def start_ssh(unit, door: Door, host: str, port: int):
    """SSH on a host port."""
    return await asyncssh.create_server(lambda: _Server(unit, door), host, port, **_options(unit))


async def serve_ssh(unit, door: Door, sock, station: Station, space) -> None:
    """SSH over ``sock`` (a connection to an interface address of ``space``), from ``station``."""
    try:
        await asyncssh.run_server(sock, server_factory=lambda: _Server(unit, door, station, space),
                                  **_options(unit))
    except (asyncssh.Error, OSError, asyncio.TimeoutError):
        sock.close()
