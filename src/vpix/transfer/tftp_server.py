"""A small, read-only TFTP server (RFC 1350 + blksize, tsize, windowsize) that can misbehave on purpose.

It serves a directory for lab hosts and tests, and produces on demand each fault a client
can meet: a lost block, a duplicated block, a packet from the wrong port, a runt packet,
an unexpected opcode, an error mid-transfer, silence. The core is sans-IO; it runs on
asyncio sockets (``TftpServer``) or on a lab host's own IP stack (net/host.py).
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from pathlib import Path

from vpix.numbers import is_number
from vpix.transfer.tftp import ACK, DATA, ERROR, OACK, RRQ, WRQ

LISTEN, DATA_PORT, STRAY = "listen", "data", "stray"     # the three ports a server sends from


@dataclass
class Faults:
    drop_blocks: set[int] = field(default_factory=set)       # send these blocks late (once)
    duplicate_blocks: set[int] = field(default_factory=set)  # send these twice
    stray_port_at: int | None = None     # before this block, a packet from another port
    runt_at: int | None = None           # before this block, a 3-byte datagram
    bad_opcode_at: int | None = None     # send opcode 9 instead of this block
    error_at: int | None = None          # send ERROR(0) instead of this block
    silent: bool = False                 # never answer
    grant_windowsize: bool = True        # tftpd-hpa does not; set False to behave like it


@dataclass(frozen=True)
class Out:
    data: bytes
    to: tuple[str, int]
    port: str = DATA_PORT


class _Transfer:
    def __init__(self, core: "TftpServerCore", client, data: bytes, blksize: int, windowsize: int):
        self.core = core
        self.client = client
        self.data = data
        self.blksize = blksize
        self.windowsize = windowsize
        self.acked = 0
        self.blocks = len(data) // blksize + 1
        self.deadline: float | None = None
        self.faults_sent: set[tuple[str, int]] = set()

    def block(self, n: int) -> bytes:
        start = (n - 1) * self.blksize
        return struct.pack("!HH", DATA, n & 0xFFFF) + self.data[start:start + self.blksize]

    def window(self, now: float) -> list[Out]:
        faults, out = self.core.faults, []
        for n in range(self.acked + 1, min(self.acked + self.windowsize, self.blocks) + 1):
            if self._once("stray", n, faults.stray_port_at):
                out.append(Out(self.block(n), self.client, STRAY))
            if self._once("runt", n, faults.runt_at):
                out.append(Out(b"\0\3\0", self.client))
            if n == faults.bad_opcode_at:
                self.core.finish(self)
                return out + [Out(struct.pack("!HH", 9, n), self.client)]
            if n == faults.error_at:
                self.core.finish(self)
                return out + [Out(struct.pack("!HH", ERROR, 0) + b"disk gone\0", self.client)]
            if self._once("drop", n, n if n in faults.drop_blocks else None):
                continue
            out.append(Out(self.block(n), self.client))
            if self._once("dup", n, n if n in faults.duplicate_blocks else None):
                out.append(Out(self.block(n), self.client))
        self.deadline = now + self.core.retransmit_s
        return out

    def _once(self, kind: str, n: int, at: int | None) -> bool:
        if at != n or (kind, n) in self.faults_sent:
            return False
        self.faults_sent.add((kind, n))
        return True

    def ack(self, n: int, now: float) -> list[Out]:
        full = (self.acked & ~0xFFFF) | n         # 16-bit block numbers roll over
        if full < self.acked - 0x8000:
            full += 0x10000
        if full < self.acked:
            return []
        self.acked = full
        if self.acked >= self.blocks:
            self.core.finish(self)
            return []
        return self.window(now)


class TftpServerCore:
    def __init__(self, root: Path, faults: Faults | None = None, retransmit_s: float = 0.5):
        self.root = root
        self.faults = faults or Faults()
        self.retransmit_s = retransmit_s
        self.transfers: dict[tuple, _Transfer] = {}
        self.requests: list[dict] = []

    def datagram(self, data: bytes, source: tuple[str, int], to_listener: bool, now: float) -> list[Out]:
        if self.faults.silent or len(data) < 4:
            return []
        opcode = struct.unpack("!H", data[:2])[0]
        if to_listener and opcode == RRQ:
            return self._request(data[2:], source, now)
        if to_listener and opcode == WRQ:            # it serves files; it takes none
            return [Out(struct.pack("!HH", ERROR, 2) + b"Access violation\0", source)]
        transfer = self.transfers.get(source)
        if transfer is not None and opcode == ACK:
            return transfer.ack(struct.unpack("!H", data[2:4])[0], now)
        return []

    def tick(self, now: float) -> list[Out]:
        """Retransmit the windows whose time has come."""
        out = []
        for transfer in list(self.transfers.values()):
            if transfer.deadline is not None and transfer.deadline <= now:
                out += transfer.window(now)
        return out

    def next_deadline(self) -> float | None:
        deadlines = [t.deadline for t in self.transfers.values() if t.deadline is not None]
        return min(deadlines) if deadlines else None

    def finish(self, transfer: _Transfer) -> None:
        self.transfers.pop(transfer.client, None)

    def _request(self, payload: bytes, source, now: float) -> list[Out]:
        fields = payload.split(b"\0")
        name = fields[0].decode(errors="replace")
        options = {fields[i].decode(errors="replace").lower(): fields[i + 1].decode(errors="replace")
                   for i in range(2, len(fields) - 1, 2) if fields[i]}
        self.requests.append({"file": name, **options})
        path = (self.root / name.lstrip("/")).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            return [Out(struct.pack("!HH", ERROR, 1) + b"File not found\0", source)]
        data = path.read_bytes()
        granted, blksize, windowsize = {}, 512, 1
        if is_number(options.get("blksize", "")):
            blksize = max(8, min(int(options["blksize"]), 65464))
            granted["blksize"] = str(blksize)
        if is_number(options.get("windowsize", "")) and self.faults.grant_windowsize:
            windowsize = max(1, min(int(options["windowsize"]), 64))
            granted["windowsize"] = str(windowsize)
        if "tsize" in options:
            granted["tsize"] = str(len(data))
        transfer = _Transfer(self, source, data, blksize, windowsize)
        self.transfers[source] = transfer
        if not granted:
            return transfer.window(now)
        transfer.deadline = now + self.retransmit_s
        oack = struct.pack("!H", OACK) + b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                                                    for k, v in granted.items())
        return [Out(oack, source)]


# ---------------------------------------------------------------- on asyncio sockets


class _Socket(asyncio.DatagramProtocol):
    def __init__(self, server: "TftpServer", listener: bool):
        self.server, self.listener = server, listener

    def datagram_received(self, data: bytes, addr) -> None:
        loop = asyncio.get_running_loop()
        self.server.send(self.server.core.datagram(data, addr[:2], self.listener, loop.time()))


class TftpServer:
    """The core on three UDP sockets of the host: port 69 (or any), a transfer port, a stray one."""

    def __init__(self, root: Path, faults: Faults | None = None, retransmit_s: float = 0.5):
        self.core = TftpServerCore(root, faults, retransmit_s)
        self.sockets: dict[str, asyncio.DatagramTransport] = {}
        self._timer: asyncio.TimerHandle | None = None

    @property
    def requests(self) -> list[dict]:
        return self.core.requests

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        loop = asyncio.get_running_loop()
        for name, wanted in ((LISTEN, port), (DATA_PORT, 0), (STRAY, 0)):
            self.sockets[name], _ = await loop.create_datagram_endpoint(
                lambda n=name: _Socket(self, n == LISTEN), local_addr=(host, wanted))
        return self.sockets[LISTEN].get_extra_info("sockname")[1]

    def send(self, packets: list[Out]) -> None:
        for packet in packets:
            self.sockets[packet.port].sendto(packet.data, packet.to)
        self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.core.next_deadline()
        if deadline is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(deadline, lambda: self.send(self.core.tick(loop.time())))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.core.transfers.clear()
        for transport in self.sockets.values():
            transport.close()
