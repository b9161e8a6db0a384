"""The SSH server of a unit (asyncssh): password and keyboard-interactive logins, interactive
shells and exec channels (`ssh fw show version`), many sessions sharing one unit.

It speaks as the unit's train does (REFERENCE.md): 7.x/8.0 identify as `SSH-1.99-Cisco-1.25`
(`SSH-2.0-…` with `ssh version 2`) and offer only the device's algorithms (AES and 3DES in CBC
mode, HMAC-SHA1/MD5, diffie-hellman-group1-sha1, an ssh-rsa host key), and only once the unit
has an RSA key pair (`crypto key generate rsa`); PIX OS 6.x (and `ssh version 1`) speaks SSH
version 1 only, so an SSH-2 client is turned away at the version exchange. A unit made with
modern SSH also offers asyncssh's own algorithms."""

from __future__ import annotations

import asyncio
import logging
import socket

import asyncssh

from vpix.features import keypair
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

    def __init__(self, unit, door: Door, station: Station | None = None, space=None, identification: str = "2.0"):
        self.unit = unit
        self.identification = identification
        self.door = door
        self.station = station
        self._space = space
        self.entered = False
        self.failures = 0

    def space(self):
        return self._space or self.door.space()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        if self.identification != "2.0":
            # asyncssh always says "SSH-2.0-"; the device says "SSH-1.99-" (both versions
            # welcome). This runs just before asyncssh sends its line.
            conn._send_version = lambda: _send_identification(conn, f"SSH-{self.identification}-{SOFTWARE}")
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
    details = {"version": connection.get_owner().identification, **{key: str(connection.get_extra_info(key) or "") for key in
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


SOFTWARE = "Cisco-1.25"
DEVICE_ALGORITHMS = dict(kex_algs=["diffie-hellman-group1-sha1"],
                         encryption_algs=["aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc"],
                         mac_algs=["hmac-sha1", "hmac-md5"], compression_algs=["none"])


# What an OpenSSH client of today needs to reach the device's SSH
OPENSSH_OPTIONS = "-oKexAlgorithms=+diffie-hellman-group1-sha1 -oHostKeyAlgorithms=+ssh-rsa -oCiphers=+aes128-cbc"


def client_command(unit, port: int, host: str) -> str | None:
    """The `ssh` line that reaches the unit, or None when it speaks SSH version 1 only."""
    if unit.system is not None and train(unit.system.management_space()) == "1.5":
        return None
    return f"ssh {'' if unit.identity.modern_ssh else OPENSSH_OPTIONS + ' '}-p {port} USER@{host}"


def _send_identification(conn, line: str) -> None:
    conn._server_version = line.encode()
    conn.set_extra_info(server_version=line)
    conn._send(line.encode() + b"\r\n")


def train(system) -> str:
    """The SSH protocol version the space speaks now: "1.5" (version 1 only), "1.99" (both),
    "2.0"."""
    if system is None or system.family == "6.x":
        return "1.5"
    return {1: "1.5", 2: "2.0"}.get(system.feature(MgmtAccess).ssh_version, "1.99")


def _options(unit, pair: keypair.KeyPair) -> dict:
    key = pair.key()
    algorithms = {} if unit.identity.modern_ssh else {
        **DEVICE_ALGORITHMS, "signature_algs": ["ssh-rsa"] if key.algorithm == b"ssh-rsa" else [key.algorithm]}
    return dict(server_host_keys=[key], process_factory=_handle, encoding=None, line_editor=False,
                login_timeout=30, keepalive_interval=0, server_version=SOFTWARE, **algorithms)


class _Listener:
    """SSH on a host port: each connection meets the unit as it is when it arrives (its train,
    its key pair, its `ssh version`)."""

    def __init__(self, sock: socket.socket, task: asyncio.Task):
        self.sockets, self._task = [sock], task

    def close(self) -> None:
        self._task.cancel()
        self.sockets[0].close()

    async def wait_closed(self) -> None:
        try:
            await self._task
        except asyncio.CancelledError:
            pass


async def start_ssh(unit, door: Door, host: str, port: int) -> _Listener:
    """SSH on a host port."""
    loop = asyncio.get_running_loop()
    sock = socket.create_server((host, port), backlog=64)
    sock.setblocking(False)

    async def accept() -> None:
        while True:
            conn, _ = await loop.sock_accept(sock)
            loop.create_task(serve_ssh(unit, door, conn))

    return _Listener(sock, loop.create_task(accept()))


async def serve_ssh(unit, door: Door, sock, station: Station | None = None, space=None) -> None:
    """SSH over ``sock`` (a host port's connection, or one to an interface address of
    ``space`` from ``station``)."""
    version = train(space or door.space())
    pair = keypair.stored(unit.flash)
    try:
        if version == "1.5":
            await _version_one_only(sock)
        elif pair is None:
            unit.system.syslog(3, 315004, "Fail to establish SSH session because RSA host key retrieval failed.")
            sock.close()
        else:
            await asyncssh.run_server(sock, server_factory=lambda: _Server(unit, door, station, space, version),
                                      **_options(unit, pair))
    except (asyncssh.Error, OSError, asyncio.TimeoutError):
        sock.close()


async def _version_one_only(sock) -> None:
    """The device's side of an SSH-2 client meeting a version 1 server: its line, the
    client's, and the parting words."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    try:
        await loop.sock_sendall(sock, f"SSH-1.5-{SOFTWARE}\r\n".encode())
        heard = await asyncio.wait_for(loop.sock_recv(sock, 256), 10)
        if heard.startswith(b"SSH-2") or not heard.startswith(b"SSH-1"):
            await loop.sock_sendall(sock, b"Protocol major versions differ.\n")
    finally:
        sock.close()
