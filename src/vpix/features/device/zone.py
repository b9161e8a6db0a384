"""The unit's time zone: `clock timezone NAME HOURS [MINUTES]` and `clock summer-time NAME
recurring [WEEK DAY MONTH HH:MM WEEK DAY MONTH HH:MM [OFFSET]]` (the US rule when only
`recurring` is given). Every time the unit shows (`show clock`, syslog, `show failover`) is
the UTC clock seen through it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from vpix.words import DAYS as WEEKDAYS, MONTHS as YEAR, BadWords

DAYS = tuple(day[:3] for day in WEEKDAYS)
MONTHS = tuple(month[:3] for month in YEAR)
WEEKS = ("first", "1", "2", "3", "4", "last")


class BadZone(BadWords):
    """Words that make no time zone rule."""


@dataclass(frozen=True)
class Moment:
    """`WEEK DAY MONTH HH:MM`: the Nth (or last) weekday of a month, at a time."""
    week: str
    day: int
    month: int
    minutes: int

    def on(self, year: int) -> datetime:
        days = [week[self.day] for week in calendar.monthcalendar(year, self.month) if week[self.day]]
        date = days[-1] if self.week == "last" else days[0 if self.week == "first" else int(self.week) - 1]
        return datetime(year, self.month, date) + timedelta(minutes=self.minutes)

    def words(self) -> str:
        return f"{self.week} {DAYS[self.day]} {MONTHS[self.month - 1]} {self.minutes // 60}:{self.minutes % 60:02d}"


US_START, US_END = Moment("2", 6, 3, 120), Moment("first", 6, 11, 120)


def _moment(words: list[str], at: int) -> Moment:
    week, day, month, clock = (words[at:at + 4] + ["", "", "", ""])[:4]
    if week.lower() not in WEEKS:
        raise BadZone(at)
    days = [i for i, d in enumerate(DAYS) if d.lower() == day.lower()[:3] and len(day) >= 3]
    if not days:
        raise BadZone(at + 1)
    months = [i for i, m in enumerate(MONTHS, 1) if m.lower() == month.lower()[:3] and len(month) >= 3]
    if not months:
        raise BadZone(at + 2)
    hours, _, minutes = clock.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise BadZone(at + 3)
    return Moment(week.lower(), days[0], months[0], int(hours) * 60 + int(minutes))


@dataclass(frozen=True)
class Summer:
    name: str
    start: Moment = US_START
    end: Moment = US_END
    offset: int = 60                      # minutes ahead of standard time
    spelled: bool = False                 # the rule was given, not the US default

    @classmethod
    def parse(cls, name: str, words: list[str]) -> "Summer":
        """`recurring [WEEK DAY MONTH HH:MM WEEK DAY MONTH HH:MM [OFFSET]]`."""
        if not words or words[0].lower() != "recurring":
            raise BadZone(0)
        if len(words) == 1:
            return cls(name)
        if len(words) not in (9, 10):
            raise BadZone(min(len(words), 9))
        offset = 60
        if len(words) == 10:
            if not words[9].isdigit() or not 1 <= int(words[9]) <= 1440:
                raise BadZone(9)
            offset = int(words[9])
        return cls(name, _moment(words, 1), _moment(words, 5), offset, True)

    def covers(self, standard: datetime) -> bool:
        """Whether summer time is in force at this standard (not summer) local time."""
        plain = standard.replace(tzinfo=None)
        start, end = self.start.on(plain.year), self.end.on(plain.year) - timedelta(minutes=self.offset)
        return start <= plain < end if start < end else not end <= plain < start

    def words(self) -> str:
        rule = f" {self.start.words()} {self.end.words()}" + (f" {self.offset}" if self.offset != 60 else "")
        return f"clock summer-time {self.name} recurring" + (rule if self.spelled else "")


@dataclass(frozen=True)
class Zone:
    name: str = "UTC"
    minutes: int = 0                      # east of UTC
    summer: Summer | None = None

    def local(self, utc: datetime) -> datetime:
        standard = utc + timedelta(minutes=self.minutes)
        if self.summer is not None and self.summer.covers(standard):
            offset = self.minutes + self.summer.offset
            return utc.astimezone(timezone(timedelta(minutes=offset), self.summer.name))
        return utc.astimezone(timezone(timedelta(minutes=self.minutes), self.name))

    def utc(self, local: datetime) -> datetime:
        """The UTC time a local wall-clock time (`clock set`) stands for."""
        guess = (local - timedelta(minutes=self.minutes)).replace(tzinfo=timezone.utc)
        return (local - self.local(guess).utcoffset()).replace(tzinfo=timezone.utc)

    def lines(self) -> list[str]:
        lines = []
        if self.name != "UTC" or self.minutes:
            hours, minutes = divmod(abs(self.minutes), 60)
            sign = "-" if self.minutes < 0 else ""
            lines.append(f"clock timezone {self.name} {sign}{hours}" + (f" {minutes}" if minutes else ""))
        if self.summer is not None:
            lines.append(self.summer.words())
        return lines
