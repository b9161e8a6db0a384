"""Parameter types of the command grammar: what a token may be and what it becomes."""

from __future__ import annotations

import ipaddress
import re

from vpix.numbers import is_number
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class ParamType:
    label: str                      # how `?` shows it: WORD, A.B.C.D, <1-511>, LINE
    accepts: Callable[[str], bool]
    convert: Callable[[str], Any] = str
    rest_of_line: bool = False      # LINE swallows everything to the end


def _is_ipv4(text: str) -> bool:
    """Dotted quad, as ipaddress takes it (no leading zeros), without its cost: every address
    of a 50,000-line configuration goes through here."""
    parts = text.split(".")
    return len(parts) == 4 and all(
        is_number(p) and len(p) <= 3 and int(p) <= 255 and (p == "0" or p[0] != "0") for p in parts)


def _is_mask(text: str) -> bool:
    if not _is_ipv4(text):
        return False
    bits = int(ipaddress.IPv4Address(text))
    inverted = (~bits) & 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0


def integer(low: int, high: int) -> ParamType:
    def accepts(text: str) -> bool:
        return is_number(text) and low <= int(text) <= high

    return ParamType(f"<{low}-{high}>", accepts, int)


_HEX = re.compile(r"^(0x)?[0-9a-fA-F]{1,8}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")

TYPES: dict[str, ParamType] = {
    "WORD": ParamType("WORD", lambda t: True),
    "LINE": ParamType("LINE", lambda t: True, rest_of_line=True),
    "IP": ParamType("A.B.C.D", _is_ipv4),
    "MASK": ParamType("A.B.C.D", _is_mask),
    "HEX": ParamType("<hex>", lambda t: bool(_HEX.match(t))),
    "TIME": ParamType("hh:mm:ss", lambda t: bool(_TIME.match(t))),
    "NUMBER": ParamType("<number>", is_number, int),
}


def lookup(name: str) -> ParamType:
    """``WORD``, ``IP``, ``INT:1-511`` …"""
    if name.startswith("INT:"):
        low, high = name[4:].split("-")
        return integer(int(low), int(high))
    return TYPES[name]
