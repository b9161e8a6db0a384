"""Stateful failover figures: connection updates replicated per second, connections surviving a
takeover, packets lost while the pair fails over.

A PIX-515E pair on 7.2(1) with LAN failover (`polltime unit msec 200 holdtime msec 800`, the
fastest timers) and a state link, between an emulated PC inside and server outside, in one
process on a virtual clock; the figures are what the units themselves spend.

- Sync rate: 20,000 TCP connections opened through the pair (three packets each; each opening
  and each state change is an update for the standby), then the active unit's bulk update of the
  whole table to the standby: records encoded, carried, decoded and applied per second of CPU.
  Goal: at least 20,000 a second.
- Survival: 1,000 established connections, the active unit powered off; the server then sends a
  segment on every one and the PC must receive it through the new active. Goal: 100 %.
- Loss: the PC sends a segment every millisecond on a replicated connection while the active unit
  loses power; lost segments and the gap, on the LAN link (the hold time bounds it) and on the
  serial cable (which senses the power loss).

There is no peer to run side by side; the goals are the figures printed next to them.
Run: python bench/stateful_sync.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


from vpix.clock import VirtualClock
from vpix.failover.cable import FailoverCable
from vpix.features.failover import FailoverConfig
from vpix.features.forwarding import Forwarding
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import ACK, PROTO_TCP, SYN, Tcp, ip_bytes, mac_bytes
from vpix.unit import Unit

from options import count, machine_load

CONNS, SURVIVORS = 20_000, 1_000
INTERFACES = """hostname fw
interface Ethernet0
 nameif outside
 security-level 0
 ip address 172.16.1.1 255.255.0.0 standby 172.16.1.2
 no shutdown
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0 standby 192.168.1.2
 no shutdown
interface Ethernet2
 no shutdown
access-list OUTSIDE extended permit tcp any host 192.168.1.50
access-group OUTSIDE in interface outside
failover link state Ethernet2
failover interface ip state 10.2.0.1 255.255.255.0 standby 10.2.0.2
"""
LAN = """interface Ethernet3
 no shutdown
failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
"""
TIMERS = "failover polltime unit msec 200 holdtime msec 800\nfailover\n"


class Bench:
    def __init__(self, root: Path, image: Path, cable: bool):
        self.clock = VirtualClock(1000.0)
        segments = {name: Segment(name, self.clock) for name in ("outside", "inside", "state", "failover")}
        self.units = []
        for role in ("primary", "secondary"):
            lan = "" if cable else LAN.format(role=role)
            startup = (INTERFACES if role == "primary" else "") + lan + TIMERS
            directory = root / f"{'cable' if cable else 'lan'}-{role}"
            unitdir.create(directory, "PIX-515E", image=image, startup_config=startup, rsa_key=False)
            unit = Unit(directory, self.clock)
            for index, name in enumerate(segments):
                segments[name].attach(unit.ports[index])
            self.units.append(unit)
        if cable:
            wire = FailoverCable(self.clock)
            self.units[0].cable, self.units[1].cable = wire.primary_end, wire.secondary_end
        self.pc = Host("pc", mac_bytes("0050.5600.0001"), "192.168.1.50", self.clock, gateway="192.168.1.1")
        self.server = Host("server", mac_bytes("0050.5600.0002"), "172.16.1.50", self.clock, "255.255.0.0",
                           gateway="172.16.1.1")
        self.pc.plug(segments["inside"])
        self.server.plug(segments["outside"])
        self.at_pc: list[Tcp] = []
        self.pc.stack.ip_bind(PROTO_TCP, lambda payload, source: self.at_pc.append(Tcp.decode(payload)))
        self.server.stack.ip_bind(PROTO_TCP, lambda payload, source: None)
        for unit in self.units:
            unit.power_on()
            self.clock.advance(0.5)
        self.clock.advance(5)
        assert [self.state(u) for u in self.units] == ["Active", "Standby Ready"], [self.state(u) for u in self.units]
        self.open(1, first_port=1000)        # the hosts and the unit learn each other's MAC addresses
        self.clock.advance(0.1)

    @staticmethod
    def state(unit: Unit) -> str | None:
        runtime = unit.system.feature(FailoverConfig).runtime if unit.system else None
        return runtime.machine.state if runtime else None

    def conns(self, unit: Unit) -> int:
        return len(unit.system.feature(Forwarding).pipeline.conns)

    def send(self, host: Host, dst: str, sport: int, dport: int, flags: int, payload: bytes = b"") -> None:
        segment = Tcp(sport, dport, 1, 1, flags, payload).encode(ip_bytes(host.stack.address), ip_bytes(dst))
        host.stack.send_ip(dst, PROTO_TCP, segment)

    def open(self, count: int, first_port: int = 1024) -> None:
        """``count`` connections from the PC to the server's port 22, a hundred at a time."""
        for start in range(first_port, first_port + count, 100):
            ports = range(start, min(start + 100, first_port + count))
            for flags, host, dst in ((SYN, self.pc, "172.16.1.50"), (SYN | ACK, self.server, "192.168.1.50"),
                                     (ACK, self.pc, "172.16.1.50")):
                for port in ports:
                    if host is self.pc:
                        self.send(host, dst, port, 22, flags)
                    else:
                        self.send(host, dst, 22, port, flags)
                self.clock.advance(0)

    def stateful(self, unit: Unit):
        return unit.system.feature(FailoverConfig).runtime.stateful


def sync_rate(root: Path, image: Path, conns: int) -> None:
    bench = Bench(root, image, cable=False)
    active, standby = bench.units
    started = time.perf_counter()
    bench.open(conns)
    opened = time.perf_counter() - started
    assert bench.conns(active) == bench.conns(standby) == conns + 1, (bench.conns(active), bench.conns(standby))
    updates = bench.stateful(standby).counters["TCP conn"].rcv
    before = updates
    started = time.perf_counter()
    runtime = active.system.feature(FailoverConfig).runtime
    runtime.stateful.bulk(runtime.spaces_of(runtime.unit_role))
    bench.clock.advance(0)
    bulk = time.perf_counter() - started
    assert bench.stateful(standby).counters["TCP conn"].rcv - before == conns + 1
    print(f"Stateful sync, {conns:,} TCP connections opened through the pair: {updates:,} updates replicated "
          f"while forwarding in {opened:.2f} s ({updates / opened:,.0f} updates/s, with the packets)")
    print(f"Bulk update of the {conns:,}-connection table to the standby: {bulk * 1000:.0f} ms "
          f"({conns / bulk:,.0f} connections/s); goal at least 20,000/s")


def survival(root: Path, image: Path) -> None:
    bench = Bench(root, image, cable=False)
    active, standby = bench.units
    bench.open(SURVIVORS)
    active.power_off()
    bench.clock.advance(2)
    assert bench.state(standby) == "Active"
    bench.at_pc.clear()
    for port in range(1024, 1024 + SURVIVORS):
        bench.send(bench.server, "192.168.1.50", 22, port, ACK, b"after the takeover")
    bench.clock.advance(0.1)
    carried = len({seg.dport for seg in bench.at_pc if seg.payload == b"after the takeover"})
    print(f"Connections surviving a stateful takeover (power-off): {carried:,} of {SURVIVORS:,} "
          f"({100 * carried / SURVIVORS:.0f} %); goal 100 %")


def loss(root: Path, image: Path, cable: bool) -> None:
    bench = Bench(root, image, cable)
    active, standby = bench.units
    bench.open(1, first_port=50000)
    sent: list[float] = []
    received: list[float] = []
    bench.server.stack.ip_bind(PROTO_TCP, lambda payload, source: received.append(bench.clock.monotonic()))
    for tick in range(3000):                           # 3 s, a segment a millisecond
        if tick == 1000:
            active.power_off()
        sent.append(bench.clock.monotonic())
        bench.send(bench.pc, "172.16.1.50", 50000, 22, ACK, b"x")
        bench.clock.advance(0.001)
    bench.clock.advance(0.1)
    assert bench.state(standby) == "Active"
    gap = max(b - a for a, b in zip(received, received[1:]))
    kind = "serial failover cable" if cable else "LAN failover, hold time 800 ms"
    print(f"Packets lost across a power-off takeover, {kind}: {len(sent) - len(received):,} of {len(sent):,} "
          f"(a segment a ms), traffic gap {gap * 1000:.0f} ms")


def main() -> None:
    root = Path(tempfile.mkdtemp())
    image = root / "pix721.bin"
    image_format.build(image, "7.2(1)", "pix", 1)
    _, conns = count(CONNS, 2_000)
    sync_rate(root / "sync", image, conns)
    survival(root / "survival", image)
    loss(root / "loss-lan", image, cable=False)
    loss(root / "loss-cable", image, cable=True)
    print(machine_load())


if __name__ == "__main__":
    main()
