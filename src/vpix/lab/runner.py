"""Creating a lab's units on first use and serving them all in one asyncio process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.lab.model import Lab, UnitSpec
from vpix.mgmt.host import Ports, UnitHost
from vpix.versions import Version


def image_for(lab_dir: Path, spec: UnitSpec) -> Path:
    """The lab's shared copy of the image a unit runs; units hard-link it into their flash."""
    version, line = _version_line(spec)
    size = spec.image_size_mb
    path = lab_dir / "images" / (f"{size:g}MB" if size else "default") / \
        image_format.default_name(version, line)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        image_format.build(path, str(version), line, size)
    return path


def host_key(kind: str) -> bytes:
    import asyncssh

    if kind == "ed25519":
        return asyncssh.generate_private_key("ssh-ed25519").export_private_key()
    return unitdir.generate_host_key()


def prepare(lab: Lab) -> dict[str, Path]:
    """Create the unit directories that do not exist yet; returns name -> directory."""
    root = lab.directory()
    dirs = {}
    for name, spec in lab.units.items():
        directory = root / name
        if not (directory / unitdir.UNIT_FILE).exists():
            image = image_for(root, spec)
            unitdir.create(directory, spec.platform, spec.serial, image, spec.activation_key,
                           spec.break_window, host_key(spec.host_key), spec.config)
        dirs[name] = directory
    return dirs


def _version_line(spec: UnitSpec) -> tuple[Version, str]:
    if spec.version:
        return Version.parse(spec.version), unitdir.platform(spec.platform).line
    version, line = unitdir.default_image_for(spec.platform)
    return Version.parse(version), line


async def start(lab: Lab) -> dict[str, UnitHost]:
    dirs = prepare(lab)
    hosts = {}
    for name, spec in lab.units.items():
        ports = Ports(spec.console_port, spec.telnet_port, spec.ssh_port)
        hosts[name] = await UnitHost(dirs[name], lab.host, ports).start()
    return hosts


async def stop(hosts: dict[str, UnitHost]) -> None:
    await asyncio.gather(*(h.stop() for h in hosts.values()))
