"""FTP inspection (`inspect ftp`, 6.x `fixup protocol ftp`): reading the control connection for
the address and port of the data connection it announces, so the unit can let that one
connection through (a pinhole) and, when the announcing end is translated, say its mapped
address instead.

Active mode: the client sends ``PORT h1,h2,h3,h4,p1,p2`` (or ``EPRT |1|addr|port|``); the server
connects back to it. Passive mode: the server answers ``227 Entering Passive Mode
(h1,h2,h3,h4,p1,p2)`` (or ``229 … (|||port|)``); the client connects to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PORT = re.compile(rb"^PORT (\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\r?\n", re.I)
_EPRT = re.compile(rb"^EPRT \|1\|(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\|(\d{1,5})\|\r?\n", re.I)
_PASV = re.compile(rb"^227 [^(\r\n]*\((\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\)")
_EPSV = re.compile(rb"^229 [^(\r\n]*\(\|\|\|(\d{1,5})\|\)")


@dataclass(frozen=True)
class Announcement:
    """A data connection announced on the control connection: who will listen where."""

    active: bool                  # PORT/EPRT (the client listens) rather than 227/229
    ip: int | None                # None: the control connection's address (EPSV)
    port: int
    span: tuple[int, int]         # where in the payload the address and port are written
    form: str                     # "port", "eprt", "pasv" or "epsv"


def announced(payload: bytes, from_client: bool) -> Announcement | None:
    """The data connection ``payload`` announces, if any (a malformed one is ignored)."""
    if from_client:
        match = _PORT.match(payload)
        if match:
            return _commas(match, True, "port")
        match = _EPRT.match(payload)
        if match:
            parts = [int(p) for p in match[1].split(b".")]
            port = int(match[2])
            if max(parts) > 255 or not 0 < port < 65536:
                return None
            return Announcement(True, int.from_bytes(bytes(parts), "big"), port, match.span(1)[0:1] + match.span(2)[1:],
                                "eprt")
        return None
    match = _PASV.match(payload)
    if match:
        return _commas(match, False, "pasv")
    match = _EPSV.match(payload)
    if match and 0 < int(match[1]) < 65536:
        return Announcement(False, None, int(match[1]), match.span(1), "epsv")
    return None


def _commas(match: re.Match, active: bool, form: str) -> Announcement | None:
    numbers = [int(match[i]) for i in range(1, 7)]
    if max(numbers) > 255:
        return None
    port = numbers[4] * 256 + numbers[5]
    if port == 0:
        return None
    return Announcement(active, int.from_bytes(bytes(numbers[:4]), "big"), port, (match.start(1), match.end(6)),
                        form)


def restated(payload: bytes, found: Announcement, ip: int, port: int) -> bytes:
    """``payload`` announcing ``ip``/``port`` instead."""
    if found.form in ("port", "pasv"):
        words = ",".join(str(b) for b in ip.to_bytes(4, "big")) + f",{port >> 8},{port & 0xFF}"
    elif found.form == "eprt":
        words = ".".join(str(b) for b in ip.to_bytes(4, "big")) + f"|{port}"
    else:
        words = str(port)
    start, end = found.span
    return payload[:start] + words.encode() + payload[end:]
