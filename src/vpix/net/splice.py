"""A connection of vpix's own TCP joined to an asyncio transport (a socket of the host, or
one end of a local socket pair): what one side says the other hears, an end of input
crosses over as an end of input, a reset as a reset.

What the connection says before the transport is open waits for it; while the connection
holds more than HIGH_WATER bytes its peer has not taken, the transport's reading pauses."""

from __future__ import annotations

import asyncio

from vpix.net.tcp import CLOSED, Connection, Handlers

HIGH_WATER = 1 << 20


class Splice(asyncio.Protocol):
    def __init__(self, conn: Connection | None = None):
        self.conn = conn
        self.transport: asyncio.Transport | None = None
        self.waiting: list[bytes] = []          # from the connection, before the transport was open
        self.conn_ended = False                 # the connection's peer has no more to say
        self.paused = False

    def handlers(self, **extra) -> Handlers:
        """What the connection's events go to."""
        return Handlers(data=self._from_conn, eof=self._conn_eof, closed=self._conn_closed,
                        acked=lambda count: self._drained(), **extra)

    def to_conn(self, data: bytes) -> bytes:
        """What the transport said, as the connection passes it on (a relay may rewrite it)."""
        return data

    def to_transport(self, data: bytes) -> bytes:
        return data

    def ended(self) -> None:
        """Both sides are done with."""

    # ------------------------------------------------------------ the transport's side

    def connection_made(self, transport) -> None:
        self.transport = transport
        for data in self.waiting:
            transport.write(data)
        self.waiting.clear()
        if self.conn_ended:
            self._conn_eof()

    def data_received(self, data: bytes) -> None:
        self.conn.send(self.to_conn(data))
        if self.conn.outstanding > HIGH_WATER and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.conn.close()
        return True                              # the other direction may still carry data

    def connection_lost(self, exc) -> None:
        if self.conn.state != CLOSED:
            if exc is not None:
                self.conn.abort()
            else:
                self.conn.close()
        self.ended()

    def _drained(self) -> None:
        if self.paused and self.conn.outstanding < HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    # ------------------------------------------------------------ the connection's side

    def _from_conn(self, data: bytes) -> None:
        data = self.to_transport(data)
        if self.transport is None:
            self.waiting.append(data)
        else:
            self.transport.write(data)

    def _conn_eof(self) -> None:
        self.conn_ended = True
        if self.transport is not None and self.transport.can_write_eof():
            self.transport.write_eof()

    def _conn_closed(self, error: str | None) -> None:
        if self.transport is not None:
            if error is not None:
                self.transport.abort()
            else:
                self.transport.close()
        self.ended()
