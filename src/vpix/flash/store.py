"""Flash as the device sees it, kept in a directory of the unit.

Every write goes to a temporary file, is fsynced and renamed over the target, so a
power-off in the middle of a write leaves the previous file intact. Leftover temporary
files are swept at power-on. ``.private/`` is the hidden area (startup-config, license).
Names are paths: `mkdir` makes folders, each of which takes a cluster.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

PRIVATE = ".private"
_TMP = ".tmp-"
CLUSTER = 4096                  # what a folder takes


class FlashFull(Exception):
    """Not enough free space for the write."""


@dataclass(frozen=True)
class FlashEntry:
    name: str
    size: int
    modified: datetime
    index: int
    folder: bool = False


class Flash:
    def __init__(self, root: Path, capacity: int):
        self.root = root
        self.capacity = capacity
        (root / PRIVATE).mkdir(parents=True, exist_ok=True)

    def sweep(self) -> None:
        """Drop half-written files left by a power-off."""
        for tmp in self.root.rglob(_TMP + "*"):
            tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------ reading

    def entries(self) -> list[FlashEntry]:
        """The files at the top of flash."""
        return [e for e in self.listing() if not e.folder]

    def listing(self, folder: str = "") -> list[FlashEntry]:
        """The files and folders in a folder (the top by default)."""
        found = []
        for path in sorted((self.root / _check(folder) if folder else self.root).iterdir()):
            if path.name.startswith("."):
                continue
            st, is_dir = path.stat(), path.is_dir()
            found.append(FlashEntry(path.name, CLUSTER if is_dir else st.st_size,
                                    datetime.fromtimestamp(st.st_mtime, timezone.utc), st.st_ino % 100000, is_dir))
        return found

    def used(self) -> int:
        total = 0
        for path in self.root.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
            elif path.name != PRIVATE:
                total += CLUSTER
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

    def is_folder(self, name: str) -> bool:
        try:
            return self.path(name).is_dir()
        except FileNotFoundError:
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

    def mkdir(self, name: str) -> None:
        """A new folder (its parent must exist): FileExistsError, FileNotFoundError, FlashFull."""
        if self.free() < CLUSTER:
            raise FlashFull(name)
        self.path(name).mkdir()

    def rmdir(self, name: str) -> None:
        """An empty folder away: FileNotFoundError, NotADirectoryError, OSError when not empty."""
        self.path(name).rmdir()

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
                elif path.name != PRIVATE:
                    shutil.rmtree(path)

    def _room_for(self, target: Path) -> int:
        existing = target.stat().st_size if target.is_file() else 0
        return self.free() + existing


def valid_name(name: str) -> bool:
    """A name flash can hold: a path of visible names."""
    return bool(name) and all(part and not part.startswith(".") for part in name.split("/"))


def _check(name: str) -> str:
    if not valid_name(name):
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
