"""Flash as the device sees it, kept in a directory of the unit.

Every write goes to a temporary file, is fsynced and renamed over the target, so a
power-off in the middle of a write leaves the previous file intact. Leftover temporary
files are swept at power-on. ``.private/`` is the hidden area (startup-config, license).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

PRIVATE = ".private"
_TMP = ".tmp-"


class FlashFull(Exception):
    """Not enough free space for the write."""


@dataclass(frozen=True)
class FlashEntry:
    name: str
    size: int
    modified: datetime
    index: int


class Flash:
    def __init__(self, root: Path, capacity: int):
        self.root = root
        self.capacity = capacity
        (root / PRIVATE).mkdir(parents=True, exist_ok=True)

    def sweep(self) -> None:
        """Drop half-written files left by a power-off."""
        for folder in (self.root, self.root / PRIVATE):
            for tmp in folder.glob(_TMP + "*"):
                tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------ reading

    def entries(self) -> list[FlashEntry]:
        found = []
        for path in sorted(self.root.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            st = path.stat()
            found.append(FlashEntry(path.name, st.st_size,
                                    datetime.fromtimestamp(st.st_mtime, timezone.utc), st.st_ino % 100000))
        return found

    def used(self) -> int:
        total = 0
        for folder in (self.root, self.root / PRIVATE):
            total += sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        return total

    def free(self) -> int:
        return max(self.capacity - self.used(), 0)

    def path(self, name: str) -> Path:
        return self.root / _check(name)

    def exists(self, name: str) -> bool:
        try:
            return self.path(name).is_file()
        except FileNotFoundError:       # not a name flash can hold
            return False

    def read(self, name: str) -> bytes | None:
        return self.path(name).read_bytes() if self.exists(name) else None

    def read_private(self, name: str) -> bytes | None:
        path = self.root / PRIVATE / _check(name)
        return path.read_bytes() if path.is_file() else None

    # ------------------------------------------------------------ writing

    def write(self, name: str, chunks: Iterable[bytes] | bytes) -> int:
        return _atomic_write(self.path(name), chunks, self._room_for(self.path(name)))

    def create(self, name: str) -> AtomicFile:
        """Start writing ``name``; nothing changes until the returned file is committed."""
        return AtomicFile(self.path(name), self._room_for(self.path(name)))

    def write_private(self, name: str, data: bytes) -> None:
        target = self.root / PRIVATE / _check(name)
        _atomic_write(target, data, self._room_for(target))

    def delete_private(self, name: str) -> None:
        (self.root / PRIVATE / _check(name)).unlink(missing_ok=True)

    def delete(self, name: str) -> None:
        self.path(name).unlink()

    def rename(self, old: str, new: str) -> None:
        self.path(old).rename(self.path(new))

    def link_in(self, source: Path, name: str) -> None:
        """Put a file into flash, sharing the bytes when the file system allows (lab images)."""
        target = self.path(name)
        if source.stat().st_size > self._room_for(target):
            raise FlashFull(name)
        try:
            tmp = target.with_name(_TMP + target.name)
            tmp.unlink(missing_ok=True)
            os.link(source, tmp)
            tmp.replace(target)
        except OSError:
            with open(source, "rb") as f:
                self.write(name, iter(lambda: f.read(1 << 20), b""))

    def erase(self) -> None:
        """Monitor-mode erase: everything, the hidden area included."""
        for folder in (self.root / PRIVATE, self.root):
            for path in folder.iterdir():
                if path.is_file():
                    path.unlink()

    def _room_for(self, target: Path) -> int:
        existing = target.stat().st_size if target.is_file() else 0
        return self.free() + existing


def _check(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return name


class AtomicFile:
    """A flash file being written: a temporary file that replaces the target on ``commit``.
    Until then the old file is untouched; ``abort`` (or a power-off) leaves no trace."""

    def __init__(self, target: Path, room: int):
        self.target = target
        self.room = room
        self.written = 0
        self.tmp = target.with_name(_TMP + target.name)
        self.file = open(self.tmp, "wb")

    def write(self, chunk: bytes, offset: int | None = None) -> None:
        if offset is not None:
            self.file.seek(offset)
        end = self.file.tell() + len(chunk)
        if end > self.room:
            raise FlashFull(self.target.name)
        self.file.write(chunk)
        self.written = max(self.written, end)

    def commit(self) -> int:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.tmp.replace(self.target)
        dir_fd = os.open(self.target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return self.written

    def abort(self) -> None:
        self.file.close()
        self.tmp.unlink(missing_ok=True)


def _atomic_write(target: Path, chunks: Iterable[bytes] | bytes, room: int) -> int:
    if isinstance(chunks, (bytes, bytearray)):
        chunks = [bytes(chunks)]
    out = AtomicFile(target, room)
    try:
        for chunk in chunks:
            out.write(chunk)
        return out.commit()
    except BaseException:
        out.abort()
        raise
