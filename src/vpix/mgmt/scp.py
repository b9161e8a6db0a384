"""SCP to and from flash on the unit's SSH server, allowed by `ssh scopy enable`.

asyncssh runs the SCP protocol; this file system maps `flash:/x`, `disk0:/x` and `/x` onto
the unit's flash, hides the private area, and writes through a temporary file renamed into
place on close, so an interrupted upload never leaves a half-written image.
"""

from __future__ import annotations

import os
import re

import asyncssh
from asyncssh.sftp import FX_FAILURE, FXF_WRITE, SFTPError

from vpix.features.mgmt_access import MgmtAccess

_DEVICE = re.compile(rb"^(flash|disk0):/?", re.I)


class _AtomicUpload:
    """A file being received: a temporary file that becomes the real one when complete."""

    def __init__(self, flash, name: str):
        self.flash = flash
        self.name = name
        self.target = flash.path(name)
        self.tmp = self.target.with_name(".tmp-" + name)
        self.room = flash.free() + (self.target.stat().st_size if self.target.exists() else 0)
        self.file = open(self.tmp, "wb")

    def seek(self, offset: int) -> None:
        self.file.seek(offset)

    def write(self, data: bytes) -> int:
        if self.file.tell() + len(data) > self.room:
            raise SFTPError(FX_FAILURE, "No space left on device")
        return self.file.write(data)

    def close(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.tmp.replace(self.target)


class FlashSFTP(asyncssh.SFTPServer):
    def __init__(self, chan, unit):
        self.unit = unit
        super().__init__(chan, chroot=bytes(unit.flash.root))

    def _allowed(self) -> None:
        system = self.unit.system
        if system is None or not system.feature(MgmtAccess).scopy:
            raise SFTPError(asyncssh.sftp.FX_PERMISSION_DENIED, "Permission denied")

    def map_path(self, path: bytes) -> bytes:
        path = _DEVICE.sub(b"/", path)
        if any(part.startswith(b".") and part not in (b".", b"..") for part in path.split(b"/")):
            raise SFTPError(asyncssh.sftp.FX_NO_SUCH_FILE, "No such file or directory")
        return super().map_path(path)

    def open(self, path: bytes, pflags: int, attrs):
        self._allowed()
        if pflags & FXF_WRITE:
            name = os.path.basename(path).decode()
            try:
                return _AtomicUpload(self.unit.flash, name)
            except FileNotFoundError:
                raise SFTPError(asyncssh.sftp.FX_NO_SUCH_FILE, "No such file or directory") from None
        return super().open(path, pflags, attrs)

    def write(self, file_obj, offset: int, data: bytes) -> int:
        file_obj.seek(offset)
        return file_obj.write(data)
