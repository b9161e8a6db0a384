"""A small TFTP server (RFC 1350 + blksize, tsize, windowsize) that can misbehave on purpose.

It serves a directory for lab hosts and tests, and produces on demand each fault a client
can meet on a UDP socket: a lost block, a duplicated block, a packet from the wrong port,
a runt packet, an unexpected opcode, an error mid-transfer, silence.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from pathlib import Path

from vpix.transfer.tftp import ACK, DATA, ERROR, OACK, RRQ


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


class _Transfer:
    def __init__(self, server: "TftpServer", client, data: bytes, blksize: int, windowsize: int):
        self.server = server
        self.client = client
        self.data = data
        self.blksize = blksize
        self.windowsize = windowsize
        self.acked = 0
        self.blocks = len(data) // blksize + 1
        self.timer: asyncio.TimerHandle | None = None
        self.sent_faults: set[tuple[str, int]] = set()

    def block(self, n: int) -> bytes:
        start = (n - 1) * self.blksize
        return struct.pack("!HH", DATA, n & 0xFFFF) + self.data[start:start + self.blksize]

    def send_window(self) -> None:
        faults = self.server.faults
        for n in range(self.acked + 1, min(self.acked + self.windowsize, self.blocks) + 1):
            if self._once("stray", n, faults.stray_port_at):
                self.server.stray.sendto(self.block(n), self.client)
            if self._once("runt", n, faults.runt_at):
                self.transport.sendto(b"\0\3", self.client)
            if n == faults.bad_opcode_at:
                self.transport.sendto(struct.pack("!HH", 9, n), self.client)
                return self.finish()
            if n == faults.error_at:
                self.transport.sendto(struct.pack("!HH", ERROR, 0) + b"disk gone\0", self.client)
                return self.finish()
            if self._once("drop", n, n if n in faults.drop_blocks else None):
                continue
            self.transport.sendto(self.block(n), self.client)
            if self._once("dup", n, n if n in faults.duplicate_blocks else None):
                self.transport.sendto(self.block(n), self.client)
        self.arm()

    def _once(self, kind: str, n: int, at: int | None) -> bool:
        if at != n or (kind, n) in self.sent_faults:
            return False
        self.sent_faults.add((kind, n))
        return True

    def arm(self) -> None:
        if self.timer:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(self.server.retransmit_s, self.send_window)

    def ack(self, n: int) -> None:
        # map the 16-bit block number onto the transfer, allowing rollover
        base = self.acked & ~0xFFFF
        full = base | n
        if full < self.acked - 0x8000:
            full += 0x10000
        if full < self.acked:
            return
        self.acked = full
        if self.acked >= self.blocks:
            return self.finish()
        self.send_window()

    def finish(self) -> None:
        if self.timer:
            self.timer.cancel()
        self.server.transfers.pop(self.client, None)


class _Port(asyncio.DatagramProtocol):
    def __init__(self, server: "TftpServer"):
        self.server = server

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        self.server.received(self.transport, data, addr)


class TftpServer:
    def __init__(self, root: Path, faults: Faults | None = None, retransmit_s: float = 0.5):
        self.root = root
        self.faults = faults or Faults()
        self.retransmit_s = retransmit_s
        self.transfers: dict[tuple, _Transfer] = {}
        self.requests: list[dict] = []

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        loop = asyncio.get_running_loop()
        self.listener, _ = await loop.create_datagram_endpoint(lambda: _Port(self), local_addr=(host, port))
        self.data_port, _ = await loop.create_datagram_endpoint(lambda: _Port(self), local_addr=(host, 0))
        self.stray, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(host, 0))
        return self.listener.get_extra_info("sockname")[1]

    def close(self) -> None:
        for transfer in list(self.transfers.values()):
            transfer.finish()
        for t in (self.listener, self.data_port, self.stray):
            t.close()

    def received(self, transport, data: bytes, addr) -> None:
        if self.faults.silent or len(data) < 4:
            return
        opcode = struct.unpack("!H", data[:2])[0]
        if transport is self.listener and opcode == RRQ:
            return self._request(data[2:], addr)
        transfer = self.transfers.get(addr)
        if transfer is not None and opcode == ACK:
            transfer.ack(struct.unpack("!H", data[2:4])[0])

    def _request(self, payload: bytes, addr) -> None:
        fields = payload.split(b"\0")
        name = fields[0].decode(errors="replace")
        options = {fields[i].decode().lower(): fields[i + 1].decode() for i in range(2, len(fields) - 1, 2)
                   if fields[i]}
        self.requests.append({"file": name, **options})
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            self.data_port.sendto(struct.pack("!HH", ERROR, 1) + b"File not found\0", addr)
            return
        data = path.read_bytes()
        granted = {}
        blksize, windowsize = 512, 1
        if "blksize" in options:
            blksize = max(8, min(int(options["blksize"]), 65464))
            granted["blksize"] = str(blksize)
        if "windowsize" in options and self.faults.grant_windowsize:
            windowsize = max(1, min(int(options["windowsize"]), 64))
            granted["windowsize"] = str(windowsize)
        if "tsize" in options:
            granted["tsize"] = str(len(data))
        transfer = _Transfer(self, addr, data, blksize, windowsize)
        transfer.transport = self.data_port
        self.transfers[addr] = transfer
        if granted:
            oack = struct.pack("!H", OACK) + b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                                                        for k, v in granted.items())
            self.data_port.sendto(oack, addr)
            transfer.arm()
        else:
            transfer.send_window()
