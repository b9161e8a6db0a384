"""A unit between emulated hosts, in virtual time: the harness of the data-plane tests."""

from __future__ import annotations

from conftest import Terminal, make_unit

from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import PROTO_TCP, Tcp, ip_bytes, mac_bytes

CONFIG = """hostname fw
logging enable
logging buffered debugging
interface Ethernet0
 nameif outside
 security-level 0
 ip address 172.16.1.1 255.255.0.0
 no shutdown
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0
 no shutdown
route outside 0.0.0.0 0.0.0.0 172.16.1.254 1
"""


PAT = ("nat (inside) 1 0.0.0.0 0.0.0.0", "global (outside) 1 interface")   # the inside behind the outside address


class Net:
    """A unit between a PC on the inside and a server on the outside."""

    def __init__(self, tmp_path, images, image_key="pix-7.2(1)", config=CONFIG, platform="PIX-515E"):
        self.unit = make_unit(tmp_path, images, platform=platform, image_key=image_key, config=config)
        self.clock = self.unit.clock
        self.segments = {name: Segment(name, self.clock) for name in ("outside", "inside")}
        self.segments["outside"].attach(self.unit.ports[0])
        self.segments["inside"].attach(self.unit.ports[1])
        self.pc = Host("pc", mac_bytes("0050.5600.0001"), "192.168.1.50", self.clock, gateway="192.168.1.1")
        self.server = Host("server", mac_bytes("0050.5600.0002"), "172.16.1.50", self.clock, "255.255.0.0",
                           gateway="172.16.1.1")
        self.pc.plug(self.segments["inside"])
        self.server.plug(self.segments["outside"])
        self.received = {"pc": [], "server": []}
        for name, host in (("pc", self.pc), ("server", self.server)):
            host.stack.udp_bind(53, lambda data, source, port, n=name: self.received[n].append(("udp", data, source)))
            host.stack.udp_bind(5353, lambda data, source, port, n=name: self.received[n].append(("udp", data, source)))
            host.stack.ip_bind(PROTO_TCP, lambda payload, source, n=name: self.received[n].append(
                ("tcp", Tcp.decode(payload), source)))
        self.term = Terminal(self.unit)
        self.unit.power_on()
        self.clock.advance(0)
        self.term.cmd("enable")
        self.term.cmd("")

    @classmethod
    def asa(cls, tmp_path, images) -> "Net":
        """The same network with an ASA 5510 running 8.0(4) in the middle."""
        config = CONFIG.replace("Ethernet0", "Ethernet0/0").replace("Ethernet1", "Ethernet0/1")
        return cls(tmp_path, images, image_key="asa-8.0(4)", config=config, platform="ASA5510")

    def add_host(self, name, address, segment):
        host = Host(name, mac_bytes(f"0050.5600.{len(self.received) + 1:04x}"), address, self.clock,
                    gateway="192.168.1.1" if segment == "inside" else "172.16.1.1")
        host.plug(self.segments[segment])
        return host

    def run(self, seconds=0.5):
        self.clock.advance(seconds)

    def reload(self) -> None:
        """`reload noconfirm`, the boot, back at the enable prompt."""
        self.term.cmd("reload noconfirm")
        self.run(1)
        self.term.cmd("enable")
        self.term.cmd("")

    def tcp(self, host, dst, sport, dport, flags, payload=b""):
        segment = Tcp(sport, dport, 1000, 1000, flags, payload)
        host.stack.send_ip(dst, PROTO_TCP, segment.encode(ip_bytes(host.stack.address), ip_bytes(dst)))
        self.run()

    def log(self):
        return self.term.cmd("show logging")
