"""Resource management of multiple context mode (7.2+): resource classes (`class`,
`limit-resource`), the contexts that are their members (`member`, in context configuration),
and what a context may use under them. The `default` class always exists; a context that is
a member of no other class is a member of it, and takes from it the limits its own class does
not set."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpix.cli.registry import mode
from vpix.features import SYSTEM, Feature
from vpix.versions import VersionRange
from vpix.numbers import is_number

mode("config-class", "(config-class)")

# The resources a class limits: keyword -> how the configuration writes it.
RESOURCES = {"all": "All", "asdm": "ASDM", "conns": "Conns", "hosts": "Hosts", "mac-addresses": "Mac-addresses",
             "ssh": "SSH", "telnet": "Telnet", "xlates": "Xlates"}
RATES = {"conns": "Conns", "fixups": "Fixups", "syslogs": "Syslogs"}
DEFAULT_LIMITS = {"all": "0", "asdm": "5", "ssh": "5", "telnet": "5"}
# What the whole device allows of a resource (conns: the platform's), for percentages.
SYSTEM_LIMITS = {"asdm": 32, "ssh": 100, "telnet": 100}


@dataclass
class ResourceClass:
    name: str
    limits: dict[str, str] = field(default_factory=dict)        # resource -> "1000", "10.0%" or "0"
    rates: dict[str, str] = field(default_factory=dict)         # rate resource -> per second

    def lines(self) -> list[str]:
        return ([f"class {self.name}"] +
                [f"  limit-resource {RESOURCES[r]} {v}" for r, v in sorted(self.limits.items(), key=_shown)] +
                [f"  limit-resource rate {RATES[r]} {v}" for r, v in sorted(self.rates.items(), key=_shown)] +
                ["!"])


def _shown(item: tuple[str, str]) -> str:
    return item[0].lower()


def limit_value(text: str, percent_allowed: bool) -> str | None:
    """`1000` or `10%` (`10.5%`) as the configuration keeps it; None if it is not one."""
    if text.endswith("%"):
        try:
            share = float(text[:-1])
        except ValueError:
            return None
        return f"{share:.1f}%" if percent_allowed and 0 < share <= 100 else None
    return str(int(text)) if is_number(text) else None


def system_limit(hw, resource: str) -> int | None:
    """What the platform itself holds of ``resource`` (None: no limit of its own)."""
    if resource == "conns":
        return hw.max_conns
    return SYSTEM_LIMITS.get(resource)


class Resources(Feature):
    spaces = frozenset({SYSTEM})
    versions = VersionRange.parse("7.2+")

    def __init__(self, system):
        super().__init__(system)
        self.classes: dict[str, ResourceClass] = {"default": ResourceClass("default", dict(DEFAULT_LIMITS))}

    def render(self, full):
        return [("class", [line for c in self.classes.values() for line in c.lines()])]

    def system_limit(self, resource: str) -> int | None:
        return system_limit(self.system.hw, resource)

    def limit(self, member: str | None, resource: str, rate: bool = False) -> int | None:
        """What a member of class ``member`` (None: the default class) may hold of ``resource``
        (``rate``: may start of it a second); None: unlimited."""
        default = self.classes["default"]
        own = self.classes.get(member or "default", default)
        for cls in (own, default):
            value = cls.rates.get(resource) if rate else cls.limits.get(resource, cls.limits.get("all"))
            if value is not None:
                return self._absolute(resource, value)
        return None

    def _absolute(self, resource: str, value: str) -> int | None:
        if value.endswith("%"):
            system = self.system_limit(resource)
            return None if system is None else int(system * float(value[:-1]) / 100)
        return int(value) or None


from vpix.features.resources import commands  # noqa: E402,F401
