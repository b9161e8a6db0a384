"""The vpix image file format.

    offset  size  field
    0       8     magic  b"VPIXIMG1"
    8       4     header length H (big-endian)
    12      H     header: UTF-8 JSON {"version", "family", "line", "built", "builder", "payload"}
    12+H    P     payload (P = header["payload"] bytes; deterministic filler standing for code)
    12+H+P  32    SHA-256 of every byte before it

``family`` is ``6.x`` (PIX OS) or ``7.x`` (PIX/ASA 7.0 and later); ``line`` is ``pix`` or
``asa``, the hardware the image runs on. A file whose checksum does not match is corrupt.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
from dataclasses import dataclass
from pathlib import Path

from vpix.versions import Version

MAGIC = b"VPIXIMG1"
_DIGEST = 32
_READ = 1 << 20

# Build stamps of well-known releases, as their `show version` prints them.
KNOWN_BUILDS = {
    "6.3(5)": ("Thu 04-Aug-05 21:40", "morlee"),
    "6.3(4)": ("Fri 02-Jul-04 00:07", "morlee"),
    "6.2(2)": ("Fri 07-Jun-02 17:49", "morlee"),
    "7.0(4)": ("Thu 13-Oct-05 21:43", "builders"),
    "7.1(2)": ("Wed 22-Feb-06 15:25", "builders"),
    "7.2(1)": ("Wed 31-May-06 14:45", "root"),
    "7.2(2)": ("Wed 22-Nov-06 14:16", "builders"),
    "8.0(4)": ("Thu 07-Aug-08 20:53", "builders"),
}


class ImageError(Exception):
    """Not an image, or a corrupt one."""


@dataclass(frozen=True)
class ImageInfo:
    version: Version
    line: str
    built: str
    builder: str
    payload: int
    size: int

    @property
    def family(self) -> str:
        return self.version.family


TRAINS = ("6.0", "6.1", "6.2", "6.3", "7.0", "7.1", "7.2", "8.0")     # the releases vpix stands for


def known_train(version: Version) -> bool:
    return f"{version.major}.{version.minor}" in TRAINS


def usual_line(version: Version) -> str:
    """The hardware a release usually ran on: PIX OS on PIX, 7.0 and later on ASA."""
    return "pix" if version.major < 7 else "asa"


def default_name(version: Version, line: str) -> str:
    """The file name Cisco gives the release: pix635.bin, pix721.bin, asa721-k8.bin."""
    digits = f"{version.major}{version.minor}{version.maint}"
    return f"asa{digits}-k8.bin" if line == "asa" else f"pix{digits}.bin"


def build(path: Path, version: str, line: str = "pix", size_mb: float | None = None,
          builder: str | None = None, on_progress=lambda written, total: None) -> ImageInfo:
    """Write an image; ``on_progress`` is told the payload bytes written so far, and the total."""
    v = Version.parse(version)
    if line not in ("pix", "asa"):
        raise ValueError("line must be pix or asa")
    if line == "asa" and v.major < 7:
        raise ValueError("ASA images start at 7.0")
    built, known_builder = KNOWN_BUILDS.get(str(v), ("Mon 01-Jan-24 00:00", "vpix"))
    if size_mb is None:
        size_mb = 2.0 if v.major < 7 else 5.0
    payload = int(size_mb * 1024 * 1024)
    header = json.dumps({"version": str(v), "family": v.family, "line": line, "built": built,
                         "builder": builder or known_builder, "payload": payload}).encode()
    digest = hashlib.sha256()
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        _write(f, digest, MAGIC + struct.pack(">I", len(header)) + header)
        filler = random.Random(f"{v}/{line}")
        remaining = payload
        while remaining:
            chunk = filler.randbytes(min(remaining, _READ))
            _write(f, digest, chunk)
            remaining -= len(chunk)
            on_progress(payload - remaining, payload)
        f.write(digest.digest())
    tmp.replace(path)
    return inspect(path)


def _write(f, digest, data: bytes) -> None:
    f.write(data)
    digest.update(data)


def read_header(path: Path) -> ImageInfo:
    """The header alone (cheap): raises ImageError when the file is not an image."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:8] != MAGIC:
                raise ImageError("not a vpix image")
            (length,) = struct.unpack(">I", head[8:])
            if length > 4096:
                raise ImageError("bad header")
            meta = json.loads(f.read(length))
        size = path.stat().st_size
        info = ImageInfo(Version.parse(meta["version"]), meta["line"], meta["built"],
                         meta["builder"], int(meta["payload"]), size)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ImageError(str(err)) from None
    if size != 12 + length + info.payload + _DIGEST:
        raise ImageError("truncated image")
    return info


def inspect(path: Path) -> ImageInfo:
    """Header and checksum: raises ImageError for anything but an intact image."""
    info = read_header(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        remaining = info.size - _DIGEST
        while remaining:
            chunk = f.read(min(remaining, _READ))
            if not chunk:
                raise ImageError("truncated image")
            digest.update(chunk)
            remaining -= len(chunk)
        if f.read(_DIGEST) != digest.digest():
            raise ImageError("checksum mismatch")
    return info


OLDEST_BY_TFTP = Version(4, 4, 0)    # 000: an earlier image copied in would corrupt the flash
CHECKSUM_FAILED = "Checksum verification failed"


def refused_image(hw, path: Path) -> str | None:
    """Why a file must not go into the flash of platform ``hw``: a damaged image (it starts with
    the magic but is no intact image), one older than 4.4, or one of another hardware line or
    release the platform does not run. None for an image it boots, and for any file that is
    not an image."""
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            return None
    try:
        info = inspect(path)
    except ImageError:
        return CHECKSUM_FAILED
    if info.version < OLDEST_BY_TFTP:
        return f"Image version {info.version} is earlier than 4.4 and cannot be installed"
    if not hw.boots(info.line, info.version):
        return f"Image {info.version} is not supported on platform {hw.model}"
    return None
