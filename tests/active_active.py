"""Two multiple-mode PIX-515E units for Active/Active failover, in virtual time.

The primary holds the seed's layout: the admin context (failover group 1) between pc1 and
server1, the context ctx1 (group 2) between pc2 and server2, Ethernet3 the failover LAN
link (or the serial cable). The secondary starts blank in multiple mode; the seed's
procedure, typed through the CLI, makes the pair.
"""

from __future__ import annotations

from conftest import Terminal, host_key

from vpix.clock import VirtualClock
from vpix.failover.cable import FailoverCable
from vpix.features.failover import FailoverConfig
from vpix.hardware import unitdir
from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import mac_bytes
from vpix.unit import Unit

SYSTEM = """hostname fw
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

CONTEXT = """hostname {name}
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
LAN_LINK = ("failover lan unit {role}", "failover lan interface folink Ethernet3", "failover lan enable",
            "failover interface ip folink 10.1.0.1 255.255.255.0 standby 10.1.0.2",
            "interface Ethernet3", "no shutdown", "exit")
POLLS = ("failover polltime unit 1 holdtime 3", "failover polltime interface 1 holdtime 5")
GROUPS = ("failover group 1", "primary", "preempt", "exit", "failover group 2", "secondary", "preempt", "exit",
          "context ctx1", "join-failover-group 2", "exit")

# ports: Ethernet0 outside1, Ethernet1 inside1, Ethernet2 outside2, Ethernet3 failover, Ethernet4 inside2,
# Ethernet5 the state link
SEGMENTS = {"outside1": 0, "inside1": 1, "outside2": 2, "failover": 3, "inside2": 4, "state": 5}
STATE_LINK = ("interface Ethernet5", "no shutdown", "exit", "failover link statelink Ethernet5",
              "failover interface ip statelink 10.2.0.1 255.255.255.0 standby 10.2.0.2")
HOSTS = {"pc1": ("inside1", "192.168.1.50", "255.255.255.0", "192.168.1.1"),
         "server1": ("outside1", "172.16.1.50", "255.255.0.0", "172.16.1.1"),
         "pc2": ("inside2", "192.168.2.50", "255.255.255.0", "192.168.2.1"),
         "server2": ("outside2", "172.17.1.50", "255.255.0.0", "172.17.1.1")}


class ActiveActivePair:
    def __init__(self, tmp_path, images, cable: bool = False):
        self.clock = VirtualClock(1000.0)
        self.cable = FailoverCable(self.clock) if cable else None
        self.segments = {name: Segment(name, self.clock) for name in SEGMENTS}
        self.units, self.terms = {}, {}
        for role in ("primary", "secondary"):
            unitdir.create(tmp_path / role, "PIX-515E", image=images["pix-7.2(1)"], host_key=host_key(),
                           startup_config=SYSTEM if role == "primary" else "hostname fw\n")
            unit = Unit(tmp_path / role, self.clock)
            unit.flash.write_private("context-mode", b"multiple")
            if role == "primary":
                unit.flash.write("admin.cfg", CONTEXT.format(name="admin", outside="Ethernet0", inside="Ethernet1",
                                                             net="172.16", lan=1).encode())
                unit.flash.write("ctx1.cfg", CONTEXT.format(name="ctx1", outside="Ethernet2", inside="Ethernet4",
                                                            net="172.17", lan=2).encode())
            if self.cable is not None:
                unit.cable = self.cable.primary_end if role == "primary" else self.cable.secondary_end
            for name, index in SEGMENTS.items():
                self.segments[name].attach(unit.ports[index])
            self.units[role], self.terms[role] = unit, Terminal(unit)
        self.hosts = {}
        self.received: dict[str, list] = {name: [] for name in HOSTS}
        for number, (name, (segment, address, mask, gateway)) in enumerate(HOSTS.items(), 1):
            host = self.hosts[name] = Host(name, mac_bytes(f"0050.5600.00{number:02x}"), address, self.clock, mask,
                                           gateway)
            host.plug(self.segments[segment])
            for port in (9, 40000):
                host.stack.udp_bind(port, lambda data, source, _, n=name: self.received[n].append(data))

    # ------------------------------------------------------------ driving it

    def boot(self, *roles: str) -> None:
        for role in roles or ("primary", "secondary"):
            self.units[role].power_on()
        self.run(0)
        for role in roles or ("primary", "secondary"):
            self.enable(role)

    def enable(self, role: str) -> Terminal:
        term = self.terms[role]
        term.cmd("enable")
        term.cmd("")
        return term

    def run(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def configure(self, role: str, *lines: str) -> str:
        return self.terms[role].configure(*lines)

    def seed_procedure(self, stateful: bool = False, groups: bool = True) -> None:
        """Configure the primary, bootstrap the secondary, let them pair (without failover
        groups: Active/Standby failover of the whole multiple-mode unit)."""
        lan = () if self.cable else tuple(line.format(role="primary") for line in LAN_LINK)
        self.configure("primary", *lan, *POLLS, *(STATE_LINK if stateful else ()), *(GROUPS if groups else ()),
                       "failover")
        self.run(5)
        lan = () if self.cable else tuple(line.format(role="secondary") for line in LAN_LINK)
        self.configure("secondary", *lan, "failover")
        self.run(30)

    # ------------------------------------------------------------ looking at it

    def runtime(self, role: str):
        return self.units[role].system.feature(FailoverConfig).runtime

    def group(self, role: str, number: int) -> str:
        return self.runtime(role).groups[number].machine.state

    def states(self) -> dict[str, tuple[str, str]]:
        """{group: (on the primary, on the secondary)}"""
        return {f"group{n}": (self.group("primary", n), self.group("secondary", n)) for n in (1, 2)}

    def exec_in(self, role: str, context: str, line: str) -> str:
        """A command in a context, from the system execution space and back."""
        term = self.terms[role]
        term.cmd(f"changeto context {context}")
        out = term.cmd(line)
        term.cmd("changeto system")
        return out

    def passes(self, source: str, destination: str, ports: tuple[int, int] = (40000, 9)) -> bool:
        """A datagram from one host reaches the other (through whichever unit is active)."""
        before = len(self.received[destination])
        self.hosts[source].stack.udp_send(ports[0], self.hosts[destination].stack.address, ports[1], b"probe")
        self.run(1)
        return len(self.received[destination]) > before

    def answered(self, server: str, client: str) -> bool:
        """The server's answer to a client's earlier datagram comes back through."""
        return self.passes(server, client, (9, 40000))
