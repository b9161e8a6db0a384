"""Ports and segments. A unit's interface and a lab host each own a port; a segment joins
ports like a hub. Delivery goes through the clock, so a reply sent while handling a frame
never recurses, and virtual-time tests see frames arrive when time moves. An uplink's port
(a TAP device, a UDP tunnel) is the exception both ways: a frame to it leaves at once (writing
it ends there), and a frame from it, which arrives in the event loop's own callback, is
handed to the other ports at once: a turn of the loop less each way."""

from __future__ import annotations

from typing import Callable

from vpix.clock import Clock


def deaf(frame: bytes) -> None:
    """What a port hands its frames to when nothing listens on it."""


class Port:
    def __init__(self, mac: bytes, receive: Callable[[bytes], None] = deaf):
        self.mac = mac
        self.receive = receive
        self.segment: "Segment | None" = None
        self.up = True                      # the cable is in and the port is on; a port on no
                                            # segment is cabled to a world the lab does not model
        self.direct = False                 # an uplink's: frames cross it without waiting
        self.link_listeners: list[Callable[[bool], None]] = []

    def send(self, frame: bytes) -> None:
        if self.segment is not None and self.up:
            self.segment.carry(self, frame)

    @property
    def link(self) -> bool:
        return self.up

    def plug(self, up: bool) -> None:
        """The cable goes in (or comes out); listeners hear of a link change."""
        if up != self.up:
            self.up = up
            for listener in list(self.link_listeners):
                listener(up)


class Segment:
    """The in-memory backend: one process, frames handed over on the next clock tick."""

    def __init__(self, name: str, clock: Clock):
        self.name = name
        self.clock = clock
        self.ports: list[Port] = []
        self.frames = 0
        self.behind: dict[bytes, Port] = {}       # MAC -> the port it was last seen coming from

    def attach(self, port: Port) -> None:
        if port.segment is not None:
            port.segment.detach(port)
        self.ports.append(port)
        port.segment = self

    def _beyond(self, uplink: Port, mac: bytes) -> bool:
        """A frame for ``mac`` goes out of ``uplink``: a broadcast or multicast, a MAC seen behind
        it, or one not seen yet (a learning bridge floods those). Frames for the lab's own
        stations and other uplinks' hosts stay off this wire, whose hosts would only drop them."""
        return bool(mac[0] & 1) or self.behind.get(mac, uplink) is uplink

    def detach(self, port: Port) -> None:
        if port in self.ports:
            self.ports.remove(port)
        port.segment = None

    def carry(self, sender: Port, frame: bytes) -> None:
        self.frames += 1
        if len(self.behind) > 4096:               # a flood of made-up source MACs: start over
            self.behind.clear()
        self.behind[frame[6:12]] = sender
        for port in self.ports:
            if port is sender:
                continue
            if sender.direct or port.direct:
                if port.up and (not port.direct or self._beyond(port, frame[:6])):
                    port.receive(frame)
            else:
                self.clock.call_later(0, lambda p=port: p.up and p.segment is self and p.receive(frame))
