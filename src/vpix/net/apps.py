"""Servers for emulated hosts, over their own TCP: an FTP server (passive and active mode)
and an HTTP/1.0 server that sends at a set rate. With the device's own clients
(vpix.transfer) they let the failover functionality test — a file sent by FTP between hosts
on different interfaces, a long transfer across a takeover — and the unit's copy run with
no root and no kernel."""

from __future__ import annotations

import itertools
from typing import Callable

from vpix.clock import Alarm
from vpix.net.tcp import CLOSED, WINDOW, Connection, Handlers, TcpLayer
from vpix.numbers import is_number

PACE = 0.01                         # a rate-limited sender's tick, seconds
PASSIVE_PORTS = range(50000, 50100)


class _Lines:
    """CRLF-terminated lines out of a byte stream."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line.rstrip(b"\r").decode("latin-1") for line in lines]


# ---------------------------------------------------------------- FTP


class FtpServer:
    """Anonymous FTP on port 21 serving and storing ``files`` (name -> contents)."""

    def __init__(self, tcp: TcpLayer, files: dict[str, bytes]):
        self.tcp = tcp
        self.files = files
        self._ports = itertools.cycle(PASSIVE_PORTS)      # a port comes round again after 100 transfers
        tcp.listen(21, lambda conn: _FtpSession(self, conn).handlers)


class _FtpSession:
    def __init__(self, server: FtpServer, control: Connection):
        self.server = server
        self.control = control
        self.lines = _Lines()
        self.handlers = Handlers(opened=lambda: self.reply("220 (vpix lab FTP)"), data=self._data,
                                 eof=control.close)
        self.passive_port: int | None = None
        self.active_to: tuple[str, int] | None = None
        self.data_conn: Connection | None = None
        self.transfer: Callable[[Connection], None] | None = None

    def reply(self, text: str) -> None:
        self.control.send(text.encode("latin-1") + b"\r\n")

    def _data(self, data: bytes) -> None:
        for line in self.lines.feed(data):
            verb, _, argument = line.partition(" ")
            getattr(self, f"_{verb.lower()}", self._unknown)(argument)

    def _unknown(self, argument: str) -> None:
        self.reply("500 Unknown command.")

    def _user(self, argument: str) -> None:
        self.reply("331 Please specify the password.")

    def _pass(self, argument: str) -> None:
        self.reply("230 Login successful.")

    def _type(self, argument: str) -> None:
        self.reply("200 Switching to Binary mode.")

    def _noop(self, argument: str) -> None:
        self.reply("200 NOOP ok.")

    def _abor(self, argument: str) -> None:
        self.reply("225 No transfer to ABOR.")

    def _quit(self, argument: str) -> None:
        self.reply("221 Goodbye.")
        self.control.close()

    def _pasv(self, argument: str) -> None:
        port = self.passive_port = next(self.server._ports)
        self.active_to = None
        self.server.tcp.listen(port, self._passive_accept)
        numbers = self.control.local[0].replace(".", ",")
        self.reply(f"227 Entering Passive Mode ({numbers},{port >> 8},{port & 0xFF}).")

    def _port(self, argument: str) -> None:
        fields = argument.split(",")
        if len(fields) != 6 or not all(is_number(f) for f in fields):
            return self.reply("500 Illegal PORT command.")
        self.active_to = (".".join(fields[:4]), int(fields[4]) << 8 | int(fields[5]))
        self.passive_port = None
        self.reply("200 PORT command successful. Consider using PASV.")

    def _retr(self, name: str) -> None:
        if name not in self.server.files:
            return self.reply("550 Failed to open file.")
        contents = self.server.files[name]
        self._open_data(f"150 Opening BINARY mode data connection for {name} ({len(contents)} bytes).",
                        lambda conn: self._send_file(conn, contents))

    def _stor(self, name: str) -> None:
        self._open_data("150 Ok to send data.", lambda conn: self._receive_file(conn, name))

    def _send_file(self, conn: Connection, contents: bytes) -> None:
        conn.handlers.closed = self._transferred
        conn.send(contents)
        conn.close()

    def _receive_file(self, conn: Connection, name: str) -> None:
        chunks: list[bytes] = []

        def stored() -> None:
            self.server.files[name] = b"".join(chunks)
            conn.close()
        conn.handlers.data = chunks.append
        conn.handlers.eof = stored
        conn.handlers.closed = self._transferred

    def _transferred(self, error: str | None) -> None:
        self.data_conn = self.passive_port = self.active_to = None    # the next needs PASV or PORT again
        self.reply("426 Failure writing network stream." if error else "226 Transfer complete.")

    def _open_data(self, opening: str, transfer: Callable[[Connection], None]) -> None:
        """The data connection: ours to the client's PORT, or the client's to our PASV port
        (now, or when it comes). A connection not open yet keeps what is sent until it is."""
        if self.active_to is None and self.passive_port is None:
            return self.reply("425 Use PORT or PASV first.")
        self.reply(opening)
        if self.active_to is not None:
            transfer(self.server.tcp.connect(*self.active_to, Handlers(), local_port=20))
        elif self.data_conn is not None:
            transfer(self.data_conn)
        else:
            self.transfer = transfer

    def _passive_accept(self, conn: Connection) -> Handlers:
        self.server.tcp.listeners.pop(conn.local_port, None)
        self.data_conn = conn
        if self.transfer is not None:
            transfer, self.transfer = self.transfer, None
            transfer(conn)
        return conn.handlers


# ---------------------------------------------------------------- HTTP


class HttpServer:
    """HTTP/1.0 GET of ``files`` on port 80, each sent at ``rate`` bytes a second (as fast as
    TCP allows without one) and the connection closed after."""

    def __init__(self, tcp: TcpLayer, files: dict[str, bytes], rate: int | None = None):
        self.tcp = tcp
        self.files = files
        self.rate = rate
        tcp.listen(80, self._accept)

    def _accept(self, conn: Connection) -> Handlers:
        lines = _Lines()

        def request(data: bytes) -> None:
            for line in lines.feed(data):
                if line.startswith("GET "):
                    self._respond(conn, line.split()[1].lstrip("/"))
        return Handlers(data=request, eof=conn.close)

    def _respond(self, conn: Connection, name: str) -> None:
        body = self.files.get(name)
        if body is None:
            conn.send(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return conn.close()
        conn.send(f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        if self.rate is None:
            conn.send(body)
            return conn.close()
        _Paced(conn, body, int(self.rate * PACE))


class _Paced:
    """Feeds a body to a connection a slice per tick, never more than a window ahead."""

    def __init__(self, conn: Connection, body: bytes, per_tick: int):
        self.conn, self.body, self.per_tick = conn, memoryview(body), per_tick
        self.alarm = Alarm(conn.tcp.clock, self._tick)
        self._tick()

    def _tick(self) -> None:
        if self.conn.state == CLOSED:
            return
        if self.conn.outstanding < WINDOW:
            piece, self.body = self.body[:self.per_tick], self.body[self.per_tick:]
            self.conn.send(bytes(piece))
        if not self.body:
            return self.conn.close()
        self.alarm.after(PACE)
