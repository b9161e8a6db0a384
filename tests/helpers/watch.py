"""Python's audit hooks on this process's sockets: what a test may ask of the sockets opened
while it runs (the running OS of a unit opens none of its own)."""

from __future__ import annotations

import ipaddress
import socket
import sys

import pytest

_WATCHING: list[tuple] | None = None


def _audit(event: str, args: tuple) -> None:
    if _WATCHING is not None and event in ("socket.__new__", "socket.connect", "socket.bind", "socket.sendto"):
        _WATCHING.append((event, args[1:] if event == "socket.__new__" else args[1]))


sys.addaudithook(_audit)


@pytest.fixture
def watched():
    """Every socket event of this process while the test runs: (event, arguments)."""
    global _WATCHING
    _WATCHING = []
    try:
        yield _WATCHING
    finally:
        _WATCHING = None


def internet_sockets(events: list[tuple]) -> list[tuple]:
    """The events that made an Internet socket, or sent or connected one anywhere (local
    socket pairs and asyncio's wake-up pipe are AF_UNIX)."""
    return [e for e in events if (e[0] == "socket.__new__" and e[1][0] != socket.AF_UNIX)
            or e[0] in ("socket.connect", "socket.sendto")]


def beyond_loopback(events: list[tuple]) -> list[tuple]:
    """The events that connected or sent to an address off 127.0.0.0/8 (a gateway's relays go
    to loopback and nowhere else)."""
    return [e for e in events if e[0] in ("socket.connect", "socket.sendto") and isinstance(e[1], tuple)
            and not ipaddress.ip_address(e[1][0]).is_loopback]
