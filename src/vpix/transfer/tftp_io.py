"""Running a TFTP client core on a UDP port of the unit (or of monitor mode's own stack), its
retransmission timer on the unit's clock. The protocol logic stays in the core; this only
carries its datagrams."""

from __future__ import annotations

import errno
from typing import Callable

from vpix.clock import Alarm
from vpix.transfer.tftp import Outcome, Send, _Exchange


class TftpRun:
    """One transfer: ``done(None)`` when the file went whole, else ``done(outcome)`` with the
    core's outcome, or an OSError when there is no way to the server."""

    def __init__(self, net, client: _Exchange, done: Callable[[object], None], via: str | None = None,
                 port: int = 0, on_step: Callable[[], None] = lambda: None):
        self.net, self.client, self.done, self.on_step = net, client, done, on_step
        self.finished = False
        self.port = net.udp_open(self._datagram, via, port) if port else net.udp_open(self._datagram, via)
        self.alarm = Alarm(net.clock, self._timeout)
        self._act(client.start(net.clock.monotonic()))

    def cancel(self) -> None:
        """Esc: the core stops where it is."""
        self.client.abort()
        self._act([])

    def _datagram(self, data: bytes, source: tuple[str, int]) -> None:
        self._act(self.client.datagram(data, source, self.net.clock.monotonic()))

    def _timeout(self) -> None:
        self._act(self.client.timeout(self.net.clock.monotonic()))

    def _act(self, packets: list[Send]) -> None:
        if self.finished:
            return
        for packet in packets:
            if not self.port.send(packet.address, packet.data):
                return self._end(OSError(errno.EHOSTUNREACH, "No route to host"))
        self.on_step()
        if self.client.outcome is None:
            return self.alarm.set(self.client.deadline)
        self._end(None if self.client.outcome.code is None else self.client.outcome)

    def _end(self, failure: Outcome | OSError | None) -> None:
        self.finished = True
        self.alarm.cancel()
        self.port.close()
        self.done(failure)
