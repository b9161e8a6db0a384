"""A physical interface that contexts share (multiple context mode, routed): the classifier.

Each context's interface meets the segment through a view of the physical port: its own MAC
and its own receiver. A frame that arrives goes to the context whose view has its destination
MAC when only one does (unique MACs, as failover group or `mac-address auto` MACs make them);
among views sharing the MAC, an IP packet goes to the context whose interface address, static
or global it is for, and is dropped if none claims it; broadcasts, multicasts and ARP go to
every view with the MAC, and each context's stack answers only for its own.
"""

from __future__ import annotations

from typing import Callable

from vpix.net.fabric import Port, deaf
from vpix.net.packets import ip_text

_ETH_IP = b"\x08\x00"
_DST_IP = slice(14 + 16, 14 + 20)


class PortView:
    """What a context's interface holds as its port: sends on the physical port, receives
    what the classifier gives it."""

    def __init__(self, share: "Share", owns: Callable[[str], bool]):
        self.share = share
        self.mac = share.port.mac
        self.receive: Callable[[bytes], None] = deaf
        self.owns = owns

    def send(self, frame: bytes) -> None:
        self.share.port.send(frame)

    @property
    def link(self) -> bool:
        return self.share.port.link

    @property
    def link_listeners(self) -> list:
        return self.share.port.link_listeners


class Share:
    def __init__(self, port: Port):
        self.port = port
        self.views: list[PortView] = []
        self.unclassified = 0
        port.receive = self._receive

    def view(self, owns: Callable[[str], bool]) -> PortView:
        """A new context's view; ``owns(address)`` says whether a packet for ``address`` is its."""
        view = PortView(self, owns)
        self.views.append(view)
        return view

    def drop(self, view: PortView) -> None:
        if view in self.views:
            self.views.remove(view)

    def _receive(self, frame: bytes) -> None:
        views = self.views
        if len(views) == 1:
            views[0].receive(frame)
            return
        dst = frame[:6]
        if dst[0] & 1:                                     # broadcast or multicast
            for view in list(views):
                view.receive(frame)
            return
        named = [view for view in views if view.mac == dst]
        if not named:
            return
        if len(named) == 1 or frame[12:14] != _ETH_IP:
            for view in named:
                view.receive(frame)
            return
        if len(frame) >= _DST_IP.stop:
            address = ip_text(frame[_DST_IP])
            for view in named:
                if view.owns(address):
                    view.receive(frame)
                    return
        self.unclassified += 1
