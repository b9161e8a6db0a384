"""The unit directory: hardware identity (unit.toml), flash/, the SSH host key.

    <unit>/unit.toml     platform, serial, MACs, flash size, RAM, boot settings
    <unit>/flash/        the flash file system (`dir flash:`); .private/ is the hidden area
                         with the startup-config, the activation key and the RSA key pair
                         (made at creation unless asked not to, as `crypto key generate rsa`)
    <unit>/lock          held (flock) by the one process that runs the unit
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import tomllib
from datetime import datetime, timezone
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from vpix.features import keypair
from vpix.features.license import grants, keys
from vpix.flash import Flash
from vpix.hardware.catalog import Platform, platform
from vpix.versions import Version

UNIT_FILE = "unit.toml"
OLD_HOST_KEY = "ssh_host_key"          # where units made before the key moved to flash kept it
LOCK_FILE = "lock"


class UnitBusy(Exception):
    """Another process runs the unit."""


@dataclass
class UnitIdentity:
    platform: str
    serial: str
    macs: list[str]
    flash_mb: int
    ram_mb: int
    break_window: float = 0.0       # seconds the boot waits for ESC/BREAK
    extra: dict = field(default_factory=dict)

    @property
    def hw(self) -> Platform:
        return platform(self.platform)

    @property
    def modern_ssh(self) -> bool:
        """Made with `modern_ssh`: its SSH also offers today's algorithms."""
        return bool(self.extra.get("ssh", {}).get("modern"))


def new_serial(model: str) -> str:
    """PIX serials are eight digits; ASA serials look like JMX1234K0AB."""
    if platform(model).line == "pix":
        return str(80_000_000 + secrets.randbelow(10_000_000))
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "JMX" + f"{secrets.randbelow(10000):04d}" + "".join(secrets.choice(letters) for _ in range(4))


def macs_for(serial: str, count: int) -> list[str]:
    """Stable burned-in addresses from the serial, in Cisco's OUI, as the device writes them."""
    base = int.from_bytes(hashlib.sha256(serial.encode()).digest()[:3], "big") & 0xFFFFF0
    out = []
    for i in range(count):
        low = (base + i) & 0xFFFFFF
        raw = f"0013c4{low:06x}"
        out.append(f"{raw[0:4]}.{raw[4:8]}.{raw[8:12]}")
    return out


def create(directory: Path, model: str, serial: str | None = None, image: Path | None = None,
           activation_key: str | None = None, break_window: float = 0.0,
           host_key: bytes | None = None, startup_config: str | None = None, rsa_key: bool = True,
           modern_ssh: bool = False) -> UnitIdentity:
    """A new unit. ``host_key``: its RSA key pair (made here when None, none at all without
    ``rsa_key``); ``modern_ssh``: its SSH server also offers today's algorithms (not the
    device's way; a convenience)."""
    hw = platform(model)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    if (directory / UNIT_FILE).exists():
        raise FileExistsError(f"{directory} already holds a unit")
    serial = serial or new_serial(model)
    ident = UnitIdentity(model, serial, macs_for(serial, len(hw.interfaces)), hw.flash_mb, hw.ram_mb,
                         break_window)
    flash = Flash(directory / "flash", hw.flash_bytes)
    if image is not None:
        flash.copy_in(image, image.name)
    if startup_config is not None:
        flash.write_private("startup-config", startup_config.encode())
    key = activation_key or keys.encode(serial, grants.factory(model))
    flash.write_private("activation-key", (key.strip() + "\n").encode())
    if rsa_key:
        keypair.store(flash, host_key or keypair.generate(), datetime.now(timezone.utc))
    if modern_ssh:
        ident.extra["ssh"] = {"modern": True}
    save(directory, ident)
    return ident


def save(directory: Path, ident: UnitIdentity) -> None:
    data = {"platform": ident.platform, "serial": ident.serial, "macs": ident.macs,
            "flash_mb": ident.flash_mb, "ram_mb": ident.ram_mb,
            "boot": {"break_window": ident.break_window}}
    data.update(ident.extra)
    tmp = directory / (UNIT_FILE + ".tmp")
    tmp.write_bytes(tomli_w.dumps(data).encode())
    tmp.replace(directory / UNIT_FILE)


def load(directory: Path) -> UnitIdentity:
    path = directory / UNIT_FILE
    if not path.exists():
        raise FileNotFoundError(f"{directory} is not a unit directory (no {UNIT_FILE})")
    data = tomllib.loads(path.read_text())
    boot = data.pop("boot", {})
    known = {k: data.pop(k) for k in ("platform", "serial", "macs", "flash_mb", "ram_mb")}
    platform(known["platform"])  # validates the model
    return UnitIdentity(**known, break_window=float(boot.get("break_window", 0.0)), extra=data)


def default_image_for(model: str) -> tuple[str, str]:
    """(version, line) of the image a new unit of this model gets when none is given."""
    hw = platform(model)
    if hw.line == "asa":
        return "7.2(1)", "asa"
    if not hw.runs(Version.parse("7.0(1)")):
        return "6.3(5)", "pix"
    return "7.2(1)", "pix"


def lock(directory: Path):
    """Take the unit for this process: one process at a time runs a unit directory (two would
    write the same flash). The returned file holds the lock until it is closed; UnitBusy names
    the process that has it."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    held = os.fdopen(fd, "r+")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        owner = running(directory)[0] or "another process"
        raise UnitBusy(f"{directory} is in use by process {owner}") from None
    announce(held)
    return held


def announce(held, console: str = "") -> None:
    """Say in the lock file who runs the unit, and where its console port listens."""
    held.seek(0)
    held.truncate(0)
    held.write(f"{os.getpid()}\n{console}\n")
    held.flush()


def running(directory: Path) -> tuple[str, str]:
    """(pid, console address) of the process that runs the unit, as its lock file says;
    empty strings where it says nothing."""
    try:
        lines = (directory / LOCK_FILE).read_text().splitlines()
    except OSError:
        return "", ""
    return (lines[0].strip() if lines else ""), (lines[1].strip() if len(lines) > 1 else "")


def adopt_old_host_key(directory: Path, flash: Flash) -> None:
    """A unit made before the key pair lived in flash: its old host key becomes the pair."""
    old = directory / OLD_HOST_KEY
    if old.is_file() and not old.is_symlink() and keypair.stored(flash) is None:
        keypair.store(flash, old.read_bytes(), datetime.now(timezone.utc))
        old.unlink()
