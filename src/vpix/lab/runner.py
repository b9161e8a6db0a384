"""Creating a lab's units on first use and serving them, with their segments and hosts,
in one asyncio process."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from vpix.clock import LoopClock
from vpix.failover.cable import FailoverCable
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.lab import control
from vpix.lab.model import Lab, UnitSpec, udp_tunnel
from vpix.lab.namespaces import NamespaceHost
from vpix.mgmt.doors import HostStation
from vpix.mgmt.host import Ports, UnitHost
from vpix.net.fabric import Segment
from vpix.net.gateway import Gateway
from vpix.net.links import RawUplink, TapUplink, UdpUplink, Uplink
from vpix.net.host import Host
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


def prepare(lab: Lab, on_created=lambda name: None) -> dict[str, Path]:
    """Create the unit directories and TFTP roots that do not exist yet; name -> unit directory.
    ``on_created`` is told each unit's name as it is ready."""
    root = lab.directory()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    dirs = {}
    images = []
    for name, spec in lab.units.items():
        directory = root / name
        image = image_for(root, spec)
        images.append(image)
        if not (directory / unitdir.UNIT_FILE).exists():
            unitdir.create(directory, spec.platform, spec.serial, image, spec.activation_key,
                           spec.break_window, startup_config=spec.config, rsa_key=spec.rsa_key,
                           modern_ssh=spec.modern_ssh)
        dirs[name] = directory
        on_created(name)
    lines = {_version_line(spec)[1] for spec in lab.units.values()}
    for spec in lab.hosts.values():
        if spec.tftp_root:
            served = root / spec.tftp_root
            served.mkdir(parents=True, exist_ok=True)
            for image in images:                 # what monitor-mode recovery will ask for
                if not (served / image.name).exists():
                    shutil.copyfile(image, served / image.name)   # never a second name of an image
            for version, line in ((Version.parse(v), line) for v in spec.images for line in lines):
                path = served / image_format.default_name(version, line)
                if not path.exists():            # the images an upgrade rehearsal fetches
                    image_format.build(path, str(version), line)
    return dirs


def keep_syslog(host: Host, path: Path) -> None:
    """The host hears syslog (UDP 514) and appends each message to ``path``, a line each."""
    def heard(data: bytes, source: tuple[str, int], port: int) -> None:
        with open(path, "a", encoding="latin-1") as f:
            f.write(f"{source[0]} {data.decode('latin-1').rstrip()}\n")
    path.touch(mode=0o600)
    host.stack.udp_bind(514, heard)


def _version_line(spec: UnitSpec) -> tuple[Version, str]:
    if spec.version:
        return Version.parse(spec.version), unitdir.platform(spec.platform).line
    version, line = unitdir.default_image_for(spec.platform)
    return Version.parse(version), line


@dataclass
class RunningLab:
    units: dict[str, UnitHost]
    hosts: dict[str, Host | Gateway] = field(default_factory=dict)
    namespaces: dict[str, NamespaceHost] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    uplinks: list[Uplink] = field(default_factory=list)
    control: asyncio.AbstractServer | None = None
    directory: Path = Path(".")


async def start(lab: Lab, on_created=lambda name: None) -> RunningLab:
    """Cable everything first, then power the units on, so they boot onto their segments."""
    dirs = prepare(lab, on_created)
    running = RunningLab({})
    for name, spec in lab.units.items():
        ports = Ports(spec.console_port, spec.telnet_port, spec.ssh_port)
        station = HostStation(spec.station.interface, spec.station.address) if spec.station else HostStation()
        running.units[name] = UnitHost(dirs[name], lab.host, ports, station)
        running.units[name].create()
    clock = LoopClock()
    for name, spec in lab.hosts.items():
        if spec.in_namespace():
            continue
        mac = b"\x00\x50\x56" + hashlib.sha256(f"{lab.name}/{name}".encode()).digest()[:3]
        if spec.relay:
            running.hosts[name] = Gateway(name, mac, spec.address, clock, spec.mask)
            continue
        host = running.hosts[name] = Host(name, mac, spec.address, clock, spec.mask, spec.gateway)
        if spec.tftp_root:
            host.serve_tftp(lab.directory() / spec.tftp_root)
        if spec.syslog:
            keep_syslog(host, lab.directory() / spec.syslog)
    for name, members in lab.segments.items():
        segment = running.segments[name] = Segment(name, clock)
        for member in members:
            kind, _, rest = member.partition(":")
            if kind == "tap":
                running.uplinks.append(TapUplink(segment, rest))
                continue
            if kind == "raw":
                running.uplinks.append(RawUplink(segment, rest))
                continue
            if kind == "udp":
                local_port, remote = udp_tunnel(rest)
                running.uplinks.append(await UdpUplink.open(segment, (lab.host, local_port), remote))
                continue
            unit_name, _, interface = member.partition(":")
            if interface:
                unit = running.units[unit_name].unit
                segment.attach(unit.ports[unit.identity.hw.interfaces.index(interface)])
            elif lab.hosts[member].in_namespace():
                spec = lab.hosts[member]
                running.namespaces[member] = await NamespaceHost.create(lab.name, member, spec.address, spec.mask,
                                                                        spec.gateway, segment)
            else:
                running.hosts[member].plug(segment)
    for primary, secondary in lab.cables:
        cable = FailoverCable(clock)
        running.units[primary].unit.cable = cable.primary_end
        running.units[secondary].unit.cable = cable.secondary_end
    for host in running.units.values():
        await host.start()
    running.directory = lab.directory()
    running.control = await control.serve(running, running.directory)
    return running


async def stop(running: RunningLab) -> None:
    if running.control is not None:
        control.close(running.control, running.directory)
    for uplink in running.uplinks:
        uplink.close()
    for member in running.hosts.values():
        if isinstance(member, Gateway):
            member.close()
    for host in running.namespaces.values():
        host.close()
    await asyncio.gather(*(h.stop() for h in running.units.values()))
