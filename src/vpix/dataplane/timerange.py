"""Time ranges: when access list entries that name one are in force. `absolute [start T] [end
T]` bounds it; `periodic DAYS HH:MM to [DAYS] HH:MM` lines (any of them) open it each week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from vpix.words import DAYS, MONTHS, BadWords, month_number

DAY_SETS = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekend": (5, 6)}
WEEK = 7 * 24 * 60


class BadRange(BadWords):
    """Words that make no absolute or periodic line."""


def _minutes(text: str) -> int | None:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60):
        return None
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Periodic:
    """Minutes of the week (Monday 00:00 is 0) it opens on and how long each stays open."""
    days: tuple[str, ...]                 # as typed: day names or daily/weekdays/weekend
    start: int
    end_day: str | None
    end: int

    @classmethod
    def parse(cls, words: list[str]) -> "Periodic":
        at, days = 0, []
        while at < len(words) and _day(words[at]) is not None:
            days.append(_day(words[at]))
            at += 1
        if not days:
            raise BadRange(at)
        start = _minutes(words[at]) if at < len(words) else None
        if start is None:
            raise BadRange(at)
        if at + 1 >= len(words) or words[at + 1].lower() != "to":
            raise BadRange(at + 1)
        at += 2
        end_day = None
        if at < len(words) and _day(words[at]) is not None:
            end_day = _day(words[at])
            at += 1
            if end_day in DAY_SETS or any(d in DAY_SETS for d in days) or len(days) > 1:
                raise BadRange(at - 1)
        end = _minutes(words[at]) if at < len(words) else None
        if end is None or at + 1 != len(words) or (end_day is None and end <= start):
            raise BadRange(at)
        return cls(tuple(days), start, end_day, end)

    def windows(self) -> list[tuple[int, int]]:
        """(open, close) in minutes of the week; a close past the week's end wraps."""
        firsts = [i for day in self.days for i in (DAY_SETS[day] if day in DAY_SETS else (DAYS.index(day),))]
        if self.end_day is not None:
            begin = firsts[0] * 1440 + self.start
            close = DAYS.index(self.end_day) * 1440 + self.end
            return [(begin, close if close > begin else close + WEEK)]
        return [(day * 1440 + self.start, day * 1440 + self.end) for day in firsts]

    def covers(self, when: datetime) -> bool:
        minute = when.weekday() * 1440 + when.hour * 60 + when.minute
        return any(begin <= m < close for begin, close in self.windows() for m in (minute, minute + WEEK))

    def words(self) -> str:
        tail = f"{self.end_day} " if self.end_day else ""
        return f"periodic {' '.join(self.days)} {_clock(self.start)} to {tail}{_clock(self.end)}"


def _day(word: str) -> str | None:
    lower = word.lower()
    if lower in DAY_SETS:
        return lower
    return next((d for d in DAYS if d.lower() == lower), None)


def _moment(words: list[str], at: int) -> tuple[datetime, int]:
    """`HH:MM DD MONTH YYYY` at ``at``."""
    if at + 4 > len(words):
        raise BadRange(min(at, len(words)))
    minutes = _minutes(words[at])
    if minutes is None:
        raise BadRange(at)
    day, month, year = words[at + 1], words[at + 2], words[at + 3]
    number = month_number(month)
    if not day.isdigit() or number is None:
        raise BadRange(at + (1 if not day.isdigit() else 2))
    if not year.isdigit() or not 1993 <= int(year) <= 2035:
        raise BadRange(at + 3)
    try:
        return datetime(int(year), number, int(day), minutes // 60, minutes % 60), at + 4
    except ValueError:
        raise BadRange(at + 1) from None


def _stamp(when: datetime) -> str:
    return f"{when:%H:%M} {when.day:02d} {MONTHS[when.month - 1]} {when.year}"


@dataclass
class TimeRange:
    name: str
    start: datetime | None = None
    end: datetime | None = None
    periodic: list[Periodic] = field(default_factory=list)

    def set_absolute(self, words: list[str]) -> None:
        """`[start HH:MM DD MONTH YYYY] [end HH:MM DD MONTH YYYY]`; BadRange changes nothing."""
        at, start, end = 0, None, None
        if at < len(words) and words[at].lower() == "start":
            start, at = _moment(words, at + 1)
        if at < len(words) and words[at].lower() == "end":
            end, at = _moment(words, at + 1)
        if at != len(words) or (start is None and end is None):
            raise BadRange(at)
        self.start, self.end = start, end

    def active(self, now: datetime) -> bool:
        local = now.replace(tzinfo=None)
        if (self.start is not None and local < self.start) or (self.end is not None and local >= self.end):
            return False
        return not self.periodic or any(p.covers(local) for p in self.periodic)

    def lines(self) -> list[str]:
        lines = [f"time-range {self.name}"]
        if self.start or self.end:
            lines.append(" absolute" + (f" start {_stamp(self.start)}" if self.start else "")
                         + (f" end {_stamp(self.end)}" if self.end else ""))
        return lines + [f" {p.words()}" for p in self.periodic]
