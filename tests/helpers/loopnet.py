"""The transfer cores run from a test on this machine's loopback, as the unit runs them on
its own interfaces: a Net (vpix.transfer.remote) whose UDP ports are host sockets bound to
127.0.0.1, in the event loop's time. Test harness only: the unit never opens host sockets."""

from __future__ import annotations

import asyncio
import socket

from vpix.clock import LoopClock
from vpix.transfer import tftp
from vpix.transfer.tftp_io import TftpRun


class _Port:
    """A UDP socket on 127.0.0.1, read by the event loop."""

    def __init__(self, receive):
        self.receive = receive
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(self.sock, self._readable)

    def _readable(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except (BlockingIOError, ConnectionRefusedError):
                return
            self.receive(data, addr[:2])

    def send(self, address, data, via=None) -> bool:
        try:
            self.sock.sendto(data, address)
        except OSError:
            pass
        return True

    def close(self) -> None:
        self.loop.remove_reader(self.sock)
        self.sock.close()


class LoopbackNet:
    def __init__(self) -> None:
        self.clock = LoopClock()
        self.tcp = None

    def udp_open(self, receive, via=None) -> _Port:
        return _Port(receive)


async def _run(client) -> object:
    ended = asyncio.get_running_loop().create_future()
    TftpRun(LoopbackNet(), client, ended.set_result)
    await ended
    return client.outcome


async def download(server: str, filename: str, on_data, *, port: int = 0, **options):
    """Fetch ``filename`` with the client core: (its outcome, the core)."""
    client = tftp.TftpClient(server, filename, port=port, on_data=on_data, **options)
    return await _run(client), client


async def upload(server: str, filename: str, data: bytes, *, port: int = 0, on_sent=lambda sent: None,
                 **options):
    """Write ``data`` with the upload core: its outcome."""
    return await _run(tftp.TftpUpload(server, filename, port=port, data=data, on_sent=on_sent, **options))
