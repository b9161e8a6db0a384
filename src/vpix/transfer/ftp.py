"""FTP client, as the device uses it, on a TCP of its own (the unit's, or an emulated
host's): fetch a file (log in, binary mode, check the file can be read with RETR then ABOR,
then fetch it) or store one (STOR), in passive (PASV) or active (PORT) mode.

Sans-IO on the TCP core: the dialogue is a generator that waits for replies and data-channel
events, each moment of waiting bounded by an idle timer on the injected clock. The check
resets its data connection *before* sending ABOR, so a server that handles ABOR
synchronously (vsftpd's `async_abor_enable=NO`) cannot stall it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Callable, Generator

from vpix.clock import Alarm
from vpix.net.tcp import Connection, Handlers, NoRoute, TcpLayer
from vpix.numbers import is_number

IDLE_TIMEOUT = 10.0


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


class _Channel:
    """One data connection: what it delivered, whether it has ended."""

    def __init__(self, session: "FtpSession", sink: Callable[[bytes], None] | None):
        self.session, self.sink = session, sink
        self.conn: Connection | None = None
        self.opened = self.got = self.ended = False

    def handlers(self) -> Handlers:
        return Handlers(opened=self._opened, data=self._data, eof=self._eof, closed=self._closed,
                        acked=self.session._acked)

    def take(self, conn: Connection) -> Handlers:
        """The server's connection (active mode) is this channel's: its handlers, for the listener to give."""
        self.conn = conn
        return self.handlers()

    def _opened(self) -> None:
        self.opened = True
        self.session._poke()

    def _data(self, chunk: bytes) -> None:
        self.got = True
        if self.sink is not None:
            self.sink(chunk)
        self.session._poke()

    def _eof(self) -> None:
        self.ended = True
        self.conn.close()
        self.session._poke()

    def _closed(self, error: str | None) -> None:
        self.ended = True
        self.session._poke()


class FtpSession:
    """One fetch or store. ``done(None)`` when it worked, else ``done(failure)``: an FtpError
    with the server's reply, TimeoutError, ConnectionError, or NoRoute."""

    def __init__(self, tcp: TcpLayer, host: str, done: Callable[[object], None], *, port: int = 21,
                 user: str = "anonymous", password: str = "", passive: bool = True, via: str | None = None,
                 idle_timeout: float = IDLE_TIMEOUT):
        self.tcp, self.host, self.port, self.done = tcp, host, port, done
        self.user, self.password, self.passive, self.via = user, password, passive, via
        self.idle_timeout = idle_timeout
        self.replies: deque[Reply] = deque()
        self.parser = Replies()
        self.channel: _Channel | None = None
        self.control: Connection | None = None
        self.finished = False
        self.on_sent: Callable[[int], None] = lambda total: None
        self.sent = 0
        self._listening: int | None = None
        self._idle = Alarm(tcp.clock, lambda: self._finish(TimeoutError(110, "Timed out")))
        self._script: Generator | None = None
        self._connected = False
        self._running = self._again = False

    def fetch(self, path: str, on_data: Callable[[bytes], None]) -> "FtpSession":
        return self._start(self._fetch(path, on_data))

    def store(self, path: str, data: bytes, on_sent: Callable[[int], None] = lambda total: None) -> "FtpSession":
        self.on_sent = on_sent
        return self._start(self._store(path, data))

    def cancel(self) -> None:
        self._finish(ConnectionAbortedError(103, "Aborted"))

    # ------------------------------------------------------------ the dialogue

    def _fetch(self, path: str, on_data):
        yield from self._login()
        channel = yield from self._transfer("RETR", path, None)        # can it be read?
        while not (channel.got or channel.ended):
            yield
        self.channel = None
        channel.conn.abort()
        self.control.send(b"ABOR\r\nNOOP\r\n")
        # Whatever the server answers to the broken transfer and to ABOR (426, 225, 226, in
        # either order, or only some of them), NOOP's 200 marks the end of it.
        while (yield from self._reply()).code != 200:
            pass
        channel = yield from self._transfer("RETR", path, on_data)
        yield from self._completed(channel)

    def _store(self, path: str, data: bytes):
        yield from self._login()
        channel = yield from self._transfer("STOR", path, None)
        while not channel.opened and not channel.ended:
            yield
        channel.conn.send(data)
        channel.conn.close()
        yield from self._completed(channel)

    def _login(self):
        yield from self._reply((220,))
        if (yield from self._command(f"USER {self.user}", (230, 331))).code == 331:
            yield from self._command(f"PASS {self.password}", (230, 202))
        yield from self._command("TYPE I", (200,))

    def _transfer(self, verb: str, path: str, sink):
        """The data connection for ``verb`` of ``path``, once the server has taken it."""
        channel = self.channel = _Channel(self, sink)
        if self.passive:
            reply = yield from self._command("PASV", (227,))
            m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", reply.text)
            if not m:
                raise FtpError(reply.code, reply.text)
            address, port = ".".join(m.groups()[:4]), int(m[5]) * 256 + int(m[6])
            channel.conn = self.tcp.connect(address, port, channel.handlers(), via=self.via)
        else:
            self._listening = self.tcp.ephemeral_port()
            self.tcp.listen(self._listening, lambda conn: self._accepted(channel, conn))
            local = self.control.local[0].replace(".", ",")
            yield from self._command(f"PORT {local},{self._listening >> 8},{self._listening & 0xFF}", (200,))
        yield from self._command(f"{verb} {path}", (125, 150))
        while channel.conn is None:            # active: the server connects back
            yield
        return channel

    def _accepted(self, channel: _Channel, conn: Connection) -> Handlers | None:
        if conn.remote[0] != self.host or channel.conn is not None:
            return None
        self._unlisten()
        handlers = channel.take(conn)
        self._poke()
        return handlers

    def _completed(self, channel: _Channel):
        while not channel.ended:
            yield
        done = yield from self._reply()
        if done.code not in (226, 250):
            raise FtpError(done.code, done.text)
        self.control.send(b"QUIT\r\n")

    def _command(self, line: str, ok: tuple[int, ...]):
        self.control.send(line.encode("latin-1") + b"\r\n")
        return (yield from self._reply(ok))

    def _reply(self, ok: tuple[int, ...] | None = None):
        while not self.replies:
            yield
        reply = self.replies.popleft()
        if ok is not None and reply.code not in ok:
            raise FtpError(reply.code, reply.text)
        return reply

    # ------------------------------------------------------------ driving it

    def _start(self, script) -> "FtpSession":
        self._script = script
        try:
            handlers = Handlers(opened=self._control_opened, data=self._control_data, closed=self._control_closed)
            self.control = self.tcp.connect(self.host, self.port, handlers, via=self.via)
        except NoRoute as err:
            self._finish(err)
            return self
        self._poke()
        return self

    def _control_opened(self) -> None:
        self._connected = True

    def _control_data(self, data: bytes) -> None:
        self.replies.extend(self.parser.feed(data))
        self._poke()

    def _control_closed(self, error: str | None) -> None:
        if error == "reset":
            self._finish(ConnectionResetError(104, "Connection reset by peer") if self._connected
                         else ConnectionRefusedError(111, "Connection refused"))
        elif error is not None:
            self._finish(TimeoutError(110, "Timed out"))
        else:
            self._finish(FtpError(421, "Service not available, closing control connection"))

    def _acked(self, count: int) -> None:
        self.sent += count
        self.on_sent(self.sent)

    def _poke(self) -> None:
        """Something happened: let the dialogue go as far as it can."""
        if self.finished or self._script is None:
            return
        self._idle.after(self.idle_timeout)
        if self._running:                  # told while it runs (a reset it caused): once more after
            self._again = True
            return
        self._running = True
        try:
            self._again = True
            while self._again and not self.finished:
                self._again = False
                self._script.send(None)
        except StopIteration:
            self._finish(None)
        except (FtpError, NoRoute) as err:
            self._finish(err)
        finally:
            self._running = False

    def _unlisten(self) -> None:
        if self._listening is not None:
            self.tcp.unlisten(self._listening)
            self._listening = None

    def _finish(self, failure) -> None:
        if self.finished:
            return
        self.finished = True
        self._idle.cancel()
        self._unlisten()
        if self.channel is not None and self.channel.conn is not None and failure is not None:
            self.channel.conn.abort()
        if self.control is not None and failure is None:
            self.control.close()
        elif self.control is not None:
            self.control.abort()
        self.done(failure)
