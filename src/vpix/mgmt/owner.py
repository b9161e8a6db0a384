"""Who is at the other end of a loopback TCP connection: the kernel lists every socket of this
host with its owner's user id (/proc/net/tcp), so a console port on 127.0.0.1 can take only
its unit's owner, as the cable in a locked rack would."""

from __future__ import annotations

import os
import socket
import struct


def _hex(address: tuple[str, int]) -> str:
    host, port = address[0], address[1]
    packed = struct.unpack("<I", socket.inet_aton(host))[0]      # the kernel prints it in host order
    return f"{packed:08X}:{port:04X}"


def peer_uid(peer: tuple[str, int], local: tuple[str, int], table: str = "/proc/net/tcp") -> int | None:
    """The user id owning the socket at ``peer`` connected to ``local`` on this host, or None
    when the kernel does not list it (not a local connection)."""
    want = (_hex(peer), _hex(local))
    try:
        with open(table) as listing:
            next(listing)
            for row in listing:
                fields = row.split()
                if (fields[1], fields[2]) == want:
                    return int(fields[7])
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    return None


def owner_may_connect(peer: tuple[str, int], local: tuple[str, int]) -> bool:
    """The connection comes from this process's user (or root) on this host."""
    uid = peer_uid(peer, local)
    return uid is not None and uid in (0, os.geteuid())
