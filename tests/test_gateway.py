"""The gateway to this machine's loopback holds a bounded number of host sockets, whatever a
segment member throws at it."""

from __future__ import annotations

import asyncio

from helpers.served import until

from vpix.clock import VirtualClock
from vpix.net import gateway as gateway_module
from vpix.net.fabric import Segment
from vpix.net.gateway import Gateway
from vpix.net.host import Host
from vpix.net.packets import mac_bytes


async def test_a_flood_of_udp_flows_keeps_the_gateways_sockets_bounded():
    clock = VirtualClock()
    segment = Segment("lan", clock)
    gateway = Gateway("gw", mac_bytes("0050.56ff.0001"), "10.0.0.254", clock)
    gateway.plug(segment)
    host = Host("noisy", mac_bytes("0050.5600.0001"), "10.0.0.1", clock)
    host.plug(segment)
    host.stack.ping("10.0.0.254", 1, 1.0, lambda ok: None)
    clock.advance(0.1)
    for sport in range(20000, 20000 + gateway_module.FLOWS + 100):
        host.stack.udp_send(sport, "10.0.0.254", 9, b"x")
    clock.advance(0.1)
    assert len(gateway.flows) == gateway_module.FLOWS
    assert gateway.counters["udp"] == gateway_module.FLOWS + 100
    await until(clock, lambda: all(flow.transport for flow in gateway.flows.values()))
    gateway.close()
    await asyncio.sleep(0)
    assert not gateway.flows
