"""The failover link a runtime talks to its mate over: LAN or the serial cable.

Both carry the same packed messages (failover/messages.py). The LAN link reports what it
hears and its link state to the callables it is given; the cable reports to the runtime:
``received(payload)``, ``link_changed(up)``, ``mate_power(on)``, ``cable_plugs(ours, theirs)``
and ``cable_silent()``.

LAN: IP protocol 105 between the unit's and the mate's failover addresses on the failover
interface's segment; the link is up while the interface's cable is in. A dedicated state link
(features/failover/stateful.py) is the same kind of link on its own interface.

Cable: every message is numbered and acknowledged; one not acknowledged within 3 s is sent
again, and after 5 retransmissions (15 s) the mate is taken as gone (reason code 3). The
cable also senses the mate's power and both plugs, at once.
"""

from __future__ import annotations

import struct
from typing import Callable

from vpix.clock import Alarm, Clock
from vpix.failover import messages
from vpix.net.stack import IpStack

RETRANSMIT_S = 3.0
RETRANSMITS = 5
_DATA, _ACK = b"D", b"A"
_FRAME = struct.Struct("!cI")


class LanLink:
    """IP protocol 105 from ``own`` to ``mate_ip`` on a port; ``receive(payload)`` for what
    the mate sends, ``on_link(up)`` when the port's cable goes in or out, ``release()`` when
    the link is closed."""

    lan = True

    def __init__(self, port, clock: Clock, own: str, mate_ip: str, mask: str, receive: Callable[[bytes], None],
                 on_link: Callable[[bool], None] = lambda up: None, release: Callable[[], None] = lambda: None):
        self.port = port
        self.mate_ip = mate_ip
        self.receive, self.on_link, self._release = receive, on_link, release
        self.stack = IpStack(port, clock, own, mask)
        self.stack.ip_bind(messages.PROTO_FAILOVER, self._received)
        port.link_listeners.append(self._link)

    @property
    def up(self) -> bool:
        return self.port.link

    def send(self, payload: bytes) -> None:
        self.stack.send_ip(self.mate_ip, messages.PROTO_FAILOVER, payload)

    def close(self) -> None:
        if self._link in self.port.link_listeners:
            self.port.link_listeners.remove(self._link)
        self._release()

    def _received(self, payload: bytes, source: str) -> None:
        if source == self.mate_ip:
            self.receive(payload)

    def _link(self, up: bool) -> None:
        self.on_link(up)


class CableLink:
    lan = False

    def __init__(self, runtime, end, clock: Clock):
        self.runtime = runtime
        self.end = end
        self.clock = clock
        self._seq = 0
        self._unacked: dict[int, list] = {}          # seq -> [frame, retransmissions so far, due]
        self._seen: int | None = None                # the highest sequence number taken in
        self._alarm = Alarm(clock, self._retransmit)
        self._sensed = (end.connected, end.mate_powered, end.plugged)
        end.receive = self._received
        end.listeners.append(self._sense)

    @property
    def up(self) -> bool:
        return self.end.connected

    def send(self, payload: bytes) -> None:
        self._seq += 1
        frame = _FRAME.pack(_DATA, self._seq) + payload
        self._unacked[self._seq] = [frame, 0, self._now() + RETRANSMIT_S]
        self.end.send(frame)
        self._rearm()

    def close(self) -> None:
        self._alarm.cancel()
        if self._sense in self.end.listeners:
            self.end.listeners.remove(self._sense)

    def _now(self) -> float:
        return self.clock.monotonic()

    def _received(self, frame: bytes) -> None:
        if len(frame) < _FRAME.size:
            return
        kind, seq = _FRAME.unpack_from(frame)
        if kind == _ACK:
            self._unacked.pop(seq, None)
            self._rearm()
            return
        if kind != _DATA:
            return
        self.end.send(_FRAME.pack(_ACK, seq))
        self.runtime.received(frame[_FRAME.size:])

    def _retransmit(self) -> None:
        now = self._now()
        for seq, entry in list(self._unacked.items()):
            if entry[2] > now:
                continue
            if entry[1] >= RETRANSMITS:
                self._unacked.clear()
                self.runtime.cable_silent()
                break
            entry[1] += 1
            entry[2] = now + RETRANSMIT_S
            self.end.send(entry[0])
        self._rearm()

    def _rearm(self) -> None:
        self._alarm.set(min((entry[2] for entry in self._unacked.values()), default=None))

    def _sense(self) -> None:
        connected, powered, plugged = self.end.connected, self.end.mate_powered, self.end.plugged
        was_connected, was_powered, was_plugged = self._sensed
        self._sensed = (connected, powered, plugged)
        if plugged != was_plugged or connected != was_connected:
            self.runtime.cable_plugs(plugged, self.end.far.plugged)
            self.runtime.link_changed(connected)
        if connected and powered != was_powered:
            self.runtime.mate_power(powered)
