"""The routing table: connected networks of the named interfaces and static routes, looked
up by longest prefix, then metric."""

from __future__ import annotations

from dataclasses import dataclass


def prefix_length(mask: int) -> int:
    return bin(mask).count("1")


@dataclass(frozen=True)
class Route:
    network: int
    mask: int
    iface: str
    gateway: int | None          # None: directly connected
    metric: int = 0
    kind: str = "C"              # C connected, S static

    def covers(self, address: int) -> bool:
        return address & self.mask == self.network


class RouteTable:
    def __init__(self, routes: list[Route]):
        self.routes = sorted(routes, key=lambda r: (-prefix_length(r.mask), r.metric))
        self._cache: dict[int, Route | None] = {}

    def lookup(self, address: int) -> Route | None:
        route = self._cache.get(address, False)
        if route is False:
            route = next((r for r in self.routes if r.covers(address)), None)
            if len(self._cache) > 65536:
                self._cache.clear()
            self._cache[address] = route
        return route

    def lookup_on(self, address: int, iface: str) -> Route | None:
        """The best route to ``address`` out of ``iface`` only."""
        return next((r for r in self.routes if r.iface == iface and r.covers(address)), None)
