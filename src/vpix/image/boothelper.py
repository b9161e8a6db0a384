"""Boothelper diskettes: a 1.44 MB floppy image of vpix's own format.

    offset  size  field
    0       8     magic b"VPIXBH01"
    8       2     header length H (big-endian)
    10      H     UTF-8 JSON {"version": "5.1(2)"}
    ...           zero fill to 1,474,560 bytes

A unit with a valid diskette in its drive (`<unit>/floppy.img`) boots the Boothelper
instead of its flash.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from vpix.versions import Version

MAGIC = b"VPIXBH01"
FLOPPY_BYTES = 1_474_560


def build(path: Path, version: str = "5.1(2)") -> Version:
    v = Version.parse(version)
    header = json.dumps({"version": str(v)}).encode()
    data = MAGIC + struct.pack(">H", len(header)) + header
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data + b"\0" * (FLOPPY_BYTES - len(data)))
    tmp.replace(path)
    return v


def read(path: Path) -> Version | None:
    """The Boothelper version on a diskette, or None for no diskette or not a Boothelper one."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
        if head[:8] != MAGIC:
            return None
        (length,) = struct.unpack(">H", head[8:10])
        return Version.parse(json.loads(head[10:10 + length])["version"])
    except (OSError, ValueError, KeyError, struct.error):
        return None
