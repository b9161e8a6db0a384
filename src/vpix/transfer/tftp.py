"""TFTP client cores (RFC 1350 with RFC 2347 options: 2348 blksize, 2349 tsize, 7440 windowsize):
``TftpClient`` reads a file (RRQ), ``TftpUpload`` writes one (WRQ).

Sans-IO: ``start``, ``datagram`` and ``timeout`` take the time and return what to send and
when to be woken; received data is handed out through ``on_data``. The trace records what
the device prints with tracing on: ``.`` per block, ``<N>`` for the non-fatal errors of the
PIX's Table 11-2, ``T`` for a timeout; codes 9 and 10 stop the download, -10 is a missing file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Callable

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
TFTP_PORT = 69

# Table 11-2 codes a client can see on a UDP socket.
TIMEOUT = -1
SHORT_PACKET = 2
WRONG_SERVER = 3
WRONG_PORTS = 7
UNEXPECTED_OPCODE = 9
TRANSFER_ERROR = 10
FILE_NOT_FOUND = -10
OUT_OF_SEQUENCE = 11
ABORTED = 0                      # not a Table 11-2 code: Esc pressed during the download


@dataclass(frozen=True)
class Send:
    data: bytes
    address: tuple[str, int]


@dataclass
class Outcome:
    code: int | None = None        # None: success
    message: str = ""
    server_code: int | None = None   # the TFTP error code the server sent, if it sent one


@dataclass
class _Exchange:
    """What reading and writing share: the request with its options, checking who a datagram
    comes from, the server's errors, retransmission on timeout."""

    server: str
    filename: str
    port: int = 0                    # 0: the TFTP port
    blksize: int = 512
    timeout_s: float = 1.0
    retries: int = 5

    trace: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    deadline: float | None = None
    _peer: tuple[str, int] | None = None
    _tries: int = 0
    _last: list[Send] = field(default_factory=list)
    _negotiated: bool = False

    def _request(self, opcode: int, options: dict[str, str], now: float) -> list[Send]:
        request = struct.pack("!H", opcode) + self.filename.encode() + b"\0octet\0"
        for key, value in options.items():
            request += key.encode() + b"\0" + value.encode() + b"\0"
        self._offered = dict(options)
        return self._send([Send(request, (self.server, self.port or TFTP_PORT))], now)

    def datagram(self, data: bytes, source: tuple[str, int], now: float) -> list[Send]:
        if self.outcome is not None:
            return []
        if source[0] != self.server:
            self._note(WRONG_SERVER)
            return []
        if self._peer is not None and source != self._peer:
            self._note(WRONG_PORTS)
            return [Send(_error(5, "Unknown transfer ID"), source)]
        if len(data) < 4:
            self._note(SHORT_PACKET)
            return []
        opcode = struct.unpack("!H", data[:2])[0]
        if self._peer is None:
            self._peer = source
        if opcode == ERROR:
            code = struct.unpack("!H", data[2:4])[0]
            text = data[4:].split(b"\0", 1)[0].decode(errors="replace")
            if code == 1:
                return self._finish(FILE_NOT_FOUND, text or "File not found", code)
            self._note(TRANSFER_ERROR)
            return self._finish(TRANSFER_ERROR, text, code)
        if not self._negotiated:
            if opcode == OACK:
                return self._oack(data[2:], now)
            self._take({})           # the server took none of the options
        elif opcode == OACK:         # the answer to a request we repeated: the first one counts
            return []
        return self._packet(opcode, data, source, now)

    def abort(self) -> None:
        """The person pressed Esc: stop where we are."""
        if self.outcome is None:
            self._finish(ABORTED, "Aborted")

    def timeout(self, now: float) -> list[Send]:
        if self.outcome is not None or self.deadline is None or now < self.deadline:
            return []   # the deadline moved on: the caller waits for it again
        self._tries += 1
        self.trace.append("T")
        if self._tries > self.retries:
            return self._finish(TIMEOUT, "Timeout")
        self.deadline = now + self.timeout_s
        return list(self._last)

    def _packet(self, opcode: int, data: bytes, source: tuple[str, int], now: float) -> list[Send]:
        raise NotImplementedError

    def _after_options(self, now: float) -> list[Send]:
        raise NotImplementedError

    def _take(self, granted: dict[str, str]) -> None:
        """What the transfer runs with: the options the server granted, the defaults for the rest."""
        self.blksize = int(granted.get("blksize", 512))
        self._negotiated = True

    def _oack(self, payload: bytes, now: float) -> list[Send]:
        fields = payload.split(b"\0")
        granted = {fields[i].decode().lower(): fields[i + 1].decode()
                   for i in range(0, len(fields) - 1, 2) if fields[i]}
        if any(k not in self._offered for k in granted):
            return self._finish(UNEXPECTED_OPCODE, "server granted an option not asked for") + \
                [Send(_error(8, "Option negotiation failed"), self._peer)]
        self._take(granted)
        return self._after_options(now)

    def _unexpected(self, opcode: int, source: tuple[str, int]) -> list[Send]:
        self._note(UNEXPECTED_OPCODE)
        return self._finish(UNEXPECTED_OPCODE, f"unexpected TFTP opcode {opcode}") + \
            [Send(_error(4, "Illegal TFTP operation"), source)]

    def _send(self, packets: list[Send], now: float) -> list[Send]:
        self._last = packets
        self._tries = 0
        self.deadline = now + self.timeout_s
        return packets

    def _note(self, code: int) -> None:
        self.trace.append(f"<{code}>")

    def _finish(self, code: int, message: str, server_code: int | None = None) -> list[Send]:
        self.outcome = Outcome(code, message, server_code)
        self.deadline = None
        return []


@dataclass
class TftpClient(_Exchange):
    """Reads a file from the server."""

    windowsize: int = 1
    want_tsize: bool = True
    on_data: Callable[[bytes], None] = lambda data: None

    received: int = 0
    tsize: int | None = None
    _block: int = 0                  # last block delivered in order
    _since_ack: int = 0
    _rewound: bool = False           # already asked the server to resend from _block

    def start(self, now: float) -> list[Send]:
        options = {}
        if self.blksize != 512:
            options["blksize"] = str(self.blksize)
        if self.windowsize != 1:
            options["windowsize"] = str(self.windowsize)
        if self.want_tsize:
            options["tsize"] = "0"
        return self._request(RRQ, options, now)

    def _packet(self, opcode: int, data: bytes, source: tuple[str, int], now: float) -> list[Send]:
        if opcode != DATA:
            return self._unexpected(opcode, source)
        return self._data(struct.unpack("!H", data[2:4])[0], data[4:], now)

    def _take(self, granted: dict[str, str]) -> None:
        super()._take(granted)
        self.windowsize = int(granted.get("windowsize", 1))
        if "tsize" in granted:
            self.tsize = int(granted["tsize"])

    def _after_options(self, now: float) -> list[Send]:
        return self._send([Send(_ack(0), self._peer)], now)

    def _data(self, block: int, payload: bytes, now: float) -> list[Send]:
        expected = (self._block + 1) & 0xFFFF
        if block != expected:
            self._note(OUT_OF_SEQUENCE)
            if block == self._block or self._rewound:   # duplicates are not re-acked (RFC 1123)
                return []
            self._rewound = True                        # ask once for the rest of the window
            return self._send([Send(_ack(self._block), self._peer)], now)
        self._rewound = False
        self._block = block
        self.received += len(payload)
        self.on_data(payload)
        self.trace.append(".")
        self._since_ack += 1
        last = len(payload) < self.blksize
        if last:
            self.outcome = Outcome()
            self.deadline = None
            return [Send(_ack(block), self._peer)]
        if self._since_ack >= self.windowsize:
            self._since_ack = 0
            return self._send([Send(_ack(block), self._peer)], now)
        self.deadline = now + self.timeout_s
        self._last = [Send(_ack(self._block), self._peer)]
        return []


@dataclass
class TftpUpload(_Exchange):
    """Writes ``data`` to the server, one block per acknowledgement (a final short block,
    empty when the size is a multiple of the block size, marks the end)."""

    data: bytes = b""
    on_sent: Callable[[int], None] = lambda sent: None
    sent: int = 0                    # bytes the server has acknowledged
    _block: int = 0                  # the block waiting for its ACK (0: the request)

    def start(self, now: float) -> list[Send]:
        options = {"tsize": str(len(self.data))}
        if self.blksize != 512:
            options["blksize"] = str(self.blksize)
        return self._request(WRQ, options, now)

    def _packet(self, opcode: int, data: bytes, source: tuple[str, int], now: float) -> list[Send]:
        if opcode != ACK:
            return self._unexpected(opcode, source)
        if struct.unpack("!H", data[2:4])[0] != self._block & 0xFFFF:
            self._note(OUT_OF_SEQUENCE)
            return []                # a late or repeated ACK is never answered (RFC 1123)
        return self._next(now)

    def _after_options(self, now: float) -> list[Send]:
        return self._next(now)

    def _next(self, now: float) -> list[Send]:
        """The server has what was sent so far: the next block, or the end."""
        if self._block:
            self.sent = min(len(self.data), self._block * self.blksize)
            self.on_sent(self.sent)
            self.trace.append(".")
            if self._block * self.blksize > len(self.data):      # that was the short, last block
                self.outcome, self.deadline = Outcome(), None
                return []
        self._block += 1
        start = (self._block - 1) * self.blksize
        packet = struct.pack("!HH", DATA, self._block & 0xFFFF) + self.data[start:start + self.blksize]
        return self._send([Send(packet, self._peer)], now)


def _ack(block: int) -> bytes:
    return struct.pack("!HH", ACK, block)


def _error(code: int, text: str) -> bytes:
    return struct.pack("!HH", ERROR, code) + text.encode() + b"\0"
