"""SCP to and from flash on the unit's SSH server, as the device has it.

Only with `ssh scopy enable` and only for a local user of privilege 15; anything else is an
exec command like any other, which the CLI refuses. Files are named at the top of flash
(`flash:/x`, `disk0:x`, `/x`, `x`); an upload goes to an atomic flash file that replaces the old
one only when every byte has arrived and an image among them has passed its check. The device has
no SFTP, and neither has vpix.

The protocol (one line per file, the bytes, a status byte each way):
    sink   `scp -t DEST`: ack; "C0644 SIZE NAME\\n" ack; SIZE bytes, "\\0"; ack; … EOF
    source `scp -f PATH`: waits for an ack; "C0644 SIZE NAME\\n"; ack; bytes, "\\0"; ack
An ack is "\\0"; a refusal is "\\1scp: …\\n".
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from vpix.features.aaa import Aaa
from vpix.features.mgmt_access import MgmtAccess
from vpix.flash import FlashFull
from vpix.flash.store import valid_name
from vpix.image.format import refused_image

PRIVILEGE = 15
OK = b"\0"
_HEADER = re.compile(rb"C([0-7]{4}) (\d{1,12}) ([^\n/]+)\n")
_DEVICE = re.compile(r"^(flash|disk0):", re.I)
_LINE_MAX = 1024
_CHUNK = 1 << 16


class Refused(Exception):
    """What the device says back, after "scp: "."""


@dataclass(frozen=True)
class Request:
    sending: bool           # -f: the unit sends the file
    path: str
    to_folder: bool         # -d: the target must be a folder


def request(command: str) -> Request | None:
    """The SCP request an exec command is, or None (recursive copies included: the device
    has no folders to send)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) < 3 or words[0] != "scp":
        return None
    flags = set()
    for word in words[1:-1]:
        if word == "--":
            continue
        if not re.fullmatch(r"-[tfpdvq]+", word):
            return None
        flags.update(word[1:])
    if ("t" in flags) == ("f" in flags):
        return None
    return Request("f" in flags, words[-1], "d" in flags)


def allowed(system, username: str | None) -> bool:
    """`ssh scopy enable` and a local user who may copy."""
    if system is None or not system.feature(MgmtAccess).scopy:
        return False
    aaa = system.feature(Aaa)
    user = aaa.users.get(username or "") if aaa.uses_local("ssh") else None
    return user is not None and user.privilege >= PRIVILEGE


def flash_name(path: str) -> str:
    """The file at the top of flash a path names."""
    name = _DEVICE.sub("", path).lstrip("/")
    if not valid_name(name) or "/" in name:
        raise Refused(f"{path}: No such file or directory")
    return name


async def serve(system, req: Request, stdin, stdout) -> int:
    """Run one SCP request on ``system``'s flash; the exit status."""
    try:
        if req.sending:
            await _send(system, req, stdin, stdout)
        else:
            await _receive(system, req, stdin, stdout)
    except Refused as err:
        stdout.write(b"\x01scp: " + str(err).encode("utf-8", "replace") + b"\n")
        return 1
    except ConnectionError:
        return 1
    return 0


async def _receive(system, req: Request, stdin, stdout) -> None:
    to_top = not _DEVICE.sub("", req.path).lstrip("/")
    if req.to_folder and not to_top:
        raise Refused(f"{req.path}: Not a directory")
    if not to_top:
        flash_name(req.path)                # refused before anything is sent
    stdout.write(OK)
    while True:
        line = await _line(stdin)
        if not line:
            return
        if line[:1] == b"T":                # -p: times, which flash does not keep
            stdout.write(OK)
            continue
        header = _HEADER.fullmatch(line)
        if header is None:
            raise Refused("Recursive copies are not supported" if line[:1] in b"DE" else "Protocol error")
        size, name = int(header[2]), header[3].decode("utf-8", "replace")
        await _store(system.unit, flash_name(name if to_top else req.path), size, stdin, stdout)


async def _store(unit, name: str, size: int, stdin, stdout) -> None:
    """One file's bytes into flash; refused (after the bytes, as the protocol wants) when flash
    is full or the file is a damaged image, and dropped when the connection dies."""
    try:
        out = unit.flash.create(name)
    except OSError:
        raise Refused(f"{name}: No such file or directory") from None
    stdout.write(OK)
    full = False
    try:
        remaining = size
        while remaining:
            chunk = await stdin.read(min(remaining, _CHUNK))
            if not chunk:
                raise ConnectionError("the connection closed mid-file")
            remaining -= len(chunk)
            if not full:
                try:
                    out.write(chunk)
                except FlashFull:
                    full = True
        if await stdin.read(1) != OK:
            raise ConnectionError("the sender gave up")
        out.file.flush()
        if full:
            raise Refused(f"{name}: No space left on device")
        problem = refused_image(unit.identity.hw, out.tmp)
        if problem is not None:
            raise Refused(f"{name}: {problem}")
        out.commit()
    except BaseException:
        out.abort()
        raise
    stdout.write(OK)


async def _send(system, req: Request, stdin, stdout) -> None:
    name = flash_name(req.path)
    try:
        source = system.unit.flash.open(name)
    except OSError:
        raise Refused(f"{req.path}: No such file or directory") from None
    with source:
        size = source.seek(0, 2)
        source.seek(0)
        await _ack(stdin)
        stdout.write(f"C0644 {size} {name}\n".encode())
        await _ack(stdin)
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            stdout.write(chunk)
            await stdout.drain()
        stdout.write(OK)
        await _ack(stdin)


async def _ack(stdin) -> None:
    answer = await stdin.read(1)
    if answer != OK:
        raise ConnectionError("the receiver refused")


async def _line(stdin) -> bytes:
    """One protocol line, bounded; b"" at the end of the stream."""
    line = b""
    while not line.endswith(b"\n"):
        byte = await stdin.read(1)
        if not byte:
            return b""
        line += byte
        if len(line) > _LINE_MAX:
            raise Refused("Protocol error")
    return line
