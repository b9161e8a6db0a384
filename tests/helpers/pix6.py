"""The PIX OS 6.x failover pair: two PIX-515E units on 6.3(5) joined by the serial cable or a
LAN link, in virtual time."""

from __future__ import annotations

from conftest import Terminal, host_key

from vpix.clock import VirtualClock
from vpix.failover.cable import FailoverCable
from vpix.features.failover import FailoverConfig
from vpix.hardware import unitdir
from vpix.net.fabric import Segment
from vpix.unit import Unit

PRIMARY = """hostname pixfirewall
logging on
logging console debugging
ip address outside 192.168.10.1 255.255.255.0
ip address inside 10.10.10.1 255.255.255.0
failover ip address outside 192.168.10.2
failover ip address inside 10.10.10.2
failover poll 3
failover
"""
LAN = """interface ethernet2 auto
nameif ethernet2 failover security20
ip address failover 172.16.1.1 255.255.255.0
failover ip address failover 172.16.1.2
failover lan unit {role}
failover lan interface failover
failover lan key {key}
failover lan enable
"""
SECONDARY = """logging on
logging console debugging
failover poll 3
failover
"""


class Pix6Pair:
    """Two PIX-515E units on 6.3(5) with outside and inside segments, joined by the serial
    failover cable or (``lan``) a LAN link on ethernet2."""

    def __init__(self, tmp_path, images, lan=False, secondary_key="s3cret", image="pix-6.3(5)", break_window=0.0):
        self.clock = VirtualClock(1000.0)
        self.cable = FailoverCable(self.clock)
        self.segments = [Segment(name, self.clock) for name in ("outside", "inside", "failover")]
        self.units, self.terms = {}, {}
        for role, end in (("primary", self.cable.primary_end), ("secondary", self.cable.secondary_end)):
            config = PRIMARY if role == "primary" else SECONDARY
            if lan:
                key = "s3cret" if role == "primary" else secondary_key
                config = LAN.format(role=role, key=key) + config
            unitdir.create(tmp_path / role, "PIX-515E", image=images[image], host_key=host_key(),
                           startup_config=config, break_window=break_window)
            unit = Unit(tmp_path / role, self.clock)
            if not lan:
                unit.cable = end
            for index, segment in enumerate(self.segments):
                segment.attach(unit.ports[index])
            self.units[role], self.terms[role] = unit, Terminal(unit)

    def boot(self, seconds=30):
        for unit in self.units.values():
            unit.power_on()
        self.clock.advance(seconds)

    def machine(self, role):
        return self.units[role].system.feature(FailoverConfig).runtime.machine

    def enable(self, role):
        term = self.terms[role]
        term.cmd("enable")
        term.cmd("")
        return term

    def log(self, role):
        return self.units[role].console.text()
