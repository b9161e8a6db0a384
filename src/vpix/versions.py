"""Software versions as the device writes them: ``6.3(5)``, ``7.2(1)``, ``8.0(4)``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(r"^(\d+)\.(\d+)\((\d+)\)(\d*)$")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    maint: int
    interim: int = 0

    @classmethod
    def parse(cls, text: str) -> "Version":
        m = _VERSION.match(text.strip())
        if not m:
            raise ValueError(f"not a PIX/ASA version: {text!r}")
        return cls(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0))

    @property
    def family(self) -> str:
        """``6.x`` for PIX OS (up to 6.3), ``7.x`` for PIX/ASA 7.0 and later."""
        return "6.x" if self.major < 7 else "7.x"

    @property
    def train(self) -> str:
        return f"{self.major}.{self.minor}"

    def _key(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.maint, self.interim)

    def __lt__(self, other: "Version") -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}({self.maint}){self.interim or ''}"


@dataclass(frozen=True)
class VersionRange:
    """Inclusive range of software versions a command or behaviour exists in."""

    low: Version | None = None
    high: Version | None = None

    @classmethod
    def parse(cls, spec: str | None) -> "VersionRange":
        """``"7.0+"``, ``"-6.3"``, ``"6.2-6.3"``, ``"6.x"``, ``"7.x"`` or ``None`` (all)."""
        if not spec:
            return cls()
        if spec == "6.x":
            return cls(None, Version(6, 99, 99))
        if spec == "7.x":
            return cls(Version(7, 0, 0), None)
        if spec.endswith("+"):
            return cls(_loose(spec[:-1]), None)
        low, _, high = spec.partition("-")
        return cls(_loose(low) if low else None, _loose(high, upper=True) if high else None)

    def __contains__(self, v: Version) -> bool:
        return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)


def _loose(text: str, upper: bool = False) -> Version:
    """``7.2`` means 7.2(0) as a low bound and the whole 7.2 train as a high bound."""
    if "(" in text:
        return Version.parse(text)
    major, minor = (int(x) for x in text.split("."))
    return Version(major, minor, 99 if upper else 0)
