"""Typing at monitor mode (and Boothelper, and ROMMON) in virtual time."""

from __future__ import annotations


def run(unit, term, line: str, seconds: float = 60) -> str:
    out = term.type(line + "\n")
    for _ in range(int(seconds * 10)):
        if not (unit.monitor and unit.monitor.busy):
            break
        unit.clock.advance(0.1)
    return out + term.read()
