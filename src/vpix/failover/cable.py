"""The PIX serial failover cable: a point-to-point cable with a Primary and a Secondary end.

Whichever unit has the Primary end is the primary unit. Bytes written at one end arrive at
the other on the next clock tick, if both ends are plugged in (and the sender was not
switched off meanwhile: what it sent dies with it). Each end senses whether its
own plug and the far plug are in and whether the unit at the far end has power, and tells
its listeners at once when that changes — which is why cable failover needs no hold time
to notice a dead mate.
"""

from __future__ import annotations

from typing import Callable

from vpix.clock import Clock


class FailoverCable:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.primary_end = CableEnd(self, primary=True)
        self.secondary_end = CableEnd(self, primary=False)

    def other(self, end: "CableEnd") -> "CableEnd":
        return self.secondary_end if end is self.primary_end else self.primary_end


class CableEnd:
    def __init__(self, cable: FailoverCable, primary: bool):
        self.cable = cable
        self.primary = primary
        self.plugged = True
        self.powered = False                  # the unit this end is plugged into is on
        self.boots = 0                        # times that unit was switched on
        self.receive: Callable[[bytes], None] = lambda data: None
        self.listeners: list[Callable[[], None]] = []     # told of any plug or power change

    @property
    def far(self) -> "CableEnd":
        return self.cable.other(self)

    @property
    def connected(self) -> bool:
        return self.plugged and self.far.plugged

    @property
    def mate_powered(self) -> bool:
        return self.connected and self.far.powered

    def send(self, data: bytes) -> None:
        if self.connected and self.powered:
            far, boot = self.far, self.boots
            self.cable.clock.call_later(0, lambda: self.boots == boot and far.powered and far.connected
                                        and far.receive(data))

    def power(self, on: bool) -> None:
        """The unit at this end was switched on or off."""
        if on != self.powered:
            self.powered = on
            self.boots += on
            if not on:
                self.receive, self.listeners = (lambda data: None), []
            self._tell()

    def plug(self, plugged: bool) -> None:
        if plugged != self.plugged:
            self.plugged = plugged
            self._tell()

    def _tell(self) -> None:
        for end in (self, self.far):
            for listener in list(end.listeners):
                listener()
