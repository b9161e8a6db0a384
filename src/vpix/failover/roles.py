"""What a unit's failover runtime keeps beside each failover machine: the unit's own
(Active/Standby, and in Active/Active the unit as a whole) and one per failover group.

In Active/Active failover the failover group, not the unit, is what is active or standby: a
group's machine is `primary` on the unit the group prefers, so the preferred unit wins when
both start together, and preempt brings the group back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from vpix.failover.machine import FailoverMachine


@dataclass(eq=False)
class Role:
    machine: FailoverMachine
    group: int | None = None                        # the failover group; None: the unit
    last_failover: datetime | None = None
    last_failure: dict[str, tuple[str, datetime] | None] = field(
        default_factory=lambda: {"this": None, "other": None})
    failed_interfaces: int = 0                      # as last reported to the machine
    _mate_active: tuple[float, float, bool] = (0.0, 0.0, False)   # (its active time, heard at, active)

    def mate_heard(self, active_time: float, now: float, active: bool) -> None:
        self._mate_active = (active_time, now, active)

    def mate_active_total(self, now: float) -> float:
        """The mate's Active time as of its last hello, counting on while it is active."""
        total, heard, active = self._mate_active
        return total + (now - heard if active and self.machine.mate_heard else 0.0)

    @property
    def label(self) -> str:
        return f"Group {self.group}" if self.group else ""
