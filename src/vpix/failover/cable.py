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

from vpix.clock import Alarm, Clock


class FailoverCable:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.primary_end = CableEnd(self, primary=True)
        self.secondary_end = CableEnd(self, primary=False)

    def other(self, end: "CableEnd") -> "CableEnd":
        return self.secondary_end if end is self.primary_end else self.primary_end


class End:
    """What every end of the cable is: its plug, the power of the unit it is plugged into, what
    it senses of the far end, and who is told of a change (``_changed``)."""

    far: "End | FarEnd"

    def __init__(self, primary: bool):
        self.primary = primary
        self.plugged = True
        self.powered = False                  # the unit this end is plugged into is on
        self.boots = 0                        # times that unit was switched on
        self.receive: Callable[[bytes], None] = lambda data: None
        self.listeners: list[Callable[[], None]] = []     # told of any plug or power change

    @property
    def connected(self) -> bool:
        return self.plugged and self.far.plugged

    @property
    def mate_powered(self) -> bool:
        return self.connected and self.far.powered

    def power(self, on: bool) -> None:
        """The unit at this end was switched on or off."""
        if on != self.powered:
            self.powered = on
            self.boots += on
            if not on:
                self.receive, self.listeners = (lambda data: None), []
            self._changed()

    def plug(self, plugged: bool) -> None:
        if plugged != self.plugged:
            self.plugged = plugged
            self._changed()

    def _changed(self) -> None:
        raise NotImplementedError


class CableEnd(End):
    def __init__(self, cable: FailoverCable, primary: bool):
        super().__init__(primary)
        self.cable = cable

    @property
    def far(self) -> "CableEnd":
        return self.cable.other(self)

    def send(self, data: bytes) -> None:
        if self.connected and self.powered:
            far, boot = self.far, self.boots
            self.cable.clock.call_later(0, lambda: self.boots == boot and far.powered and far.connected
                                        and far.receive(data))

    def _changed(self) -> None:
        for end in (self, self.far):
            for listener in list(end.listeners):
                listener()


# ---------------------------------------------------------------- a cable over an Ethernet link

CABLE_ETHERTYPE = 0x88B5          # IEEE 802 local experimental: the cable's frames on a link
BROADCAST = b"\xff" * 6
KEEPALIVE = 0.1                   # each end tells the other its plug and power this often
SILENT = 0.5                      # nothing from the far end for this long: its unit has no power
_STATE, _DATA = b"S", b"D"
_PLUGGED, _POWERED = 1, 2


class FarEnd:
    """The far end of a linked cable, as its last word said."""

    def __init__(self) -> None:
        self.plugged = False
        self.powered = False


class LinkedCableEnd(End):
    """This unit's end of a serial failover cable whose other end is in another process,
    container or machine, the two joined by an Ethernet link (a veth pair, a VXLAN tunnel):
    the cable's bytes and its signals travel as frames of their own type on the link's port.
    Each end tells the other its plug and power every KEEPALIVE and at once on a change, so an
    orderly power-off is sensed at once; a far end that goes silent (its unit lost power, the
    link broke) is sensed after SILENT, where a real cable senses it at once. What CableEnd
    offers, this offers too."""

    def __init__(self, primary: bool, clock: Clock, port):
        super().__init__(primary)
        self.far = FarEnd()
        self._clock = clock
        self._port = port
        self._heard: float | None = None
        port.receive = self._frame
        self._alarm = Alarm(clock, self._tick)
        self._tick()

    def send(self, data: bytes) -> None:
        if self.connected and self.powered:
            self._emit(_DATA + data)

    def _changed(self) -> None:
        self._say()
        self._tell()

    def close(self) -> None:
        self._alarm.cancel()
        self._port.receive = lambda frame: None

    def _emit(self, payload: bytes) -> None:
        self._port.send(BROADCAST + self._port.mac + CABLE_ETHERTYPE.to_bytes(2, "big") + payload)

    def _say(self) -> None:
        self._emit(_STATE + bytes([(_PLUGGED if self.plugged else 0) | (_POWERED if self.powered else 0)]))

    def _tick(self) -> None:
        now = self._clock.monotonic()
        if self._heard is not None and now - self._heard >= SILENT and self.far.powered:
            self._heard = None
            self.far.powered = False          # the cable stays in; what is at its far end went dark
            self._tell()
        self._say()
        self._alarm.set(now + KEEPALIVE)

    def _frame(self, frame: bytes) -> None:
        if len(frame) < 15 or frame[12:14] != CABLE_ETHERTYPE.to_bytes(2, "big"):
            return
        self._heard = self._clock.monotonic()
        kind, body = frame[14:15], frame[15:]
        if kind == _STATE and body:
            plugged, powered = bool(body[0] & _PLUGGED), bool(body[0] & _POWERED)
            if (plugged, powered) != (self.far.plugged, self.far.powered):
                self.far.plugged, self.far.powered = plugged, powered
                self._tell()
        elif kind == _DATA and self.connected and self.powered and self.far.powered:
            self.receive(body)

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener()
