"""The failover pair most failover tests drive: two PIX-515E units on 7.2(1) on one failover
LAN link in virtual time, a PC on the inside, and what tests add to it (a state link, a
server outside)."""

from __future__ import annotations

from conftest import Terminal, host_key

from vpix.clock import VirtualClock
from vpix.features.failover import FailoverConfig
from vpix.hardware import unitdir
from vpix.net.fabric import Port, Segment
from vpix.net.host import Host
from vpix.net.packets import mac_bytes
from vpix.unit import Unit

BASE = """hostname pix
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
failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit 1 holdtime 3
failover key {key}
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover
"""
SECONDARY = """failover lan unit secondary
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit 1 holdtime 3
failover key {key}
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
interface Ethernet3
 no shutdown
failover
"""


class Pair:
    def __init__(self, tmp_path, images, secondary_key="k3y", secondary_image=None, secondary_platform="PIX-515E"):
        self.clock = VirtualClock(1000.0)
        self.link = Segment("failover", self.clock)
        self.inside = Segment("inside", self.clock)
        self.host = Host("pc", mac_bytes("0050.5600.0099"), "192.168.1.50", self.clock)
        self.host.plug(self.inside)
        self.sniffed: list[bytes] = []
        self.inside.attach(Port(bytes(6), self.sniffed.append))
        self.units, self.terms = {}, {}
        for role, config in (("primary", BASE.format(role="primary", key="k3y")),
                             ("secondary", SECONDARY.format(key=secondary_key))):
            directory = tmp_path / role
            image = secondary_image if role == "secondary" and secondary_image else images["pix-7.2(1)"]
            platform = secondary_platform if role == "secondary" else "PIX-515E"
            unitdir.create(directory, platform, image=image, host_key=host_key(), startup_config=config)
            unit = Unit(directory, self.clock)
            self.link.attach(unit.ports[3])
            self.inside.attach(unit.ports[1])
            self.units[role], self.terms[role] = unit, Terminal(unit)

    def boot(self, *roles):
        for role in roles or ("primary", "secondary"):
            self.units[role].power_on()

    def run(self, seconds):
        self.clock.advance(seconds)

    def machine(self, role):
        runtime = self.units[role].system.feature(FailoverConfig).runtime
        return runtime.machine

    def enable(self, role):
        term = self.terms[role]
        term.cmd("enable")
        term.cmd("")
        return term


def ping(pair, address) -> bool:
    replies = []
    pair.host.stack.ping(address, 1, 1.0, replies.append)
    pair.run(1.5)
    return replies == [True]


STATE = """interface Ethernet2
 no shutdown
failover link state Ethernet2
failover interface ip state 10.2.0.1 255.255.255.0 standby 10.2.0.2
"""


def with_state_link(pair, lines=STATE):
    unit = pair.units["primary"]
    unit.flash.write_private("startup-config",
                             (unit.flash.read_private("startup-config").decode() + lines).encode())
    pair.state = Segment("state", pair.clock)
    for unit in pair.units.values():
        pair.state.attach(unit.ports[2])
    return pair


def server_outside(pair):
    """A server on the outside segment, and the inside PC routing through the pair."""
    from vpix.net.host import Host

    pair.outside = Segment("outside", pair.clock)
    for unit in pair.units.values():
        pair.outside.attach(unit.ports[0])
    pair.server = Host("server", mac_bytes("0050.5600.0077"), "172.16.1.50", pair.clock, "255.255.0.0",
                       gateway="172.16.1.1")
    pair.server.plug(pair.outside)
    pair.host.stack.gateway = "192.168.1.1"
    return pair
