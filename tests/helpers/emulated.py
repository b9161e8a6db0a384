"""Clients on an emulated host: the device's own FTP and HTTP clients (vpix.transfer), with
what they ended with in one value, as the transfer tests between hosts want it; and any
asyncio client (asyncssh, streams) over the host's own TCP, through a local socket pair."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import asyncssh

from helpers.legacy_ssh import ASYNCSSH
from vpix.net.splice import Splice
from vpix.transfer import ftp, http
from vpix.transfer.remote import reason


@dataclass
class Outcome:
    """How a client's transfer ended: ``data`` when it worked, else ``error``."""
    data: bytes | None = None
    error: str | None = None


def _ended(chunks: list[bytes], done, upload: bytes | None = None):
    def finished(failure) -> None:
        if failure is None:
            done(Outcome(data=upload if upload is not None else b"".join(chunks)))
        elif isinstance(failure, ftp.FtpError):
            done(Outcome(error=f"{failure.code} {failure.text}"))
        elif isinstance(failure, http.HttpError):
            done(Outcome(error=f"{failure.status} {failure.reason}".strip()))
        else:
            done(Outcome(error=reason(failure)))
    return finished


def ftp_get(tcp, server: str, name: str, done, passive: bool = True):
    chunks: list[bytes] = []
    return ftp.FtpSession(tcp, server, _ended(chunks, done), passive=passive).fetch(name, chunks.append)


def ftp_put(tcp, server: str, name: str, contents: bytes, done, passive: bool = True):
    return ftp.FtpSession(tcp, server, _ended([], done, contents), passive=passive).store(name, contents)


def http_get(tcp, server: str, name: str, done, idle_timeout: float = 10.0):
    chunks: list[bytes] = []
    return http.HttpGet(tcp, f"http://{server}/{name}", chunks.append, _ended(chunks, done),
                        idle_timeout=idle_timeout)


async def connected_socket(host, address: str, port: int) -> socket.socket:
    """A local socket whose other end is ``host``'s TCP connection to ``address``:``port``."""
    splice = Splice()
    ours, theirs = socket.socketpair()
    splice.conn = host.tcp.connect(address, port, splice.handlers())
    await asyncio.get_running_loop().connect_accepted_socket(lambda: splice, ours)
    return theirs


async def ssh_from(host, address: str, clock, command: str) -> str:
    """`ssh admin@ADDRESS COMMAND` from the emulated host (password admin), the virtual
    ``clock`` following real time meanwhile."""
    from helpers.served import ticking

    theirs = await connected_socket(host, address, 22)
    async with ticking(clock):
        async with asyncssh.connect(address, sock=theirs, username="admin", password="admin", known_hosts=None,
                                    preferred_auth="password", **ASYNCSSH) as conn:
            return (await conn.run(command)).stdout
