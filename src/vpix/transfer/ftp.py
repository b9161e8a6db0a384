"""FTP client, as the device uses it: to fetch an image (log in, binary mode, check the file
can be read with RETR then ABOR, then fetch it) and to store a file (STOR), in passive (PASV)
or active (PORT) mode.

The control channel's reply parsing is sans-IO (``Replies``). The check closes its data
connection *before* sending ABOR and never waits on the server without a time limit, so a
server that handles ABOR synchronously (vsftpd's `async_abor_enable=NO`) cannot stall it.
"""

from __future__ import annotations

import asyncio
import re

from vpix.numbers import is_number
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Callable

CHUNK = 1 << 16


class FtpError(Exception):
    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}")
        self.code = code
        self.text = text


@dataclass(frozen=True)
class Reply:
    code: int
    text: str


class Replies:
    """Turns control-channel bytes into replies, multi-line ones (`123-` … `123 `) included."""

    def __init__(self) -> None:
        self._buffer = b""
        self._lines: list[str] = []
        self._open: str | None = None

    def feed(self, data: bytes) -> list[Reply]:
        self._buffer += data
        out = []
        while b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
            line = raw.rstrip(b"\r").decode("latin-1")
            if self._open is None:
                if len(line) >= 4 and is_number(line[:3]) and line[3] == "-":
                    self._open, self._lines = line[:3], [line[4:]]
                    continue
                if len(line) >= 3 and is_number(line[:3]):
                    out.append(Reply(int(line[:3]), line[4:]))
                continue
            self._lines.append(line)
            if line.startswith(self._open + " "):
                out.append(Reply(int(self._open), "\n".join(self._lines)))
                self._open = None
        return out


class _Control:
    def __init__(self, reader, writer, timeout: float):
        self.reader, self.writer, self.timeout = reader, writer, timeout
        self.parser = Replies()
        self.pending: list[Reply] = []

    async def reply(self) -> Reply:
        while not self.pending:
            data = await asyncio.wait_for(self.reader.read(4096), self.timeout)
            if not data:
                raise FtpError(421, "Service not available, closing control connection")
            self.pending += self.parser.feed(data)
        return self.pending.pop(0)

    async def command(self, line: str, ok: tuple[int, ...]) -> Reply:
        self.writer.write(line.encode("latin-1") + b"\r\n")
        reply = await self.reply()
        if reply.code not in ok:
            raise FtpError(reply.code, reply.text)
        return reply


async def _open_data(control: _Control, passive: bool, local_ip: str):
    """Opens the data connection's way: (a connection or future of one, the PORT listener)."""
    if passive:
        reply = await control.command("PASV", (227,))
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", reply.text)
        if not m:
            raise FtpError(reply.code, reply.text)
        host = ".".join(m.groups()[:4])
        port = int(m[5]) * 256 + int(m[6])
        return asyncio.open_connection(host, port), None
    accepted: asyncio.Future = asyncio.get_running_loop().create_future()

    def on_connect(reader, writer) -> None:
        if not accepted.done():
            accepted.set_result((reader, writer))
        else:
            writer.close()

    server = await asyncio.start_server(on_connect, local_ip, 0)
    port = server.sockets[0].getsockname()[1]
    await control.command(f"PORT {local_ip.replace('.', ',')},{port // 256},{port % 256}", (200,))
    return accepted, server


async def _transfer(control: _Control, verb: str, path: str, passive: bool, local_ip: str):
    """The data connection for ``verb`` (RETR or STOR) of ``path``, once the server took it."""
    opening, server = await _open_data(control, passive, local_ip)
    control.writer.write(f"{verb} {path}\r\n".encode("latin-1"))
    if passive:
        data = await asyncio.wait_for(opening, control.timeout)
    reply = await control.reply()
    if reply.code not in (125, 150):
        if server:
            server.close()
        raise FtpError(reply.code, reply.text)
    if not passive:
        data = await asyncio.wait_for(opening, control.timeout)
        server.close()
    return data


@asynccontextmanager
async def _logged_in(host: str, port: int, user: str, password: str, timeout: float):
    """A control connection, logged in and in binary mode; QUIT when done with it."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    control = _Control(reader, writer, timeout)
    try:
        greeting = await control.reply()
        if greeting.code != 220:
            raise FtpError(greeting.code, greeting.text)
        reply = await control.command(f"USER {user}", (230, 331))
        if reply.code == 331:
            await control.command(f"PASS {password}", (230, 202))
        await control.command("TYPE I", (200,))
        yield control
        writer.write(b"QUIT\r\n")
    finally:
        writer.close()


async def _completed(control: _Control) -> None:
    done = await control.reply()
    if done.code not in (226, 250):
        raise FtpError(done.code, done.text)


async def fetch(host: str, path: str, on_data: Callable[[bytes], None], *, user: str = "anonymous",
                password: str = "", port: int = 21, passive: bool = True, timeout: float = 10.0) -> int:
    """Download ``path``; returns the byte count. Raises FtpError with the server's reply."""
    async with _logged_in(host, port, user, password, timeout) as control:
        local_ip = control.writer.get_extra_info("sockname")[0]
        await _check(control, path, passive, local_ip)
        data_reader, data_writer = await _transfer(control, "RETR", path, passive, local_ip)
        total = 0
        while True:
            chunk = await asyncio.wait_for(data_reader.read(CHUNK), timeout)
            if not chunk:
                break
            total += len(chunk)
            on_data(chunk)
        data_writer.close()
        await _completed(control)
        return total


async def store(host: str, path: str, data: bytes, *, user: str = "anonymous", password: str = "",
                port: int = 21, passive: bool = True, timeout: float = 10.0,
                on_sent: Callable[[int], None] = lambda sent: None) -> None:
    """Upload ``data`` as ``path``; ``on_sent`` hears how much has gone. Raises FtpError with
    the server's reply."""
    async with _logged_in(host, port, user, password, timeout) as control:
        local_ip = control.writer.get_extra_info("sockname")[0]
        _, data_writer = await _transfer(control, "STOR", path, passive, local_ip)
        for start in range(0, len(data), CHUNK):
            data_writer.write(data[start:start + CHUNK])
            await asyncio.wait_for(data_writer.drain(), timeout)
            on_sent(min(len(data), start + CHUNK))
        data_writer.close()
        await asyncio.wait_for(data_writer.wait_closed(), timeout)
        await _completed(control)


async def _check(control: _Control, path: str, passive: bool, local_ip: str) -> None:
    """Can the file be read? Start RETR, take one chunk, drop the data connection, ABOR."""
    data_reader, data_writer = await _transfer(control, "RETR", path, passive, local_ip)
    await asyncio.wait_for(data_reader.read(1), control.timeout)
    data_writer.transport.abort()
    # Whatever the server answers to the broken transfer and to ABOR (426, 225, 226, in
    # either order, or only some of them), NOOP's 200 marks the end of it.
    control.writer.write(b"ABOR\r\nNOOP\r\n")
    while (await control.reply()).code != 200:
        pass
