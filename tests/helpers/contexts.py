"""Multiple context mode for the tests: a unit converted to it, and two contexts sharing an
interface."""

from __future__ import annotations

from traffic import Net

from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import PROTO_TCP, Tcp, mac_bytes


def multiple(net: Net) -> None:
    """`mode multiple noconfirm`, then the reboot, back at the enable prompt."""
    net.term.cmd("configure terminal")
    net.term.cmd("mode multiple noconfirm")
    net.run(1)
    net.term.cmd("enable")
    net.term.cmd("")


CTX1_SHARING_OUTSIDE = (
    "interface Ethernet0", "nameif outside", "security-level 0", "ip address 172.16.1.2 255.255.0.0",
    "interface Ethernet2", "nameif inside", "security-level 100", "ip address 10.2.2.1 255.255.255.0",
    "static (inside,outside) 172.16.1.100 10.2.2.50 netmask 255.255.255.255",
    "access-list in extended permit tcp any host 172.16.1.100 eq www",
    "access-group in in interface outside",
)


def sharing(net):
    """Context ctx1 shares Ethernet0 (outside) with the admin context and has Ethernet2 to
    itself, with a web server behind a static."""
    net.term.configure("interface Ethernet2", "no shutdown", "context admin", "no allocate-interface Ethernet2")
    net.term.configure("context ctx1", "allocate-interface Ethernet0", "allocate-interface Ethernet2",
                       "config-url flash:/ctx1.cfg")
    net.term.cmd("changeto context ctx1")
    net.term.configure(*CTX1_SHARING_OUTSIDE)
    net.term.cmd("changeto system")
    net.segments["dmz"] = Segment("dmz", net.clock)
    net.segments["dmz"].attach(net.unit.ports[2])
    web = Host("web", mac_bytes("0050.5600.0099"), "10.2.2.50", net.clock, gateway="10.2.2.1")
    web.plug(net.segments["dmz"])
    got = []
    web.stack.ip_bind(PROTO_TCP, lambda payload, source: got.append((Tcp.decode(payload), source)))
    return web, got
