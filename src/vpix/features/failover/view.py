"""What `show failover*` and `show monitor-interface` read of a running failover: the roles
and their machines, the mate as its hellos describe it, the monitored interfaces with each
unit's address and status, the state link's counters and the serial cable. A view of the
runtime, so that the show commands do not reach into its internals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vpix.failover.machine import FailoverMachine
from vpix.failover.roles import Role
from vpix.features.failover.stateful import Counters


@dataclass(frozen=True)
class Monitored:
    """A monitored interface of a space, as each unit sees it."""

    space: object
    label: str                  # the context's name and a space, before the interface (multiple mode)
    name: str
    group: int | None           # the failover group whose role the space follows
    status: str                 # this unit's side
    mate_status: str            # the mate's side, as it reports it
    address: str                # the address this unit holds there
    mate_address: str


class FailoverView:
    def __init__(self, runtime):
        self._runtime = runtime

    @property
    def machine(self) -> FailoverMachine:
        return self._runtime.machine

    @property
    def unit_role(self) -> Role:
        return self._runtime.unit_role

    @property
    def groups(self) -> dict[int, Role]:
        return dict(self._runtime.groups)

    @property
    def roles(self) -> list[Role]:
        return self._runtime.roles

    def role_of(self, space) -> Role:
        return self._runtime.role_of(space)

    @property
    def mate_version(self) -> str | None:
        return self._runtime.mate_version

    @property
    def mate_macs(self) -> list[str]:
        return list(self._runtime.mate_macs)

    @property
    def cable(self):
        return self._runtime.services.cable

    def now(self) -> float:
        return self._runtime.now()

    def when(self, at: float) -> datetime:
        """The wall-clock time of a moment on the unit's monotonic clock."""
        return self._runtime.system.now() - timedelta(seconds=self.now() - at)

    def monitored(self) -> list[Monitored]:
        """Every monitored interface, context by context."""
        rows = []
        for space, monitor in self._runtime.monitors.items():
            active_here = self._runtime.active_in(space)
            for name in monitor.watches:
                iface = monitor.interfaces.by_name(name)
                active, standby = iface.ip or "0.0.0.0", iface.standby or "0.0.0.0"
                mine, mate = (active, standby) if active_here else (standby, active)
                rows.append(Monitored(space, monitor.label, name, self.role_of(space).group, monitor.status(name),
                                      monitor.mate_status(name), mine, mate))
        return rows

    def counters(self) -> tuple[Counters, dict[str, Counters]]:
        """What the state link carried: in all, and per kind of update."""
        stateful = self._runtime.stateful
        if stateful is None:
            return Counters(), {}
        return stateful.total(), dict(stateful.counters)
