"""Injected time. Protocol cores never read the system clock themselves."""

from __future__ import annotations

import heapq
import itertools
from collections import deque

from vpix.numbers import is_number
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> "Timer": ...


class Timer(Protocol):
    def cancel(self) -> None: ...


class WallClock:
    """The unit's calendar clock: a settable offset over a monotonic source (``clock set``)."""

    def __init__(self, clock: Clock, start: datetime | None = None):
        self._clock = clock
        start = start or datetime.now(timezone.utc)
        self._base = start - timedelta(seconds=clock.monotonic())

    def now(self) -> datetime:
        return self._base + timedelta(seconds=self._clock.monotonic())

    def set(self, when: datetime) -> None:
        self._base = when - timedelta(seconds=self._clock.monotonic())


class LoopClock:
    """Real time from the running asyncio loop."""

    def __init__(self, loop=None):
        import asyncio

        self._loop = loop or asyncio.get_event_loop()

    def monotonic(self) -> float:
        return self._loop.time()

    def call_later(self, delay: float, callback: Callable[[], None]):
        if delay <= 0:                    # the next turn of the loop: no timer heap for it
            return self._loop.call_soon(callback)
        return self._loop.call_later(delay, callback)


class Alarm:
    """One timer at a time: ``set`` it to a deadline (moving it if set), ``cancel`` it.
    Protocol cores publish a deadline; their glue keeps one Alarm on it."""

    def __init__(self, clock: Clock, callback: Callable[[], None]):
        self._clock = clock
        self._callback = callback
        self._timer: Timer | None = None
        self._deadline: float | None = None

    def set(self, deadline: float | None) -> None:
        if self._timer is not None and deadline == self._deadline:
            return          # (moving a due timer to the back of the queue again could starve it)
        self.cancel()
        if deadline is not None:
            self._deadline = deadline
            self._timer = self._clock.call_later(max(0.0, deadline - self._clock.monotonic()), self._fire)

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def after(self, seconds: float) -> None:
        """Go off ``seconds`` from now; 0 means never (idle timeouts of 0 are off)."""
        self.set(self._clock.monotonic() + seconds if seconds else None)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        self._callback()


class Scope:
    """A clock whose timers end together: what one boot of a unit schedules (monitor mode's
    transfers, Boothelper's reboot), all cancelled when that boot ends, so nothing of it goes
    off after a reset or a power cycle."""

    def __init__(self, clock: Clock):
        self._clock = clock
        self._timers: set = set()
        self.closed = False

    def monotonic(self) -> float:
        return self._clock.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]):
        def fire() -> None:
            self._timers.discard(scoped)
            callback()

        scoped = _Scoped(self, self._clock.call_later(delay, fire))
        if self.closed:
            scoped.cancel()
        else:
            self._timers.add(scoped)
        return scoped

    def close(self) -> None:
        self.closed = True
        for timer in list(self._timers):
            timer.cancel()
        self._timers.clear()


class _Scoped:
    """A timer of a Scope, which forgets it once cancelled (busy cores cancel thousands)."""

    def __init__(self, scope: Scope, timer) -> None:
        self._scope, self._timer = scope, timer

    def cancel(self) -> None:
        self._timer.cancel()
        self._scope._timers.discard(self)


class _VirtualTimer:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Time that moves only when told to: hours of timers run in milliseconds."""

    def __init__(self, start: float = 0.0):
        self._now = start
        self._queue: list[tuple[float, int, _VirtualTimer, Callable[[], None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> _VirtualTimer:
        timer = _VirtualTimer()
        heapq.heappush(self._queue, (self._now + max(delay, 0.0), next(self._seq), timer, callback))
        return timer

    def advance(self, seconds: float) -> None:
        """Run every timer due within the next ``seconds``, in order."""
        end = self._now + seconds
        while self._queue and self._queue[0][0] <= end:
            due, _, timer, callback = heapq.heappop(self._queue)
            self._now = max(self._now, due)
            if not timer.cancelled:
                callback()
        self._now = end


class Readings:
    """Counters read at intervals and kept for a window: how fast they grew over its last
    seconds (interface rates, processor time)."""

    def __init__(self, window: float, every: float):
        self._kept: deque[tuple[float, tuple[float, ...]]] = deque(maxlen=int(window // every) + 1)

    def add(self, now: float, values: tuple[float, ...]) -> None:
        self._kept.append((now, values))

    @property
    def latest(self) -> tuple[float, tuple[float, ...]]:
        return self._kept[-1]

    def per_second(self, seconds: float) -> tuple[float, ...] | None:
        """Each counter's growth a second over the last ``seconds`` (or as many as are kept);
        None until two readings are."""
        if len(self._kept) < 2:
            return None
        now, last = self._kept[-1]
        then, first = next(((t, v) for t, v in self._kept if t >= now - seconds), self._kept[0])
        if now <= then:
            return None
        return tuple((b - a) / (now - then) for a, b in zip(first, last))


class PerSecond:
    """Events counted per second of a clock against an optional limit: how many in the current
    second, the most in any second, and how many the limit turned away."""

    def __init__(self) -> None:
        self.limit: int | None = None
        self.peak = 0
        self.denied = 0
        self._second = -1
        self._count = 0

    def admit(self, now: float) -> bool:
        second = int(now)
        if second != self._second:
            self._second, self._count = second, 0
        if self.limit is not None and self._count >= self.limit:
            self.denied += 1
            return False
        self._count += 1
        self.peak = max(self.peak, self._count)
        return True

    def current(self, now: float) -> int:
        return self._count if int(now) == self._second else 0


def hms(seconds: float) -> str:
    """`1:02:03`: how the device writes durations and idle times."""
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"


def parse_hms(text: str) -> int:
    """`h:mm:ss`, `h:mm` or `h` as seconds; ValueError if it is none of those."""
    parts = text.split(":")
    if len(parts) > 3 or not all(is_number(p) for p in parts) or any(int(p) > 59 for p in parts[1:]):
        raise ValueError(text)
    hours, minutes, secs = (int(p) for p in parts + ["0"] * (3 - len(parts)))
    return hours * 3600 + minutes * 60 + secs
