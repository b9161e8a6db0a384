"""The one failover pair every failover test drives: two units in virtual time, joined by a
failover LAN link (the "failover" segment) or the serial cable, on the data segments they
share, with hosts on them. The recipes below give the pairs the tests start from: the 7.x LAN
pair, the serial-cable pair, the PIX OS 6.x pair and the Active/Active pair of the seed."""

from __future__ import annotations

from conftest import Terminal, host_key

from vpix.clock import VirtualClock
from vpix.failover.cable import FailoverCable, LinkedCableEnd
from vpix.features.failover import FailoverConfig
from vpix.hardware import unitdir
from vpix.net.fabric import Port, Segment
from vpix.net.host import Host
from vpix.net.packets import mac_bytes
from vpix.unit import Unit

ROLES = ("primary", "secondary")


class Pair:
    def __init__(self, tmp_path, images, configs: dict[str, str], segments: dict[str, int], *,
                 image: str = "pix-7.2(1)", secondary_image=None, secondary_platform: str = "PIX-515E",
                 cable: bool = False, multiple: bool = False, files: dict[str, bytes] | None = None,
                 break_window: float = 0.0, settle: float = 0.0, enable_on_boot: bool = False, clock=None,
                 cable_link: bool = False):
        self.clock = clock or VirtualClock(1000.0)        # (a LoopClock: the pair in real time)
        self.cable = FailoverCable(self.clock) if cable else None
        self.cable_link = Segment("cable", self.clock) if cable_link else None    # the cable over a link
        self.segments: dict[str, Segment] = {}
        self.settle, self.enable_on_boot = settle, enable_on_boot
        self.units: dict[str, Unit] = {}
        self.terms: dict[str, Terminal] = {}
        self.hosts: dict[str, Host] = {}
        self.received: dict[str, list[bytes]] = {}
        for role in ROLES:
            secondary = role == "secondary"
            unitdir.create(tmp_path / role, secondary_platform if secondary else "PIX-515E",
                           image=secondary_image if secondary and secondary_image else images[image],
                           host_key=host_key(), startup_config=configs[role], break_window=break_window)
            unit = Unit(tmp_path / role, self.clock)
            if multiple:
                unit.flash.write_private("context-mode", b"multiple")
            if not secondary:
                for name, data in (files or {}).items():
                    unit.flash.write(name, data)
            if self.cable is not None:
                unit.cable = self.cable.secondary_end if secondary else self.cable.primary_end
            if self.cable_link is not None:
                port = Port(mac_bytes(f"0050.56fc.000{1 + secondary}"))
                self.cable_link.attach(port)
                unit.cable = LinkedCableEnd(not secondary, self.clock, port)
            self.units[role], self.terms[role] = unit, Terminal(unit)
        for name, index in segments.items():
            self.add_segment(name, index)

    # ------------------------------------------------------------ building it

    def add_segment(self, name: str, index: int) -> Segment:
        """A segment both units' port ``index`` plug into."""
        segment = self.segments[name] = Segment(name, self.clock)
        for unit in self.units.values():
            segment.attach(unit.ports[index])
        return segment

    def add_host(self, name: str, segment: str, address: str, mask: str = "255.255.255.0",
                 gateway: str | None = None, listen: tuple[int, ...] = ()) -> Host:
        """A host on a segment; the datagrams it gets on the ``listen`` ports go to received[name]."""
        host = self.hosts[name] = Host(name, mac_bytes(f"0050.5600.00{len(self.hosts) + 0x90:02x}"), address,
                                       self.clock, mask, gateway)
        host.plug(self.segments[segment])
        self.received[name] = []
        for port in listen:
            host.stack.udp_bind(port, lambda data, source, _, n=name: self.received[n].append(data))
        return host

    @property
    def link(self) -> Segment:
        return self.segments["failover"]

    @property
    def inside(self) -> Segment:
        return self.segments["inside"]

    @property
    def host(self) -> Host:
        return self.hosts["pc"]

    # ------------------------------------------------------------ driving it

    def boot(self, *roles: str) -> None:
        for role in roles or ROLES:
            self.units[role].power_on()
        self.run(self.settle)
        if self.enable_on_boot:
            for role in roles or ROLES:
                self.enable(role)

    def run(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def enable(self, role: str) -> Terminal:
        term = self.terms[role]
        term.cmd("enable")
        term.cmd("")
        return term

    def configure(self, role: str, *lines: str) -> str:
        return self.terms[role].configure(*lines)

    def passes(self, source: str, destination: str, ports: tuple[int, int] = (40000, 9)) -> bool:
        """A datagram from one host reaches the other (through whichever unit is active)."""
        before = len(self.received[destination])
        self.hosts[source].stack.udp_send(ports[0], self.hosts[destination].stack.address, ports[1], b"probe")
        self.run(1)
        return len(self.received[destination]) > before

    def answered(self, server: str, client: str) -> bool:
        """The server's answer to a client's earlier datagram comes back through."""
        return self.passes(server, client, (9, 40000))

    def exec_in(self, role: str, context: str, line: str) -> str:
        """A command in a context, from the system execution space and back."""
        term = self.terms[role]
        term.cmd(f"changeto context {context}")
        out = term.cmd(line)
        term.cmd("changeto system")
        return out

    # ------------------------------------------------------------ looking at it

    def runtime(self, role: str):
        return self.units[role].system.feature(FailoverConfig).runtime

    def machine(self, role: str):
        return self.runtime(role).machine

    def group(self, role: str, number: int) -> str:
        return self.runtime(role).groups[number].machine.state

    def states(self) -> dict[str, tuple[str, str]]:
        """{group: (on the primary, on the secondary)}"""
        return {f"group{n}": (self.group("primary", n), self.group("secondary", n)) for n in (1, 2)}

    def log(self, role: str) -> str:
        return self.units[role].console.text()


def ping(pair, address) -> bool:
    replies = []
    pair.host.stack.ping(address, 1, 1.0, replies.append)
    pair.run(1.5)
    return replies == [True]


# ---------------------------------------------------------------- the 7.x LAN pair

LAN_PRIMARY = """hostname pix
interface Ethernet0
 nameif outside
 security-level 0
 ip address 172.16.1.1 255.255.0.0 standby 172.16.1.2
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0 standby 192.168.1.2
interface Ethernet3
 no shutdown
failover lan unit primary
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit 1 holdtime 3
failover key k3y
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover
"""
LAN_SECONDARY = """failover lan unit secondary
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit 1 holdtime 3
failover key {key}
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
interface Ethernet3
 no shutdown
failover
"""


def lan_pair(tmp_path, images, secondary_key: str = "k3y", image: str = "pix-7.2(1)", **options) -> Pair:
    """Two PIX-515E units on one failover LAN link (Ethernet3) with a PC on the inside and a
    port that sniffs the inside segment (``sniffed``)."""
    pair = Pair(tmp_path, images, {"primary": LAN_PRIMARY, "secondary": LAN_SECONDARY.format(key=secondary_key)},
                {"inside": 1, "failover": 3}, image=image, **options)
    pair.add_host("pc", "inside", "192.168.1.50")
    pair.sniffed = []
    pair.inside.attach(Port(bytes(6), pair.sniffed.append))
    return pair


def add_startup(pair, role: str, lines: str):
    """Lines at the end of a unit's startup-config (before it boots)."""
    unit = pair.units[role]
    unit.flash.write_private("startup-config", (unit.flash.read_private("startup-config").decode() + lines).encode())
    return pair


STATE = """interface Ethernet2
 no shutdown
failover link state Ethernet2
failover interface ip state 10.2.0.1 255.255.255.0 standby 10.2.0.2
"""


def with_state_link(pair, lines=STATE):
    add_startup(pair, "primary", lines)
    pair.add_segment("state", 2)
    return pair


def server_outside(pair):
    """A server on the outside segment, and the inside PC routing through the pair."""
    pair.add_segment("outside", 0)
    pair.server = pair.add_host("server", "outside", "172.16.1.50", "255.255.0.0", gateway="172.16.1.1")
    pair.host.stack.gateway = "192.168.1.1"
    return pair


# ---------------------------------------------------------------- the serial-cable pair (7.x)

CABLE_PRIMARY = """hostname pix
logging enable
logging console debugging
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0 standby 192.168.1.2
failover
"""


def cable_pair(tmp_path, images, linked: bool = False) -> Pair:
    """Two PIX-515E units on 7.2(1) joined by the serial cable (``linked``: the cable carried
    over an Ethernet link between them, as between two containers), the secondary with only
    `failover`."""
    return Pair(tmp_path, images, {"primary": CABLE_PRIMARY, "secondary": "failover\n"}, {"inside": 1},
                cable=not linked, cable_link=linked, settle=60)


# ---------------------------------------------------------------- the PIX OS 6.x pair

PIX6_PRIMARY = """hostname pixfirewall
logging on
logging console debugging
ip address outside 192.168.10.1 255.255.255.0
ip address inside 10.10.10.1 255.255.255.0
failover ip address outside 192.168.10.2
failover ip address inside 10.10.10.2
failover poll 3
failover
"""
PIX6_LAN = """interface ethernet2 auto
nameif ethernet2 failover security20
ip address failover 172.16.1.1 255.255.255.0
failover ip address failover 172.16.1.2
failover lan unit {role}
failover lan interface failover
failover lan key {key}
failover lan enable
"""
PIX6_SECONDARY = """logging on
logging console debugging
failover poll 3
failover
"""


def pix6_pair(tmp_path, images, lan: bool = False, secondary_key: str = "s3cret", image: str = "pix-6.3(5)",
              break_window: float = 0.0) -> Pair:
    """Two PIX-515E units on 6.x with outside and inside segments, joined by the serial failover
    cable or (``lan``) a LAN link on ethernet2; booting them lets 30 s pass."""
    configs = {"primary": PIX6_PRIMARY, "secondary": PIX6_SECONDARY}
    if lan:
        configs = {role: PIX6_LAN.format(role=role, key="s3cret" if role == "primary" else secondary_key) + config
                   for role, config in configs.items()}
    return Pair(tmp_path, images, configs, {"outside": 0, "inside": 1, "failover": 2}, image=image, cable=not lan,
                break_window=break_window, settle=30)


# ---------------------------------------------------------------- the Active/Active pair

AA_SYSTEM = """hostname fw
interface Ethernet0
 no shutdown
interface Ethernet1
 no shutdown
interface Ethernet2
 no shutdown
interface Ethernet4
 no shutdown
admin-context admin
context admin
  allocate-interface Ethernet0
  allocate-interface Ethernet1
  config-url flash:/admin.cfg
context ctx1
  allocate-interface Ethernet2
  allocate-interface Ethernet4
  config-url flash:/ctx1.cfg
"""
AA_CONTEXT = """hostname {name}
interface {outside}
 nameif outside
 security-level 0
 ip address {net}.1.1 255.255.0.0 standby {net}.1.2
interface {inside}
 nameif inside
 security-level 100
 ip address 192.168.{lan}.1 255.255.255.0 standby 192.168.{lan}.2
"""
# The seed's LAN-based procedure, primary then secondary (the poll times only make it quick).
AA_LAN_LINK = ("failover lan unit {role}", "failover lan interface folink Ethernet3", "failover lan enable",
               "failover interface ip folink 10.1.0.1 255.255.255.0 standby 10.1.0.2",
               "interface Ethernet3", "no shutdown", "exit")
AA_POLLS = ("failover polltime unit 1 holdtime 3", "failover polltime interface 1 holdtime 5")
AA_GROUPS = ("failover group 1", "primary", "preempt", "exit", "failover group 2", "secondary", "preempt", "exit",
             "context ctx1", "join-failover-group 2", "exit")
# ports: Ethernet0 outside1, Ethernet1 inside1, Ethernet2 outside2, Ethernet3 failover, Ethernet4 inside2,
# Ethernet5 the state link
AA_SEGMENTS = {"outside1": 0, "inside1": 1, "outside2": 2, "failover": 3, "inside2": 4, "state": 5}
AA_STATE_LINK = ("interface Ethernet5", "no shutdown", "exit", "failover link statelink Ethernet5",
                 "failover interface ip statelink 10.2.0.1 255.255.255.0 standby 10.2.0.2")
AA_HOSTS = {"pc1": ("inside1", "192.168.1.50", "255.255.255.0", "192.168.1.1"),
            "server1": ("outside1", "172.16.1.50", "255.255.0.0", "172.16.1.1"),
            "pc2": ("inside2", "192.168.2.50", "255.255.255.0", "192.168.2.1"),
            "server2": ("outside2", "172.17.1.50", "255.255.0.0", "172.17.1.1")}


def active_active_pair(tmp_path, images, cable: bool = False) -> Pair:
    """Two multiple-mode PIX-515E units on 7.2(1). The primary holds the seed's layout: the admin
    context (failover group 1) between pc1 and server1, the context ctx1 (group 2) between pc2
    and server2, Ethernet3 the failover LAN link (or the serial cable). The secondary starts
    blank in multiple mode; join_by_seed_procedure makes the pair."""
    files = {"admin.cfg": AA_CONTEXT.format(name="admin", outside="Ethernet0", inside="Ethernet1", net="172.16",
                                            lan=1).encode(),
             "ctx1.cfg": AA_CONTEXT.format(name="ctx1", outside="Ethernet2", inside="Ethernet4", net="172.17",
                                           lan=2).encode()}
    pair = Pair(tmp_path, images, {"primary": AA_SYSTEM, "secondary": "hostname fw\n"}, AA_SEGMENTS, cable=cable,
                multiple=True, files=files, enable_on_boot=True)
    for name, (segment, address, mask, gateway) in AA_HOSTS.items():
        pair.add_host(name, segment, address, mask, gateway, listen=(9, 40000))
    return pair


def join_by_seed_procedure(pair: Pair, stateful: bool = False, groups: bool = True) -> None:
    """Configure the primary, bootstrap the secondary, let them pair (without failover groups:
    Active/Standby failover of the whole multiple-mode unit)."""
    lan = () if pair.cable else tuple(line.format(role="primary") for line in AA_LAN_LINK)
    pair.configure("primary", *lan, *AA_POLLS, *(AA_STATE_LINK if stateful else ()),
                   *(AA_GROUPS if groups else ()), "failover")
    pair.run(5)
    lan = () if pair.cable else tuple(line.format(role="secondary") for line in AA_LAN_LINK)
    pair.configure("secondary", *lan, "failover")
    pair.run(30)
