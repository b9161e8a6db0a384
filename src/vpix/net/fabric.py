"""Ports and segments. A unit's interface and a lab host each own a port; a segment joins
ports like a hub. Delivery goes through the clock, so a reply sent while handling a frame
never recurses, and virtual-time tests see frames arrive when time moves."""

from __future__ import annotations

from typing import Callable

from vpix.clock import Clock


class Port:
    def __init__(self, mac: bytes, receive: Callable[[bytes], None] = lambda frame: None):
        self.mac = mac
        self.receive = receive
        self.segment: "Segment | None" = None
        self.up = True                      # link: the cable is in and the port is on

    def send(self, frame: bytes) -> None:
        if self.segment is not None and self.up:
            self.segment.carry(self, frame)

    @property
    def link(self) -> bool:
        return self.up and self.segment is not None


class Segment:
    """The in-memory backend: one process, frames handed over on the next clock tick."""

    def __init__(self, name: str, clock: Clock):
        self.name = name
        self.clock = clock
        self.ports: list[Port] = []
        self.frames = 0

    def attach(self, port: Port) -> None:
        if port.segment is not None:
            port.segment.detach(port)
        port.segment = self
        self.ports.append(port)

    def detach(self, port: Port) -> None:
        if port in self.ports:
            self.ports.remove(port)
        port.segment = None

    def carry(self, sender: Port, frame: bytes) -> None:
        self.frames += 1
        for port in self.ports:
            if port is not sender:
                self.clock.call_later(0, lambda p=port: p.up and p.segment is self and p.receive(frame))
