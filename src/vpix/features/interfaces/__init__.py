"""Interfaces in both syntaxes: 6.x `interface ethernet0 auto` / `nameif` / `ip address if …`,
7.x `interface Ethernet0` sub-mode; `mtu`; `show interface`, `show ip address`, `show nameif`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vpix.cli.registry import mode
from vpix.clock import Alarm, Readings
from vpix.features import CONTEXT, SYSTEM, Feature
from vpix.features.interfaces.shared import Share
from vpix.features.interfaces.stations import Stations
from vpix.net.fabric import Port
from vpix.net.packets import mac_bytes

mode("config-if", "(config-if)")

# 6.x `interface ethernetN <hardware_speed>` words and the (speed, duplex) each sets.
RATE_SAMPLE, RATE_WINDOW = 5, 300        # counters sampled every 5 s, rates over 1 and 5 minutes
ARP_TIMEOUT = 14400                      # seconds a learned ARP entry lives unconfirmed (`arp timeout`)
SPEEDS6 = {"auto": ("auto", "auto"), "10baset": ("10", "half"), "10full": ("10", "full"),
           "100basetx": ("100", "half"), "100full": ("100", "full"),
           "1000auto": ("1000", "auto"), "1000full": ("1000", "full")}


@dataclass
class Counters:
    packets_in: int = 0
    bytes_in: int = 0
    packets_out: int = 0
    bytes_out: int = 0
    broadcasts: int = 0
    drops: int = 0


@dataclass
class Interface:
    hw_id: str                     # 7.x name: Ethernet0, GigabitEthernet0/1
    index: int
    mac: str
    nameif: str | None = None
    security: int | None = None
    ip: str | None = None
    mask: str | None = None
    standby: str | None = None
    shutdown: bool = False         # the parser's default; a blank unit gets `shutdown` from
                                   # its factory configuration
    speed: str = "auto"
    duplex: str = "auto"
    description: str | None = None
    mtu: int = 1500
    management_only: bool = False  # traffic to the unit only, none through it
    port: Port | None = None       # where the interface meets its segment
    configured: bool = False       # named by an `interface` command since boot
    counters: Counters = field(default_factory=Counters)
    physical: "Interface | None" = None   # in a context: the system's interface it is allocated
    share: Share | None = None     # in the system: how the contexts it is allocated to share it

    @property
    def link(self) -> bool:
        """A cable is plugged in and the segment is there."""
        return self.port.link if self.port is not None else True

    @property
    def name6(self) -> str:
        """The 6.x name: ethernet0, gb-ethernet0."""
        base = self.hw_id.lower()
        return base.replace("gigabitethernet", "gb-ethernet")

    @property
    def up(self) -> bool:
        return not self.shutdown and (self.physical is None or self.physical.up)

    @property
    def line_up(self) -> bool:
        return self.up and self.link


def _six_defaults(iface: Interface) -> None:
    """PIX OS 6.x factory state: outside/inside up, the rest intfN."""
    if iface.index == 0:
        iface.nameif, iface.security, iface.shutdown = "outside", 0, False
    elif iface.index == 1:
        iface.nameif, iface.security, iface.shutdown = "inside", 100, False
    else:
        iface.nameif, iface.security, iface.shutdown = f"intf{iface.index}", iface.index * 2, True


class Interfaces(Feature):
    """The physical interfaces of a unit (single mode, system space), or the ones the system
    allocated to a context, under the names it gave them."""

    def __init__(self, system):
        super().__init__(system)
        ident = system.unit.identity
        ports = system.unit.ports
        self.all = [] if system.space == CONTEXT else [
            Interface(hw_id, i, ident.macs[i], port=ports[i]) for i, hw_id in enumerate(system.hw.interfaces)]
        self.stations = Stations(self.all, system.unit.clock, self.auto_macs)
        self.readings: dict[int, Readings] = {}          # interface index -> its counters over time
        self.static_arp: dict[tuple[str, str], str] = {}   # (interface name, address) -> MAC, as typed
        self.arp_timeout = ARP_TIMEOUT
        self._sampler: Alarm | None = None
        if system.family == "6.x":
            for iface in self.all:
                _six_defaults(iface)

    def start(self) -> None:
        self.stations.refresh()
        system = self.system
        system.change_listeners.append(lambda *_: system.feature(Interfaces).follow_config())
        self.follow_config()
        self._sampler = Alarm(system.unit.clock, self._sample)
        self._sample()

    def follow_config(self) -> None:
        """The stations take the interfaces' settings, and the static ARP entries."""
        self.stations.refresh()
        for iface in self.named():
            stack = self.stations.stack(iface)
            if stack is None:
                continue
            wanted = {ip: mac_bytes(mac) for (name, ip), mac in self.static_arp.items() if name == iface.nameif}
            for ip in list(stack.pinned - wanted.keys()):
                stack.unpin(ip)
            for ip, mac in wanted.items():
                if stack.arp.get(ip) != mac:
                    stack.pin(ip, mac)

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()

    def _sample(self) -> None:
        """Every interface's counters every 5 s of the unit's clock: the rates `show interface`
        and `show traffic` give over the last minute and five minutes."""
        now = self.system.unit.clock.monotonic()
        for i in self.all:
            c = i.counters
            self.readings.setdefault(i.index, Readings(RATE_WINDOW, RATE_SAMPLE)).add(
                now, (c.packets_in, c.bytes_in, c.packets_out, c.bytes_out, c.drops))
        for iface in self.named():                       # and learned ARP entries age out
            stack = self.stations.stack(iface)
            if stack is not None:
                stack.forget_older_than(self.arp_timeout)
        self._sampler.after(RATE_SAMPLE)

    def rates(self, iface: "Interface", seconds: int) -> tuple[int, ...]:
        """(input pkts/s, input bytes/s, output pkts/s, output bytes/s, drops/s) over the last
        ``seconds``; zeros until two samples exist."""
        readings = self.readings.get(iface.index)
        rates = readings.per_second(seconds) if readings is not None else None
        return (0,) * 5 if rates is None else tuple(int(rate) for rate in rates)

    def adopt(self, old: "Interfaces") -> None:
        self.readings, self._sampler = old.readings, old._sampler
        for iface, was in zip(self.all, old.all):
            iface.share = was.share
        self.stations = old.stations
        self.stations.interfaces, self.stations.own_macs = self.all, self.auto_macs
        self.stations.refresh()

    def allocate(self, physical: Interface, name: str | None) -> Interface:
        """`allocate-interface` in the system: the context gets the interface, up unless it
        shuts it, under ``name`` if the system gave one."""
        self.deallocate(physical)
        iface = Interface(name or physical.hw_id, physical.index, physical.mac, shutdown=False,
                          counters=physical.counters, physical=physical)
        if physical.share is None:
            physical.share = Share(physical.port)
        iface.port = physical.share.view(lambda address: self.stations.owns(iface, address))
        self.all.append(iface)
        self.all.sort(key=lambda i: i.index)
        self.stations.refresh()
        return iface

    def deallocate(self, physical: Interface) -> None:
        for iface in [i for i in self.all if i.physical is physical]:
            self.all.remove(iface)
            self.stations.drop(iface.index)
            iface.port.share.drop(iface.port)

    def auto_macs(self) -> dict[int, tuple[bytes, bytes]]:
        """`mac-address auto` in the system: each interface this context shares with another
        gets an (active, standby) MAC pair of its own, 12 (active) or 02 (standby), then the
        slot (0), the port, the sub-interface (0) and the context's ID."""
        from vpix.features.contexts import Contexts

        if self.system.space != CONTEXT or not self.system.root.feature(Contexts).mac_auto:
            return {}
        number = self.system.number.to_bytes(2, "big")
        return {iface.index: (bytes([0x12, 0, iface.index, 0]) + number, bytes([0x02, 0, iface.index, 0]) + number)
                for iface in self.all if len(iface.port.share.views) > 1}

    def factory_config(self) -> list[str]:
        """7.x interfaces the startup-config does not name stay in their factory state: shut."""
        if self.system.family == "6.x" or self.system.space == CONTEXT:
            return []
        return [line for iface in self.all if not iface.configured
                for line in (f"interface {iface.hw_id}", " shutdown")]

    # ------------------------------------------------------------ lookups

    def by_hw(self, text: str) -> Interface | None:
        """`Ethernet0`, `ethernet0`, `e0`, `gig0/1`, `GigabitEthernet0/1`, 6.x `gb-ethernet0`."""
        exact = next((iface for iface in self.all if iface.hw_id.lower() == text.lower()), None)
        if exact is not None:
            return exact
        m = re.match(r"^([A-Za-z-]+)\s*([\d/]+)$", text)
        if not m:
            return None
        word, number = m[1].lower(), m[2]
        for iface in self.all:
            hm = re.match(r"^([A-Za-z-]+)([\d/]+)$", iface.hw_id)
            names = (hm[1].lower(), iface.name6.rstrip("0123456789/"))
            if hm[2] == number and any(n.startswith(word) for n in names):
                return iface
        return None

    def by_name(self, name: str) -> Interface | None:
        for iface in self.all:
            if iface.nameif == name:
                return iface
        return None

    def named(self) -> list[Interface]:
        return [i for i in self.all if i.nameif]

    # ------------------------------------------------------------ configuration

    def render(self, full):
        return self.render_in(self.system.space, full)

    def render_in(self, space: str, full: bool):
        """The interface blocks as ``space`` writes them: the system only the hardware
        settings, a context only its own (names, levels, addresses)."""
        if self.system.family == "6.x":
            return self._render6()
        blocks = []
        for iface in self.all:
            blocks += ["!", f"interface {iface.hw_id}"]
            if iface.description:
                blocks.append(f" description {iface.description}")
            if space != CONTEXT:
                if iface.speed != "auto" or full:
                    blocks.append(f" speed {iface.speed}")
                if iface.duplex != "auto" or full:
                    blocks.append(f" duplex {iface.duplex}")
            if iface.shutdown:
                blocks.append(" shutdown")
            elif full:
                blocks.append(" no shutdown")
            if space == SYSTEM:
                continue
            blocks.append(f" nameif {iface.nameif}" if iface.nameif else " no nameif")
            blocks.append(f" security-level {iface.security}" if iface.security is not None
                          else " no security-level")
            if iface.ip:
                standby = f" standby {iface.standby}" if iface.standby else ""
                blocks.append(f" ip address {iface.ip} {iface.mask}{standby}")
            else:
                blocks.append(" no ip address")
            if iface.management_only:
                blocks.append(" management-only")
        blocks.append("!")
        mtus = [f"mtu {i.nameif} {i.mtu}" for i in self.named()] if space != SYSTEM else []
        return [("interfaces", blocks), ("mtu", mtus), ("arp", self.arp_lines(space))]

    def arp_lines(self, space: str) -> list[str]:
        """Static entries, then the timeout, which 7.x writes even at its default."""
        if space == SYSTEM:
            return []
        return [f"arp {name} {ip} {mac}" for (name, ip), mac in self.static_arp.items()] + \
            [f"arp timeout {self.arp_timeout}"]

    def _render6(self):
        hw = []
        for iface in self.all:
            speed = next((w for w, sd in SPEEDS6.items() if sd == (iface.speed, iface.duplex)), "auto")
            hw.append(f"interface {iface.name6} {speed}{' shutdown' if iface.shutdown else ''}")
        nameif = [f"nameif {i.name6} {i.nameif} security{i.security}" for i in self.named()]
        mtus = [f"mtu {i.nameif} {i.mtu}" for i in self.named()]
        ips = [f"ip address {i.nameif} {i.ip} {i.mask}" if i.ip else f"no ip address {i.nameif}"
               for i in self.named()]
        return [("interfaces", hw), ("nameif", nameif), ("mtu", mtus), ("ip-address", ips)]


from vpix.features.interfaces import commands, show  # noqa: E402,F401
