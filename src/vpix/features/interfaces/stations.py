"""The unit's own presence on each named interface: an IP stack on the interface's port that
answers ARP and ping and carries what other features bind to it (failover hellos).

A standalone or active unit holds the interface's address; a standby unit holds the standby
address. Failover decides the MACs: the active unit answers with the active MAC (the primary's,
or `failover mac address`), the standby with the standby MAC. On becoming active the unit
announces its addresses with gratuitous ARP, so the segment's caches follow it; so does either
unit whenever an address or its MAC changes.
"""

from __future__ import annotations

from typing import Callable

from vpix.net.fabric import deaf
from vpix.net.packets import mac_bytes
from vpix.net.stack import IpStack


class Stations:
    def __init__(self, interfaces, clock, own_macs: Callable[[], dict[int, tuple[bytes, bytes]]] = dict):
        self.interfaces = interfaces
        self.clock = clock
        self.own_macs = own_macs                            # index -> (active, standby) MACs not burned in
        self.stacks: dict[int, IpStack] = {}
        self.active = True
        self.macs: dict[int, tuple[bytes, bytes]] = {}      # index -> (active MAC, standby MAC)
        self._protocols: dict[int, Callable] = {}
        self._reserved: set[int] = set()                    # interfaces the failover link owns
        self.on_frame: Callable | None = None               # every frame an interface receives
        self.on_learn: Callable | None = None               # (iface, address, mac) of new ARP entries
        self.on_transit: Callable | None = None             # (iface, ip, raw) to forward, when active
        self.on_claim: Callable | None = None               # (iface, ip, raw) for us: True if it forwards it
        self.on_proxy: Callable | None = None               # (iface, address): True to answer ARP for it
        self.on_malformed: Callable | None = None           # (reason) of a frame no stack could read
        self.icmp_admits: Callable | None = None            # (iface, source, type): ICMP to the unit taken
        for iface in interfaces:                            # a new boot starts from the burned-in MACs
            iface.port.mac = mac_bytes(iface.mac)

    def bind(self, proto: int, handler: Callable | None) -> None:
        """IP protocol ``proto`` to any interface address goes to ``handler(iface, payload, source)``
        (None: nowhere)."""
        if handler is None:
            self._protocols.pop(proto, None)
        else:
            self._protocols[proto] = handler
        for iface in self.interfaces:
            if iface.index in self.stacks:
                self._bind(self.stacks[iface.index], iface, proto, handler)

    def reserve(self, index: int) -> None:
        """The failover link takes interface ``index`` for itself: no station there."""
        self._reserved.add(index)
        self.stacks.pop(index, None)

    def drop(self, index: int) -> None:
        """The interface is no longer ours (taken from a context): nothing here answers on it."""
        stack = self.stacks.pop(index, None)
        if stack is not None:
            stack.port.receive = deaf

    def release(self, index: int) -> None:
        self._reserved.discard(index)
        self.refresh()

    def assume(self, active: bool, macs: dict[int, tuple[bytes, bytes]]) -> None:
        """Take the active (or standby) addresses and MACs and announce what is new to the
        segment: every address on becoming active, else the ones whose address or MAC changed
        (a standby learning its mate's MACs too, or caches would keep the old one)."""
        became_active = active and not self.active
        self.active, self.macs = active, macs
        self.refresh(announce_all=became_active)

    def refresh(self, announce_all: bool = False) -> None:
        """Follow the configuration: which interfaces have an address, and which it is; tell
        the segment of an address or MAC that changed (all of them: ``announce_all``)."""
        before = {index: (stack.address, stack.port.mac) for index, stack in self.stacks.items()}
        self._follow()
        for index, stack in self.stacks.items():
            if stack.address is not None and (announce_all or before.get(index) != (stack.address, stack.port.mac)):
                stack.announce()

    def _follow(self) -> None:
        own = self.own_macs()
        for iface in self.interfaces:
            if iface.index in self._reserved:
                continue
            stack = self.stacks.get(iface.index)
            if not (iface.nameif and iface.ip and iface.up):
                if stack is not None:
                    stack.address = None
                continue
            if stack is None:
                stack = self.stacks[iface.index] = IpStack(iface.port, self.clock)
                iface.port.receive = lambda frame, i=iface: self._receive(i, frame)
                stack.learned = lambda address, mac, i=iface: self._learned(i, address, mac)
                stack.forward = lambda ip, raw, i=iface: self._transit(i, ip, raw)
                stack.claim = lambda ip, raw, i=iface: self._claim(i, ip, raw)
                stack.proxy = lambda address, i=iface: self._proxy(i, address)
                stack.admits = lambda source, kind, i=iface: self.icmp_admits is None or self.icmp_admits(
                    i.nameif, source, kind)
                stack.malformed = self._malformed
                for proto, handler in self._protocols.items():
                    self._bind(stack, iface, proto, handler)
            stack.address = iface.ip if self.active else iface.standby
            stack.mask = iface.mask or "255.255.255.0"
            burned = mac_bytes(iface.mac)
            active_mac, standby_mac = self.macs.get(iface.index) or own.get(iface.index, (burned, burned))
            iface.port.mac = active_mac if self.active else standby_mac

    def stack(self, iface) -> IpStack | None:
        stack = self.stacks.get(iface.index)
        return stack if stack is not None and stack.address is not None else None

    def owns(self, iface, address: str) -> bool:
        """A packet for ``address`` arriving on ``iface`` is this space's to take: its address
        there, or (active) a mapped address it publishes there."""
        stack = self.stacks.get(iface.index)
        if stack is None or stack.address is None:
            return False
        return stack.address == address or self._proxy(iface, address)

    def _receive(self, iface, frame: bytes) -> None:
        iface.counters.packets_in += 1
        iface.counters.bytes_in += len(frame)
        if self.on_frame is not None:
            self.on_frame(iface)
        self.stacks[iface.index].receive(frame)

    def _transit(self, iface, ip, raw: bytes) -> None:
        if self.active and self.on_transit is not None:
            self.on_transit(iface, ip, raw)

    def _claim(self, iface, ip, raw: bytes) -> bool:
        return self.active and self.on_claim is not None and self.on_claim(iface, ip, raw)

    def _proxy(self, iface, address: str) -> bool:
        return self.active and self.on_proxy is not None and self.on_proxy(iface, address)

    def _malformed(self, reason: str) -> None:
        if self.on_malformed is not None:
            self.on_malformed(reason)

    def _learned(self, iface, address: str, mac: bytes) -> None:
        if self.on_learn is not None:
            self.on_learn(iface, address, mac)

    @staticmethod
    def _bind(stack: IpStack, iface, proto: int, handler: Callable | None) -> None:
        if handler is None:
            stack.ip_unbind(proto)
        else:
            stack.ip_bind(proto, lambda payload, source: handler(iface, payload, source))
