"""SCP to and from flash on the unit's SSH server, allowed by `ssh scopy enable`.

asyncssh runs the SCP protocol; this file system maps `flash:/x`, `disk0:/x` and `/x` onto
the unit's flash, hides the private area, and writes through the flash's atomic files, so an
interrupted upload never leaves a half-written image.
"""

from __future__ import annotations

import os
import re

import asyncssh
from asyncssh.sftp import FX_FAILURE, FX_NO_SUCH_FILE, FX_PERMISSION_DENIED, FXF_WRITE, SFTPError

from vpix.features.mgmt_access import MgmtAccess
from vpix.flash import AtomicFile, FlashFull

_DEVICE = re.compile(rb"^(flash|disk0):/?", re.I)


class FlashSFTP(asyncssh.SFTPServer):
    def __init__(self, chan, unit):
        self.unit = unit
        super().__init__(chan, chroot=bytes(unit.flash.root))

    def _allowed(self) -> None:
        system = self.unit.management_space()
        if system is None or not system.feature(MgmtAccess).scopy:
            raise SFTPError(FX_PERMISSION_DENIED, "Permission denied")

    def map_path(self, path: bytes) -> bytes:
        path = _DEVICE.sub(b"/", path)
        if any(part.startswith(b".") and part not in (b".", b"..") for part in path.split(b"/")):
            raise SFTPError(FX_NO_SUCH_FILE, "No such file or directory")
        return super().map_path(path)

    def open(self, path: bytes, pflags: int, attrs):
        self._allowed()
        if pflags & FXF_WRITE:
            try:
                return self.unit.flash.create(os.path.basename(path).decode())
            except FileNotFoundError:
                raise SFTPError(FX_NO_SUCH_FILE, "No such file or directory") from None
        return super().open(path, pflags, attrs)

    def write(self, file_obj, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, AtomicFile):
            return super().write(file_obj, offset, data)
        try:
            file_obj.write(data, offset)
        except FlashFull:
            raise SFTPError(FX_FAILURE, "No space left on device") from None
        return len(data)

    def close(self, file_obj) -> None:
        if not isinstance(file_obj, AtomicFile):
            return super().close(file_obj)
        if self.channel.is_closing():     # the connection died mid-file: keep the old one
            file_obj.abort()
        else:
            file_obj.commit()
