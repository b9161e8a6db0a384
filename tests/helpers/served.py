"""Units served over real sockets on 127.0.0.1 for synchronous clients (Netmiko, scrapli, pexpect),
and the configuration of the vsftpd the FTP tests run."""

from __future__ import annotations

import socket
import threading
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


def serve(tmp: Path, image: Path, platform: str = "PIX-515E", hostname: str = "fw1",
          modern_ssh: bool = False) -> BackgroundUnit:
    hw = unitdir.platform(platform)
    config = LAB_CONFIG.format(hostname=hostname, outside=hw.interfaces[0], inside=hw.interfaces[1])
    unitdir.create(tmp, platform, image=image, host_key=host_key(), startup_config=config, modern_ssh=modern_ssh)
    return BackgroundUnit(tmp)


MULTIPLE_SYSTEM = """\
hostname {hostname}
interface {outside}
interface {inside}
interface {dmz}
admin-context admin
context admin
  allocate-interface {outside}
  allocate-interface {inside}
  config-url flash:/admin.cfg
context ctx1
  allocate-interface {dmz}
  config-url flash:/ctx1.cfg
"""


def serve_multiple(tmp: Path, image: Path, platform: str = "PIX-515E", hostname: str = "fw1") -> BackgroundUnit:
    """A unit in multiple context mode: an admin context as the single lab unit was configured,
    and a context ctx1 with the third interface."""
    hw = unitdir.platform(platform)
    names = dict(hostname=hostname, outside=hw.interfaces[0], inside=hw.interfaces[1], dmz=hw.interfaces[2])
    unitdir.create(tmp, platform, image=image, host_key=host_key(), startup_config=MULTIPLE_SYSTEM.format(**names))
    flash = tmp / "flash"
    (flash / "admin.cfg").write_text(LAB_CONFIG.format(**names))
    (flash / ".private" / "context-mode").write_bytes(b"multiple")
    return BackgroundUnit(tmp)


def vsftpd_config(root: Path, address: str, port: int, passive_ports: range, async_abor: bool = False,
                  from_port_20: bool = False, uploads: bool = False) -> str:
    """vsftpd in the foreground on ``address``:``port``, anonymous on ``root`` (read-only, or
    taking uploads where the directory lets anyone write), passive data ports from
    ``passive_ports``; active data connections from port 20 if asked."""
    Path("/var/run/vsftpd/empty").mkdir(parents=True, exist_ok=True)
    return f"""listen=YES
listen_address={address}
listen_port={port}
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root={root}
local_enable=NO
write_enable={'YES' if uploads else 'NO'}
anon_upload_enable={'YES' if uploads else 'NO'}
anon_other_write_enable={'YES' if uploads else 'NO'}
pasv_enable=YES
pasv_address={address}
pasv_min_port={passive_ports.start}
pasv_max_port={passive_ports.stop - 1}
port_enable=YES
connect_from_port_20={'YES' if from_port_20 else 'NO'}
async_abor_enable={'YES' if async_abor else 'NO'}
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
"""


class Line:
    """A plain TCP client of a unit's Telnet or console port that waits for what it expects
    instead of sleeping: ``expect`` reads until a text has shown."""

    def __init__(self, port: int, timeout: float = 30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.pending = ""

    def send(self, data: bytes) -> "Line":
        self.sock.sendall(data)
        return self

    def expect(self, text: str) -> str:
        """Everything up to and including the next ``text``; EOFError if the unit hangs up first."""
        while text not in self.pending:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.pending)
            self.pending += chunk.decode("latin-1")
        end = self.pending.index(text) + len(text)
        seen, self.pending = self.pending[:end], self.pending[end:]
        return seen

    def until_closed(self) -> str:
        """Everything until the unit hangs up."""
        while chunk := self.sock.recv(65536):
            self.pending += chunk.decode("latin-1")
        seen, self.pending = self.pending, ""
        return seen

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "Line":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def telnet_login(port: int, password: bytes = b"cisco", prompt: str = "> ") -> Line:
    """A Telnet session past its password, at ``prompt``."""
    line = Line(port)
    line.expect("Password: ")
    line.send(password + b"\r\n").expect(prompt)
    return line


def wait_until(condition, attempts: int = 1000, interval: float = 0.005) -> None:
    """Poll ``condition`` until it holds: a bounded number of looks, never a fixed sleep
    standing for an event."""
    for _ in range(attempts):
        if condition():
            return
        threading.Event().wait(interval)
    raise AssertionError("the condition never held")


def free_udp_ports(count: int) -> list[int]:
    """UDP ports on 127.0.0.1 nothing uses now, as the OS hands them out."""
    held = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for sock in held:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


async def settle(unit, timeout: float = 20.0) -> None:
    """Until the console's command (a transfer, say) has finished; ``timeout`` only guards
    against a hang."""
    await until(unit.clock, lambda: not unit.console_session.busy, timeout)


async def until(clock, condition, timeout: float = 20.0) -> None:
    """Until ``condition()`` holds, a virtual ``clock`` following the real time servers on
    loopback take meanwhile."""
    import asyncio
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with ticking(clock):
        while not condition():
            if loop.time() - start > timeout:
                raise AssertionError("the condition never held")
            await asyncio.sleep(0)


async def typed(unit, term, text: str) -> str:
    """What the console shows for ``text`` until the command it ends has finished."""
    out = term.type(text)
    await settle(unit)
    return out + term.read()


class ticking:
    """``async with ticking(clock)``: a virtual clock follows real time while the block awaits
    real I/O (a client of the unit's in the event loop)."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.task = None

    async def __aenter__(self) -> "ticking":
        import asyncio
        self.task = asyncio.get_running_loop().create_task(self._tick())
        return self

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()

    async def _tick(self) -> None:
        import asyncio
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0)
            now = loop.time()
            if hasattr(self.clock, "advance"):       # a unit in real time needs no help
                self.clock.advance(now - last)
            last = now
