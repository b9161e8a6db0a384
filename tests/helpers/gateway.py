"""A unit reaches servers on this machine's loopback the one way its running OS has: through a
gateway on one of its segments (vpix.net.gateway), which relays to the same port of
127.0.0.1. Tests type GATEWAY where a server's address goes."""

from __future__ import annotations

from vpix.net.fabric import Segment
from vpix.net.gateway import Gateway
from vpix.net.packets import mac_bytes

GATEWAY = "10.0.0.254"
UNIT = "10.0.0.1"

_SEVEN = ("interface {hw}", "nameif inside", "security-level 100", f"ip address {UNIT} 255.255.255.0",
          "no shutdown", "exit")
_SIX = ("nameif {hw} inside security100", f"ip address inside {UNIT} 255.255.255.0", "interface {hw} auto")


def gatewayed(unit, term=None, index: int = 1) -> Gateway:
    """The unit's interface ``index`` named inside with UNIT's address (typed at ``term``, in
    enable mode, when given), on a segment with a gateway at GATEWAY."""
    if term is not None:
        hw = unit.identity.hw.interfaces[index]
        lines = _SIX if unit.system.family == "6.x" else _SEVEN
        term.configure(*(line.format(hw=hw) for line in lines))
    segment = Segment("inside", unit.clock)
    segment.attach(unit.ports[index])
    gateway = Gateway("gateway", mac_bytes("0050.56ff.0001"), GATEWAY, unit.clock)
    gateway.plug(segment)
    return gateway
