"""Running the TFTP client cores on a UDP socket.

The transfer runs in a worker thread on a blocking socket with a kernel receive timeout:
one recvfrom and one sendto per block and no event-loop round per packet. Lock-step TFTP
is bound by the round trip, and most of a round trip on a fast link is the kernel putting the
receiver to sleep and waking it again, so the worker polls for the next datagram for a moment
before it sleeps. The protocol logic stays in the core.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from typing import Callable

from vpix.transfer.tftp import Outcome, TftpClient, TftpUpload, _Exchange

POLL_S = 0.0002                 # how long to poll for the next datagram before sleeping


def _blocking(client: _Exchange, bind: str = "0.0.0.0") -> Outcome:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((bind, 0))
        seconds = int(client.timeout_s)
        micros = int((client.timeout_s - seconds) * 1_000_000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", seconds, micros))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        clock = time.monotonic
        buffer = bytearray(65536)            # one buffer for every datagram: no 64 KiB allocation each
        view = memoryview(buffer)
        for packet in client.start(clock()):
            sock.sendto(packet.data, packet.address)
        while client.outcome is None:
            try:
                size, source = _receive(sock, buffer, clock)
                packets = client.datagram(bytes(view[:size]), source, clock())
            except (BlockingIOError, socket.timeout):
                packets = client.timeout(clock())
            except ConnectionRefusedError:     # an ICMP error from an earlier send: wait it out
                continue
            for packet in packets:
                sock.sendto(packet.data, packet.address)
        return client.outcome
    finally:
        sock.close()


def _receive(sock: socket.socket, buffer: bytearray, clock: Callable[[], float]) -> tuple[int, tuple]:
    give_up = clock() + POLL_S
    while clock() < give_up:
        try:
            return sock.recvfrom_into(buffer, 0, socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
    return sock.recvfrom_into(buffer)


async def download(server: str, filename: str, on_data: Callable[[bytes], None], *, port: int = 0,
                   blksize: int = 512, windowsize: int = 1, timeout_s: float = 1.0, retries: int = 5,
                   client: TftpClient | None = None) -> tuple[Outcome, TftpClient]:
    """Fetch ``filename``; ``on_data`` runs in the worker thread, in order, once per block.
    ``client.abort()`` (from any thread) ends it within one receive timeout."""
    client = client or TftpClient(server, filename, port=port, blksize=blksize, windowsize=windowsize,
                                  timeout_s=timeout_s, retries=retries, on_data=on_data)
    outcome = await asyncio.to_thread(_blocking, client)
    return outcome, client


async def upload(server: str, filename: str, data: bytes, *, port: int = 0, timeout_s: float = 1.0,
                 retries: int = 5, on_sent: Callable[[int], None] = lambda sent: None) -> Outcome:
    """Write ``data`` to the server as ``filename``; ``on_sent`` (in the worker thread) hears
    how much the server has acknowledged."""
    client = TftpUpload(server, filename, port=port, timeout_s=timeout_s, retries=retries, data=data,
                        on_sent=on_sent)
    return await asyncio.to_thread(_blocking, client)
