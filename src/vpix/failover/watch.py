"""Watching one monitored interface — sans-IO.

The mates exchange hellos on every monitored interface at the interface poll time. While
they arrive the interface is Normal; before the first one (PIX 6.x: the second) it is
Normal (Waiting). When none
has arrived for half the hold time the unit tests the interface, four tests in a row, each a
few seconds long: link up/down, network activity (any frame received), ARP (ask the recent
ARP entries, any frame received), broadcast ping (any frame received). Traffic heard in any
test passes the interface (the fault is on the mate's side); none heard in all four fails it.
A hello ends testing at once. With no mate at all (it failed or was never found) there is
nothing to compare with: the interface waits (Normal (Waiting)) and is never tested, as 001
says the surviving unit does. The glue feeds frames, hellos, link changes, the mate's coming
and going and the time, and carries out the probes this returns.
"""

from __future__ import annotations

from dataclasses import dataclass

NORMAL = "Normal"
WAITING = "Normal (Waiting)"
FAILED_WAITING = "Failed (Waiting)"
TESTING = "Testing"
FAILED = "Failed"
LINK_DOWN = "Link Down"

TESTS = ("link", "activity", "arp", "ping")
LONGEST_TEST = 5.0


@dataclass(frozen=True)
class Probe:
    """Put traffic on the interface that should draw an answer: "arp" or "ping"."""

    kind: str


@dataclass(frozen=True)
class Note:
    """A syslog line about the interface: (id, text after the unit's name)."""

    id: int
    text: str


@dataclass
class InterfaceWatch:
    name: str
    poll: float
    hold: float
    hellos_needed: int = 1               # hellos that end waiting (PIX 6.x: the second one)
    status: str = WAITING
    link_up: bool = True
    _hellos: int = 0                     # hellos heard since waiting began
    _heard: float | None = None          # the mate's last hello here
    _since: float = 0.0                  # when watching (or the current test) started
    _test: int | None = None             # index into TESTS while testing
    _frames: int = 0                     # frames received, ever
    _frames_at_test: int = 0
    alone: bool = False                  # no mate to compare with: wait, never test
    decided: float = 0.0                 # when the last test verdict came

    @property
    def test_length(self) -> float:
        """Each test gets an eighth of the hold time, at most five seconds, so that all four
        finish within the half of it left after testing starts."""
        return min(LONGEST_TEST, self.hold / 8)

    @property
    def failed(self) -> bool:
        return self.status in (FAILED, FAILED_WAITING, LINK_DOWN)

    @property
    def deadline(self) -> float | None:
        if self.status == LINK_DOWN or self.alone:
            return None
        if self._test is not None:
            return self._since + self.test_length
        return (self._heard if self._heard is not None else self._since) + self.hold / 2

    # ------------------------------------------------------------ inputs

    def start(self, now: float) -> list:
        self._since = now
        return []

    def hello(self, now: float) -> list:
        self._heard = now
        self._frames += 1
        self._hellos += 1
        was, self._test = self.status, None
        if not self.link_up or (was == WAITING and self._hellos < self.hellos_needed):
            return []
        self.status = NORMAL
        return [Note(105004, f"Monitoring on interface {self.name} normal")] if was != NORMAL and \
            was != WAITING else []

    def frame(self) -> None:
        self._frames += 1

    def restart(self, now: float) -> list:
        """After a failover the units are back in waiting mode (004): hellos must be heard again;
        a failed interface stays failed, waiting (Failed (Waiting))."""
        self._wait_again(now, FAILED_WAITING if self.status == FAILED else WAITING)
        return []

    def mate(self, present: bool, now: float) -> list:
        """The mate is gone, or back: either way the interface waits for its hellos again."""
        if present != self.alone:
            return []
        self.alone = not present
        self._wait_again(now, WAITING)
        return []

    def _wait_again(self, now: float, status: str) -> None:
        self._test, self._heard, self._hellos, self._since = None, None, 0, now
        if self.status != LINK_DOWN:
            self.status = status

    def link(self, up: bool, now: float) -> list:
        self.link_up = up
        if not up:
            self._test = None
            self.status = LINK_DOWN
            return []
        self.status, self._since, self._heard, self._hellos = WAITING, now, None, 0
        return [Note(105003, f"Monitoring on interface {self.name} waiting")]

    def tick(self, now: float) -> list:
        deadline = self.deadline
        if deadline is None or now < deadline:
            return []
        if self._test is None:
            if self.status == WAITING and self._heard is None:
                # Never heard the mate here: nothing to compare, keep waiting.
                self._since = now
                return []
            return self._begin(now)
        return self._next_test(now)

    # ------------------------------------------------------------ testing

    def _begin(self, now: float) -> list:
        self.status = TESTING
        self._heard = None
        out = [Note(105008, f"Testing Interface {self.name}")]
        return out + self._run(0, now)

    def _run(self, index: int, now: float) -> list:
        self._test, self._since, self._frames_at_test = index, now, self._frames
        if TESTS[index] == "link":                  # instant: a link that is up goes on testing
            return self._verdict(False, now) if not self.link_up else self._run(index + 1, now)
        if TESTS[index] in ("arp", "ping"):
            return [Probe(TESTS[index])]
        return []

    def _next_test(self, now: float) -> list:
        if self._frames > self._frames_at_test:
            return self._verdict(True, now)
        if self._test + 1 < len(TESTS):
            return self._run(self._test + 1, now)
        return self._verdict(False, now)

    def _verdict(self, passed: bool, now: float) -> list:
        self._test = None
        self._since = self.decided = now
        self.status = NORMAL if passed else FAILED
        return [Note(105009, f"Testing on interface {self.name} {'Passed' if passed else 'Failed'}")]
