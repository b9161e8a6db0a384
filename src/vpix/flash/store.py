"""Flash as the device sees it, kept in a directory of the unit.

Every write goes to a temporary file, is fsynced and renamed over the target, so a
power-off in the middle of a write leaves the previous file intact. Leftover temporary
files are swept at power-on. ``.private/`` is the hidden area (startup-config, license).
Names are paths: `mkdir` makes folders, each of which takes a cluster.

Flash is sealed: it never follows a symbolic link and never reads a file with a second hard
link, so nothing placed in the directory can lead out of it; folders are 0700 and files 0600
whatever the umask (the startup-config holds passwords).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

PRIVATE = ".private"
_TMP = ".tmp-"
MAX_NAME = 255                  # what one name in a path may be
MAX_PATH = 1024
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
        _private_dir(root)
        self.root = root.resolve()
        self.capacity = capacity
        _private_dir(self.root / PRIVATE)

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
        with os.scandir(self.path(folder) if folder else self.root) as it:
            for entry in sorted(it, key=lambda e: e.name):
                st = entry.stat(follow_symlinks=False)
                if entry.name.startswith(".") or not (_regular(st) or stat.S_ISDIR(st.st_mode)):
                    continue
                is_dir = stat.S_ISDIR(st.st_mode)
                found.append(FlashEntry(entry.name, CLUSTER if is_dir else st.st_size,
                                        datetime.fromtimestamp(st.st_mtime, timezone.utc), st.st_ino % 100000,
                                        is_dir))
        return found

    def used(self) -> int:
        total = 0
        for folder, dirs, files in os.walk(self.root):      # never into a linked folder
            total += sum(os.lstat(os.path.join(folder, f)).st_size for f in files)
            total += CLUSTER * sum(1 for d in dirs if d != PRIVATE)
        return total

    def free(self) -> int:
        return max(self.capacity - self.used(), 0)

    def path(self, name: str) -> Path:
        """Where ``name`` lives; FileNotFoundError for a name flash cannot hold or one that
        would pass through a symbolic link."""
        return _no_links(self.root / _check(name))

    def exists(self, name: str) -> bool:
        """A file of this flash's own: not a link, not a folder."""
        try:
            return _regular(os.lstat(self.path(name)))
        except OSError:                 # not a name flash can hold, or nothing there
            return False

    def is_folder(self, name: str) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(self.path(name)).st_mode)
        except OSError:
            return False

    def open(self, name: str):
        """``name`` opened for reading, never through a link: FileNotFoundError otherwise."""
        return _open_own(self.path(name), name)

    def read(self, name: str) -> bytes | None:
        try:
            with self.open(name) as f:
                return f.read()
        except OSError:
            return None

    def read_private(self, name: str) -> bytes | None:
        try:
            with _open_own(self._private(name), name) as f:
                return f.read()
        except OSError:
            return None

    # ------------------------------------------------------------ writing

    def write(self, name: str, chunks: Iterable[bytes] | bytes) -> int:
        target = self.path(name)
        return _atomic_write(target, chunks, self._room_for(target))

    def create(self, name: str) -> AtomicFile:
        """Start writing ``name``; nothing changes until the returned file is committed."""
        target = self.path(name)
        return AtomicFile(target, self._room_for(target))

    def write_private(self, name: str, data: bytes) -> None:
        target = self._private(name)
        _atomic_write(target, data, self._room_for(target))

    def delete_private(self, name: str) -> None:
        self._private(name).unlink(missing_ok=True)

    def _private(self, name: str) -> Path:
        """Where ``name`` lives in the hidden area, as ``path`` checks it."""
        return _no_links(self.root / PRIVATE / _check(name))

    def delete(self, name: str) -> None:
        self.path(name).unlink()

    def rename(self, old: str, new: str) -> None:
        self.path(old).rename(self.path(new))

    def mkdir(self, name: str) -> None:
        """A new folder (its parent must exist): FileExistsError, FileNotFoundError, FlashFull."""
        if self.free() < CLUSTER:
            raise FlashFull(name)
        self.path(name).mkdir(mode=0o700)

    def rmdir(self, name: str) -> None:
        """An empty folder away: FileNotFoundError, NotADirectoryError, OSError when not empty."""
        self.path(name).rmdir()

    def copy_in(self, source: Path, name: str) -> None:
        """Put a copy of a host file into flash: this flash's own bytes, shared with nothing."""
        with open(source, "rb") as f:
            self.write(name, iter(lambda: f.read(1 << 20), b""))

    def erase(self) -> None:
        """Monitor-mode erase: everything, the hidden area included."""
        for folder in (self.root / PRIVATE, self.root):
            for path in folder.iterdir():
                if path.is_symlink() or path.is_file():
                    path.unlink()                   # a link goes, never what it points at
                elif path.name != PRIVATE:
                    shutil.rmtree(path)

    def _room_for(self, target: Path) -> int:
        try:
            st = os.lstat(target)
        except OSError:
            return self.free()
        return self.free() + (st.st_size if _regular(st) else 0)


def valid_name(name: str) -> bool:
    """A name flash can hold: a path of visible names, none too long, no control characters."""
    return (0 < len(name) <= MAX_PATH and name.isprintable()
            and all(part and not part.startswith(".") and len(part) <= MAX_NAME for part in name.split("/")))


def _check(name: str) -> str:
    if not valid_name(name):
        raise FileNotFoundError(name)
    return name


def _no_links(path: Path) -> Path:
    """``path`` (under the resolved flash root) when nothing on the way is a symbolic link."""
    if os.path.realpath(path) != str(path):
        raise FileNotFoundError(path.name)
    return path


def _regular(st: os.stat_result) -> bool:
    """A plain file with no second name: nothing outside flash can share its bytes."""
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def _open_own(path: Path, name: str):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not _regular(os.fstat(fd)):
        os.close(fd)
        raise FileNotFoundError(name)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.is_symlink():
        raise FileNotFoundError(path)
    os.chmod(path, 0o700)


class AtomicFile:
    """A flash file being written: a temporary file that replaces the target on ``commit``.
    Until then the old file is untouched; ``abort`` (or a power-off) leaves no trace."""

    def __init__(self, target: Path, room: int):
        self.target = target
        self.room = room
        self.written = 0
        self.tmp = target.with_name(_TMP + target.name)
        self.tmp.unlink(missing_ok=True)
        self.file = os.fdopen(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb")

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
