"""HTTP/1.1 GET client, as the device's `copy http[s]://…` and `configure http[s]://…` use it:
basic authentication from the URL, default ports 80/443, Content-Length, chunked or
read-to-close bodies, TLS for https (the standard library's, over memory buffers). Sans-IO
on a TCP of the unit's: the response is parsed as it arrives, an idle timer on the injected
clock ends a server gone silent."""

from __future__ import annotations

import base64
import ssl
from typing import Callable
from urllib.parse import unquote, urlsplit

from vpix.clock import Alarm
from vpix.net.tcp import Handlers, NoRoute, TcpLayer
from vpix.numbers import is_number

IDLE_TIMEOUT = 10.0


class HttpError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def parse_head(head: bytes) -> tuple[int, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not is_number(parts[1]):
        raise HttpError(0, "malformed response")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers


def request(url: str) -> tuple[str, int, bool, bytes]:
    """(host, port, tls, request bytes) for a GET of ``url``."""
    parts = urlsplit(url)
    tls = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if tls else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}" + (f":{parts.port}" if parts.port else ""),
             "User-Agent: vpix", "Connection: close"]
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append("Authorization: Basic " + base64.b64encode(token).decode())
    return host, port, tls, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Response:
    """The bytes of a response in, the body out through ``on_data``: a head that is not
    200 raises HttpError; ``end`` at the close says whether the body came whole."""

    def __init__(self, on_data: Callable[[bytes], None]):
        self.on_data = on_data
        self.buffer = bytearray()
        self.head_done = False
        self.length: int | None = None       # what is left of a Content-Length body
        self.chunked = False
        self.chunk_left = 0                  # of the chunk being read; -1 between chunks
        self.complete = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if not self.head_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status, reason, headers = parse_head(bytes(self.buffer[:end]))
            del self.buffer[:end + 4]
            if status != 200:
                raise HttpError(status, reason)
            self.head_done = True
            self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
            self.chunk_left = -1
            if "content-length" in headers and not self.chunked:
                self.length = int(headers["content-length"]) if is_number(headers["content-length"]) else 0
        if self.chunked:
            self._chunks()
        elif self.buffer:
            take = bytes(self.buffer if self.length is None else self.buffer[:self.length])
            del self.buffer[:len(take)]
            if self.length is not None:
                self.length -= len(take)
            self.on_data(take)
        if self.length == 0:
            self.complete = True

    def _chunks(self) -> None:
        while not self.complete:
            if self.chunk_left < 0:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                size = bytes(self.buffer[:end]).split(b";")[0].strip() or b"0"
                try:
                    self.chunk_left = int(size, 16)
                except ValueError:
                    raise HttpError(0, "malformed chunk") from None
                del self.buffer[:end + 2]
                if self.chunk_left == 0:
                    self.complete = True
                    return
            if len(self.buffer) < self.chunk_left + 2:
                if len(self.buffer) > self.chunk_left:
                    return
                piece = bytes(self.buffer)
                self.buffer.clear()
                self.chunk_left -= len(piece)
                if piece:
                    self.on_data(piece)
                return
            if self.chunk_left:
                self.on_data(bytes(self.buffer[:self.chunk_left]))
            del self.buffer[:self.chunk_left + 2]
            self.chunk_left = -1

    def end(self) -> None:
        """The server closed: a body without a length ends here, any other must be whole."""
        if not self.head_done:
            raise HttpError(0, "connection closed before the end of the response")
        if self.length is None and not self.chunked:
            self.complete = True
        if not self.complete:
            raise HttpError(0, "connection closed before the end of the file")


class _Tls:
    """TLS over memory buffers between the application and a connection."""

    def __init__(self, host: str, send: Callable[[bytes], None]):
        context = ssl.create_default_context()
        context.check_hostname = False        # the appliance does not check server certificates
        context.verify_mode = ssl.CERT_NONE
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=host)
        self.send = send
        self.pending = b""                    # what the application wrote before the handshake ended
        self.ready = False

    def start(self) -> None:
        self._handshake()

    def write(self, data: bytes) -> None:
        if not self.ready:
            self.pending += data
            return
        self.tls.write(data)
        self._flush()

    def received(self, data: bytes) -> bytes:
        """What ``data`` from the wire gives the application."""
        self.incoming.write(data)
        if not self.ready:
            self._handshake()
        out = bytearray()
        while self.ready:
            try:
                out += self.tls.read(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                break
        self._flush()
        return bytes(out)

    def _handshake(self) -> None:
        try:
            self.tls.do_handshake()
            self.ready = True
        except ssl.SSLWantReadError:
            pass
        self._flush()
        if self.ready and self.pending:
            pending, self.pending = self.pending, b""
            self.write(pending)

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.send(data)


class HttpGet:
    """A GET of ``url``; ``done(None)`` when the body came whole, else ``done(failure)``: an
    HttpError, ssl.SSLError, TimeoutError, ConnectionError or NoRoute."""

    def __init__(self, tcp: TcpLayer, url: str, on_data: Callable[[bytes], None], done: Callable[[object], None],
                 via: str | None = None, idle_timeout: float = IDLE_TIMEOUT):
        self.done, self.idle_timeout = done, idle_timeout
        self.response = Response(on_data)
        self.finished = False
        self.connected = False
        host, port, tls, raw = request(url)
        self.idle = Alarm(tcp.clock, lambda: self._finish(TimeoutError(110, "Timed out")))
        try:
            self.conn = tcp.connect(host, port, Handlers(opened=self._opened, data=self._data, eof=self._eof,
                                                         closed=self._closed), via=via)
        except NoRoute as err:
            self.conn = None
            self._finish(err)
            return
        self.tls = _Tls(host, self.conn.send) if tls else None
        (self.tls.write if self.tls else self.conn.send)(raw)
        self.idle.after(idle_timeout)

    def cancel(self) -> None:
        self._finish(ConnectionAbortedError(103, "Aborted"))

    def _opened(self) -> None:
        self.connected = True
        if self.tls is not None:
            self._guard(self.tls.start)

    def _data(self, data: bytes) -> None:
        self.idle.after(self.idle_timeout)
        self._guard(lambda: self.response.feed(self.tls.received(data) if self.tls else data))
        if self.response.complete:
            self._finish(None)

    def _eof(self) -> None:
        self._guard(self.response.end)
        self._finish(None)

    def _closed(self, error: str | None) -> None:
        if error == "reset" and not self.connected:
            self._finish(ConnectionRefusedError(111, "Connection refused"))
        elif error is not None:
            self._finish(ConnectionResetError(104, "Connection reset by peer") if error == "reset"
                         else TimeoutError(110, "Timed out"))
        else:
            self._guard(self.response.end)
            self._finish(None)

    def _guard(self, step: Callable[[], object]) -> None:
        try:
            step()
        except (HttpError, ssl.SSLError) as err:
            self._finish(err)

    def _finish(self, failure) -> None:
        if self.finished:
            return
        self.finished = True
        self.idle.cancel()
        if self.conn is not None:
            if failure is None:
                self.conn.close()
            else:
                self.conn.abort()
        self.done(failure)
