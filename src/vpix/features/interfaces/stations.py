"""The unit's own presence on each named interface: an IP stack on the interface's port that
answers ARP and ping and carries what other features bind to it (failover hellos).

A standalone or active unit holds the interface's address; a standby unit holds the standby
address. Failover decides the MACs: the active unit answers with the active MAC (the primary's,
or `failover mac address`), the standby with the standby MAC. On becoming active the unit
announces its addresses with gratuitous ARP, so the segment's caches follow it.
"""

from __future__ import annotations

from typing import Callable

from vpix.net.packets import mac_bytes
from vpix.net.stack import IpStack


class Stations:
    def __init__(self, interfaces, clock):
        self.interfaces = interfaces
        self.clock = clock
        self.stacks: dict[int, IpStack] = {}
        self.active = True
        self.macs: dict[int, tuple[bytes, bytes]] = {}      # index -> (active MAC, standby MAC)
        self._protocols: dict[int, Callable] = {}
        for iface in interfaces:                            # a new boot starts from the burned-in MACs
            iface.port.mac = mac_bytes(iface.mac)

    def bind(self, proto: int, handler: Callable) -> None:
        """IP protocol ``proto`` to any interface address goes to ``handler(iface, payload, source)``."""
        self._protocols[proto] = handler
        for index, stack in self.stacks.items():
            self._bind(stack, self.interfaces[index], proto, handler)

    def assume(self, active: bool, macs: dict[int, tuple[bytes, bytes]]) -> None:
        """Take the active (or standby) addresses and MACs; the active side announces what is
        new to the segment: every address on becoming active, else the ones that changed."""
        before = {index: (stack.address, stack.port.mac) for index, stack in self.stacks.items()}
        was_active = self.active
        self.active, self.macs = active, macs
        self.refresh()
        if active:
            for index, stack in self.stacks.items():
                if not was_active or before.get(index) != (stack.address, stack.port.mac):
                    stack.announce()

    def refresh(self) -> None:
        """Follow the configuration: which interfaces have an address, and which it is."""
        for iface in self.interfaces:
            stack = self.stacks.get(iface.index)
            if not (iface.nameif and iface.ip and iface.up):
                if stack is not None:
                    stack.address = None
                continue
            if stack is None:
                stack = self.stacks[iface.index] = IpStack(iface.port, self.clock)
                for proto, handler in self._protocols.items():
                    self._bind(stack, iface, proto, handler)
            stack.address = iface.ip if self.active else iface.standby
            stack.mask = iface.mask or "255.255.255.0"
            burned = mac_bytes(iface.mac)
            active_mac, standby_mac = self.macs.get(iface.index, (burned, burned))
            iface.port.mac = active_mac if self.active else standby_mac

    def stack(self, iface) -> IpStack | None:
        stack = self.stacks.get(iface.index)
        return stack if stack is not None and stack.address is not None else None

    @staticmethod
    def _bind(stack: IpStack, iface, proto: int, handler: Callable) -> None:
        stack.ip_bind(proto, lambda payload, source: handler(iface, payload, source))
