"""One unit as a containerlab node, wired the way the `cisco_asav` kind wires its nodes.

- `eth0` is the management interface: Management0/0 on ASA platforms that have one, else the
  platform's last interface. The unit takes eth0's address (the kernel gives it up, so only the
  unit answers for it) and, with no startup configuration of the user's, a configuration of
  its own: that interface named `management` with the address, the route to eth0's gateway,
  the kind's default login (admin / CiscoAsa1!) for SSH on port 22.
- `eth1`, `eth2`, … are the data interfaces in order (the others of the platform). Containerlab
  adds them after the container starts; the node waits for the number CLAB_INTFS names.
- Each `ethN` is bound to its unit interface with an AF_PACKET socket (net.links.RawUplink).
- The console is on TCP 5000 of the container's loopback (`docker exec NODE vpix console
  /flash`): the unit's console is never on a network. What the console prints also goes to
  the node's standard output, so `docker logs` shows the boot sequence (as vrnetlab's do).
- The unit directory (flash, startup-config, identity) is kept in a directory meant to be a
  volume, so `write memory` survives a restart.
- A PIX's serial failover cable can join two nodes: each names its end (primary or secondary)
  and the ethN link it runs over (failover/cable.py's LinkedCableEnd)."""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import socket
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.mgmt.host import Ports, UnitHost
from vpix.failover.cable import LinkedCableEnd
from vpix.net.fabric import Port, Segment
from vpix.net.links import RawUplink
from vpix.versions import Version

CONSOLE_PORT = 5000
USERNAME, PASSWORD = "admin", "CiscoAsa1!"       # the cisco_asav kind's documented default login
INTERFACE_WAIT = 120.0                           # seconds to wait for the links containerlab adds


@dataclass
class NodeSpec:
    directory: Path
    hostname: str = "asa"
    platform: str = "ASA5520"
    version: str | None = None
    serial: str | None = None
    activation_key: str | None = None
    config: Path | None = None                   # the user's startup configuration, if any
    data_links: int = 0                          # how many ethN after eth0 to wait for (CLAB_INTFS)
    cable: str | None = None                     # "primary" or "secondary": this end of a serial cable
    cable_link: str | None = None                # the ethN that cable runs over, to the other node

    def bound(self, linux: str) -> bool:
        """Whether the Linux interface ``linux`` is one this node takes for a unit interface:
        eth0 and the data links (not the cable's)."""
        return linux == "eth0" or (int(linux[3:]) <= self.data_links and linux != self.cable_link)


def management_interface(interfaces: tuple[str, ...]) -> str:
    return "Management0/0" if "Management0/0" in interfaces else interfaces[-1]


def wiring(interfaces: tuple[str, ...]) -> dict[str, str]:
    """Linux interface -> unit interface: eth0 the management one, eth1… the others in order."""
    management = management_interface(interfaces)
    data = [name for name in interfaces if name != management]
    return {"eth0": management, **{f"eth{n}": name for n, name in enumerate(data, 1)}}


def own_config(hostname: str, management: str, address: ipaddress.IPv4Interface, gateway: str | None) -> str:
    """The configuration a node starts with when the user gives none: reachable by SSH on its
    management address with the kind's default login."""
    lines = [f"hostname {hostname}", f"interface {management}", " nameif management", " security-level 100",
             f" ip address {address.ip} {address.netmask}", " no shutdown",
             f"username {USERNAME} password {PASSWORD} privilege 15", "aaa authentication ssh console LOCAL",
             "ssh 0.0.0.0 0.0.0.0 management"]
    if gateway:
        lines.append(f"route management 0.0.0.0 0.0.0.0 {gateway} 1")
    return "\n".join(lines) + "\n"


SIOCGIFADDR, SIOCSIFADDR, SIOCGIFNETMASK = 0x8915, 0x8916, 0x891B
RTF_GATEWAY = 0x2


def _address_ioctl(request: int, name: str, address: str = "0.0.0.0") -> str:
    """An interface's IPv4 address (or netmask) by ioctl, or setting it (SIOCSIFADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        ifreq = struct.pack("16sH2s4s8x", name.encode(), socket.AF_INET, b"\0\0", socket.inet_aton(address))
        return socket.inet_ntoa(fcntl.ioctl(sock.fileno(), request, ifreq)[20:24])


def _default_gateway() -> str | None:
    """The default route's gateway, from the kernel's IPv4 routing table of this namespace."""
    for line in Path("/proc/net/route").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[1] == "00000000" and int(fields[3], 16) & RTF_GATEWAY:
            return socket.inet_ntoa(struct.pack("<I", int(fields[2], 16)))
    return None


def take_eth0() -> tuple[ipaddress.IPv4Interface | None, str | None]:
    """eth0's IPv4 address and default gateway, the address removed from the kernel's eth0
    (setting it to 0.0.0.0 removes it, as `ifconfig eth0 0.0.0.0` does)."""
    gateway = _default_gateway()
    try:
        address = _address_ioctl(SIOCGIFADDR, "eth0")
    except OSError:                               # no address on eth0
        return None, gateway
    mask = _address_ioctl(SIOCGIFNETMASK, "eth0")
    _address_ioctl(SIOCSIFADDR, "eth0", "0.0.0.0")
    return ipaddress.IPv4Interface(f"{address}/{mask}"), gateway


def _missing(count: int) -> list[str]:
    present = {name for _, name in socket.if_nameindex()}
    return [f"eth{n}" for n in range(1, count + 1) if f"eth{n}" not in present]


async def links_present(count: int, timeout: float = INTERFACE_WAIT) -> None:
    """Until eth1…ethCOUNT exist (containerlab adds them once the container runs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while missing := _missing(count):
        if loop.time() > deadline:
            raise TimeoutError(f"{', '.join(missing)} did not appear within {timeout:.0f} s")
        await asyncio.sleep(0.2)


def prepare(spec: NodeSpec, address: ipaddress.IPv4Interface | None, gateway: str | None) -> None:
    """The unit directory, made on the first start (later starts keep what is in flash)."""
    if (spec.directory / unitdir.UNIT_FILE).exists():
        return
    hw = unitdir.platform(spec.platform)
    if spec.config is not None:
        config = spec.config.read_text()
    elif address is not None:
        config = own_config(spec.hostname, management_interface(hw.interfaces), address, gateway)
    else:
        config = None
    version, line = (spec.version, hw.line) if spec.version else unitdir.default_image_for(spec.platform)
    with tempfile.TemporaryDirectory() as built:          # the image is copied into flash
        image = Path(built) / image_format.default_name(Version.parse(version), line)
        image_format.build(image, version, line, None)
        unitdir.create(spec.directory, spec.platform, spec.serial, image, spec.activation_key, 0.0,
                       startup_config=config)


def _logged(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


async def start(spec: NodeSpec) -> UnitHost:
    """The node up: its links bound, the unit booting, its console on 127.0.0.1:5000."""
    await links_present(spec.data_links)
    address, gateway = take_eth0()
    prepare(spec, address, gateway)
    served = UnitHost(spec.directory, ports=Ports(console=CONSOLE_PORT))
    unit = served.create()
    unit.console.listeners.append(_logged)
    for linux, name in wiring(unit.identity.hw.interfaces).items():
        if spec.bound(linux):
            segment = Segment(linux, unit.clock)
            segment.attach(unit.ports[unit.identity.hw.interfaces.index(name)])
            RawUplink(segment, linux)
    if spec.cable and spec.cable_link:
        unit.cable = _cable(spec.cable == "primary", spec.cable_link, unit.clock)
    return await served.start()


def _cable(primary: bool, linux: str, clock) -> LinkedCableEnd:
    """This node's end of a serial failover cable that runs over the link ``linux``."""
    segment = Segment(f"cable-{linux}", clock)
    port = Port(bytes.fromhex("0250561c00") + bytes([1 if primary else 2]))
    segment.attach(port)
    RawUplink(segment, linux)
    return LinkedCableEnd(primary, clock, port)
