"""The failover state machine of one unit (Active/Standby) — sans-IO.

Inputs are calls with the current time: hellos and orders from the mate, the failover
link's state, the unit's own monitored-interface failures, operator commands, the serial
cable's power sense, and ``tick`` for the timers. Outputs are actions the glue carries out:
messages to send, role changes (address and MAC takeover, gratuitous ARP), syslog lines.
The failure-event/action table of 001_832f86cadffa97e6.txt is its specification; the state
names are REFERENCE.md's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpix.failover.messages import Hello, Order

# Unit states (REFERENCE.md)
DISABLED = "Disabled"
NEGOTIATION = "Negotiation"
COLD_STANDBY = "Cold Standby"
SYNC_CONFIG = "Sync Config"
STANDBY_READY = "Standby Ready"
JUST_ACTIVE = "Just Active"
ACTIVE = "Active"
FAILED = "Failed"
NOT_DETECTED = "Not Detected"

ACTIVE_STATES = (JUST_ACTIVE, ACTIVE)
STANDBY_STATES = (COLD_STANDBY, SYNC_CONFIG, STANDBY_READY)

# Reasons `show failover history` gives (REFERENCE.md)
BY_COMMAND = "Set by the config command"
NO_HELLO = "HELLO not heard from mate"
MATE_WANTS_STANDBY = "Other unit wants me Standby"
MATE_WANTS_ACTIVE = "Other unit wants me Active"
NO_ACTIVE = "No Active unit found"
DETECTED_ACTIVE = "Detected an Active mate"
INTERFACE_CHECK = "Interface check"
FAILOVER_STATE_CHECK = "Failover state check"
CONFIG_MISMATCH = "Configuration mismatch"


# ---------------------------------------------------------------- what the machine says
# (it hears and sends the wire's Hello and Order: a group's carries its number, the unit's
# hello what the unit is and holds, which the runtime fills in)


@dataclass(frozen=True)
class Send:
    message: Hello | Order


@dataclass(frozen=True)
class Switch:
    """The unit changes role: take (or give up) the active addresses and MACs."""

    active: bool
    reason: str


@dataclass(frozen=True)
class Syslog:
    id: int
    text: str


@dataclass(frozen=True)
class SyncNeeded:
    """The unit went standby: the replication layer must pull the active unit's configuration
    and call ``sync_done``."""


@dataclass(frozen=True)
class LanTest:
    """The mate has missed three hellos: ask it on every monitored data interface whether it
    is alive (LANTEST); its answer comes back through ``hello(on_failover_link=False)``."""


Action = Send | Switch | Syslog | SyncNeeded | LanTest


@dataclass(frozen=True)
class Change:
    """A line of `show failover history`."""

    at: float
    old: str
    new: str
    reason: str


# ---------------------------------------------------------------- the machine


@dataclass
class FailoverMachine:
    primary: bool
    poll: float = 1.0
    hold: float = 15.0
    interface_policy: int = 1
    lan: bool = True                      # LAN link (no power sense) or serial cable
    interface_hold: float = 0.0           # how long data-interface hellos may pause
    wording: str = "7.x"                  # the version family whose syslog texts the unit uses
    retry_failed: float | None = None     # PIX 6.x: a failed unit tries standby again after this
    preempt: float | None = None          # a failover group's `preempt [delay]`: take the active
                                          # role back, this long after the mate could take over
    label: str | None = None              # the unit's designation, for a group's machine
    preferred: bool | None = None         # a failover group active by preference here, when that
                                          # is not `primary` (group 1 negotiates by the unit's)

    state: str = DISABLED
    enabled: bool = False                 # `failover`; `no failover` stops it, the role stays
    mate_state: str = NOT_DETECTED
    mate_failed_interfaces: int = 0
    failed_interfaces: int = 0
    link_up: bool = True
    link_failed: bool = False             # the failover link went down while operating
    history: list[Change] = field(default_factory=list)
    active_since: float | None = None
    active_time: float = 0.0
    _heard: float | None = None           # the mate's last hello
    _testing: bool = False                # a LANTEST went out since the mate was last heard
    _next_hello: float = 0.0
    _started: float | None = None         # when failover was first enabled
    _no_active_since: float | None = None # both units standing by, since
    _negotiate_until: float = 0.0
    _failed_since: float = 0.0
    _preempt_at: float | None = None
    _hand_over: bool = False              # won the boot by designation, preferred on the mate

    @property
    def name(self) -> str:
        """Primary or Secondary, as syslog messages name the unit. Group 2's machine is `primary`
        on the group's preferred unit, whatever the unit's own designation (label)."""
        return self.label or ("Primary" if self.primary else "Secondary")

    @property
    def prefers_here(self) -> bool:
        return self.primary if self.preferred is None else self.preferred

    @property
    def mate_heard(self) -> bool:
        """The mate's hellos arrive (within the hold time)."""
        return self.enabled and self._heard is not None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def deadline(self) -> float | None:
        """When ``tick`` must be called next."""
        if not self.enabled:
            return None
        times = [self._next_hello]
        if self._no_active_since is not None and self.primary and self.state in STANDBY_STATES:
            times.append(self._no_active_since + self.hold)
        if self.state == NEGOTIATION:
            times.append(self._negotiate_until)
        if self._heard is not None:
            times.append(self._heard + self._tolerance)
            if not self._testing:
                times.append(self._heard + self._test_after)
        if self.state == FAILED and self.retry_failed is not None:
            times.append(self._failed_since + self.retry_failed)
        if self._preempt_at is not None:
            times.append(self._preempt_at)
        return min(times)

    # ------------------------------------------------------------ inputs

    def enable(self, now: float) -> list[Action]:
        """`failover` (or boot with failover configured): find out who is active."""
        if self.enabled:
            return []
        self.enabled = True
        if self._started is None:
            self._started = now
        if self.state != DISABLED:              # re-enabled: carry on in the role it kept
            return [self._say(105002, "Enabling failover.")] + self._hello(now)
        out = self._to(NEGOTIATION, now, BY_COMMAND)
        self._negotiate_until = now + self.hold
        self._heard = None
        return out + [self._say(105002, "Enabling failover.")] + self._hello(now)

    @property
    def heard_at(self) -> float | None:
        """When the mate last spoke on the failover link (None: gone, or never heard)."""
        return self._heard

    def disable(self, now: float) -> list[Action]:
        """`no failover`: stop failing over; the unit keeps the role it has."""
        if not self.enabled:
            return []
        self.enabled, self._testing = False, False
        return [self._say(105001, "Disabling failover.")]

    def hello(self, message: Hello, now: float, on_failover_link: bool = True) -> list[Action]:
        if not self.enabled:
            return []
        if not on_failover_link:
            return self._heard_on_data(now) if self._testing or self.link_failed else []
        self._heard, self._testing = now, False
        self.link_failed = False                # hellos on the link again: it works
        self.mate_state = message.state
        self.mate_failed_interfaces = message.failed_interfaces
        both_standing_by = self.state in STANDBY_STATES and message.state in STANDBY_STATES
        if not both_standing_by:
            self._no_active_since = None
        elif self._no_active_since is None:
            self._no_active_since = now
        self._follow_preempt(message, now)
        if self.state == NEGOTIATION:
            return self._negotiate(message, now)
        if self._hand_over and self.active and message.state == STANDBY_READY:
            # Both booted at once: the configuration came from here, the group goes where it
            # prefers to be.
            return [Send(Order("active", MATE_WANTS_ACTIVE))] + self._go_standby(now, MATE_WANTS_STANDBY)
        if self.active and message.state in ACTIVE_STATES and self.primary:
            # Both active (the link came back). The primary decides, so that only one unit
            # does: the unit active the longer, else up the longer, holds what was configured
            # meanwhile and stays; the primary when they cannot be told apart.
            if self._outlasted_by(message, now):
                return self._go_standby(now, MATE_WANTS_STANDBY)
            return [Send(Order("standby", MATE_WANTS_STANDBY))]
        if self.state in STANDBY_STATES and message.state == FAILED and self.failed_interfaces == 0:
            return self._go_active(now, FAILOVER_STATE_CHECK)
        if self.state in STANDBY_STATES and message.state == NEGOTIATION:
            # The active mate restarted faster than the hold time: nobody is active now.
            return self._go_active(now, NO_ACTIVE)
        return []

    def order(self, message: Order, now: float) -> list[Action]:
        """The mate asks us to change role."""
        if not self.enabled or self.state == FAILED:
            return []
        if message.role == "active" and not self.active:
            return self._go_active(now, message.reason)
        if message.role == "standby" and self.active:
            return self._go_standby(now, message.reason)
        return []

    def tick(self, now: float) -> list[Action]:
        if not self.enabled:
            return []
        out: list[Action] = []
        if self.state == NEGOTIATION and now >= self._negotiate_until:
            if self._heard is not None and self.mate_state in STANDBY_STATES:
                # A standby mate has lost its active unit (this one, restarting) and is about
                # to take over with the configuration it holds: wait for it.
                self._negotiate_until = now + self.hold
            else:
                out += self._go_active(now, NO_ACTIVE)
        if self._heard is not None and not self._testing and now >= self._heard + self._test_after:
            self._testing = True
            out.append(LanTest())
        if self._heard is not None and now >= self._heard + self._tolerance:
            out += self._mate_failed(now)
        if self._no_active_since is not None and now >= self._no_active_since + self.hold and self.primary \
                and self.state in STANDBY_STATES:
            out += self._go_active(now, NO_ACTIVE)      # both stood by for a hold time
        if self.state == FAILED and self.retry_failed is not None and now >= self._failed_since + self.retry_failed:
            out += self._retry(now)
        if self._preempt_at is not None and now >= self._preempt_at:
            self._preempt_at = None
            out += self._take_back(now)
        if now >= self._next_hello:
            out += self._hello(now)
        return out

    def link(self, up: bool, now: float) -> list[Action]:
        """The failover link (LAN interface or cable) went down or came back."""
        if up == self.link_up:
            return []
        self.link_up = up
        if up:
            self.link_failed = False
            return [self._say(105006, "Link status 'Up' on interface failover") if self.lan
                    else self._say(101001, "Failover cable OK.")]
        self.link_failed = self.state != NEGOTIATION and self._heard is not None
        return [self._say(105007, "Link status 'Down' on interface failover") if self.lan
                else self._say(101002, "Bad failover cable.")]

    def interfaces_failed(self, count: int, now: float) -> list[Action]:
        """How many of this unit's monitored interfaces failed their tests."""
        if self.enabled and self.state == FAILED and count < self.interface_policy:
            self.failed_interfaces = count
            return self.reset(now)             # the interfaces healed: back to work
        self.failed_interfaces = count
        if not self.enabled or count < self.interface_policy:
            return []
        if self.active:
            if self.mate_state == STANDBY_READY and self.mate_failed_interfaces < count:
                out = self._to(FAILED, now, INTERFACE_CHECK)
                self._stop_active(now)
                return out + [Switch(False, INTERFACE_CHECK), self._say(104003, "Switching to FAILED."),
                              Send(Order("active", INTERFACE_CHECK))] + self._hello(now)
            return []
        if self.state in STANDBY_STATES:
            return self._to(FAILED, now, INTERFACE_CHECK) + \
                [self._say(104003, "Switching to FAILED.")] + self._hello(now)
        return []

    def mate_power_lost(self, now: float) -> list[Action]:
        """The serial cable senses the mate's power: no need to wait for the hold time."""
        if self.lan or not self.enabled:
            return []
        out = [self._say(102001, "Power failure/System reload other side.")]
        self.mate_state = NOT_DETECTED
        self._heard = None
        if self.state in STANDBY_STATES:
            out += self._go_active(now, NO_HELLO)
        return out

    def incompatible(self, mate_state: str, now: float) -> list[Action]:
        """The mate cannot be paired with (version, platform, license, mode): a unit that is not
        active fails rather than stand by; when neither is active, the secondary does."""
        if not self.enabled or self.active or self.state == FAILED:
            return []
        if mate_state not in ACTIVE_STATES and self.primary:
            return []                          # the secondary is the one to give way
        return self._to(FAILED, now, CONFIG_MISMATCH) + \
            [self._say(104003, "Switching to FAILED.")] + self._hello(now)

    def cable_silent(self, now: float) -> list[Action]:
        """No acknowledgement on the serial cable for five retransmissions (15 s)."""
        if not self.enabled or self.lan:
            return []
        self._heard = None
        was, self.mate_state = self.mate_state, FAILED
        out = [self._say(103001, "No response from other firewall (reason code = 3).")]
        if self.state in STANDBY_STATES and was in ACTIVE_STATES:
            out += self._go_active(now, NO_HELLO)
        return out

    def sync_done(self, now: float) -> list[Action]:
        if self.state in (COLD_STANDBY, SYNC_CONFIG):
            return self._to(STANDBY_READY, now, DETECTED_ACTIVE) + self._hello(now)
        return []

    # operator commands

    def command_active(self, now: float) -> list[Action]:
        """`failover active` on the standby unit."""
        if self.state in STANDBY_STATES:
            # The order goes first, so the mate stands by before it hears our active hello.
            return [Send(Order("standby", BY_COMMAND))] + self._go_active(now, BY_COMMAND)
        return []

    def command_standby(self, now: float) -> list[Action]:
        """`no failover active` on the active unit."""
        if self.active and self.mate_state == STANDBY_READY:
            return [Send(Order("active", BY_COMMAND))] + self._go_standby(now, BY_COMMAND)
        return []

    def reset(self, now: float) -> list[Action]:
        """`failover reset`: a failed unit tries again, as standby if the mate is active."""
        if self.state != FAILED:
            return []
        if self.mate_state not in ACTIVE_STATES:
            self.failed_interfaces = 0
            return self._go_active(now, NO_ACTIVE) + [self._say(104004, "Switching to OK.")]
        if self.failed_interfaces >= self.interface_policy:     # what failed it fails it again (004)
            return self._fail_again(now) + self._hello(now)
        return self._to(COLD_STANDBY, now, DETECTED_ACTIVE) + [self._say(104004, "Switching to OK."),
                                                               SyncNeeded()] + self._hello(now)

    def _fail_again(self, now: float) -> list[Action]:
        """Back to standby, and straight to Failed again: the failure is still there."""
        return self._to(COLD_STANDBY, now, DETECTED_ACTIVE) + [self._say(104004, "Switching to OK.")] + \
            self._to(FAILED, now, INTERFACE_CHECK) + [self._say(104003, "Switching to FAILED.")]

    # ------------------------------------------------------------ steps

    def _follow_preempt(self, mate: Hello, now: float) -> None:
        """On the preferred unit, a healthy Standby Ready group whose mate is active takes the
        active role back once the preempt delay has run since that became so; not when an
        operator's command put it there (a forced failover stays until the next failure)."""
        forced = bool(self.history) and self.history[-1].reason == BY_COMMAND
        can = self.preempt is not None and self.prefers_here and self.state == STANDBY_READY and not forced \
            and mate.state in ACTIVE_STATES and self.failed_interfaces == 0 and not self.link_failed
        if not can:
            self._preempt_at = None
        elif self._preempt_at is None:
            self._preempt_at = now + self.preempt

    def _take_back(self, now: float) -> list[Action]:
        if self.state != STANDBY_READY or self.mate_state not in ACTIVE_STATES:
            return []
        return [Send(Order("standby", MATE_WANTS_STANDBY))] + self._go_active(now, MATE_WANTS_ACTIVE)

    def _negotiate(self, mate: Hello, now: float) -> list[Action]:
        if mate.state in ACTIVE_STATES:
            return self._to(COLD_STANDBY, now, DETECTED_ACTIVE) + \
                [self._switching(False, DETECTED_ACTIVE), SyncNeeded()] + \
                self._hello(now)
        if mate.state == NEGOTIATION and self.primary:
            self._hand_over = not self.prefers_here
            return self._go_active(now, MATE_WANTS_ACTIVE)
        return []

    @property
    def _tolerance(self) -> float:
        """How long the mate may be silent: once the failover link is known to be down, data
        hellos (sent at the interface poll) are all there is."""
        return max(self.hold, self.interface_hold) if self.link_failed else self.hold

    @property
    def _test_after(self) -> float:
        """Three missed hellos, or a poll before the hold time runs out if that comes first."""
        return min(3 * self.poll, self.hold - self.poll)

    def _heard_on_data(self, now: float) -> list[Action]:
        """The mate answered (or spoke) on a data interface: it lives, the failover link failed."""
        self._heard, self._testing = now, False
        if self.link_failed:
            return []
        self.link_failed = True
        return [self._say(105005, "Lost Failover communications with mate on interface failover")]

    def _mate_failed(self, now: float) -> list[Action]:
        """Nothing from the mate for the hold time, not even an answer to the LANTEST."""
        self._heard, self._testing = None, False
        was = self.mate_state
        self.mate_state = FAILED if was != NOT_DETECTED else NOT_DETECTED
        out = [self._say(103001, "No response from other firewall (reason code = 4).")]
        if self.state in STANDBY_STATES and was in ACTIVE_STATES:
            out += self._go_active(now, NO_HELLO)
        return out

    def _go_active(self, now: float, reason: str) -> list[Action]:
        if self.active:
            return []
        out = self._to(JUST_ACTIVE, now, reason) + self._to(ACTIVE, now, reason)
        self.active_since = now
        self._no_active_since = None
        return out + [Switch(True, reason), self._switching(True, reason)] + \
            self._hello(now)

    def _switching(self, active: bool, reason: str) -> Syslog:
        """104001 / 104002 in the wording of the unit's version family."""
        message_id = 104001 if active else 104002
        if self.wording == "6.x":
            return self._say(message_id, f"Switching to {'ACTIVE' if active else 'STNDBY'} (cause: {reason}).")
        return self._say(message_id, f"Switching to {'ACTIVE' if active else 'STANDBY'} - {reason}")

    def _say(self, message_id: int, text: str) -> Syslog:
        return Syslog(message_id, f"({self.name}) {text}")

    def _retry(self, now: float) -> list[Action]:
        """PIX 6.x: a failed unit tries to go standby again (and on to active when no unit is);
        if what failed it still fails, it fails again at once."""
        self._failed_since = now
        if self.failed_interfaces < self.interface_policy:
            return self.reset(now)
        return self._fail_again(now)

    def _go_standby(self, now: float, reason: str) -> list[Action]:
        if not self.active:
            return []
        self._stop_active(now)
        out = self._to(STANDBY_READY, now, reason)
        return out + [Switch(False, reason), self._switching(False, reason)] + \
            self._hello(now)

    def _stop_active(self, now: float) -> None:
        self._hand_over = False
        if self.active_since is not None:
            self.active_time += now - self.active_since
            self.active_since = None

    def _to(self, state: str, now: float, reason: str) -> list[Action]:
        if state == FAILED:
            self._failed_since = now
        if state != self.state:
            self.history.append(Change(now, self.state, state, reason))
            self.state = state
        return []

    def _hello(self, now: float) -> list[Action]:
        self._next_hello = now + self.poll
        up_for = now - self._started if self._started is not None else 0.0
        return [Send(Hello(self.primary, self.state, self.failed_interfaces, self._active_for(now), up_for))]

    def _outlasted_by(self, mate: Hello, now: float) -> bool:
        mine = self._active_for(now)
        if abs(mate.active_for - mine) > self.poll:
            return mate.active_for > mine
        up_for = now - self._started if self._started is not None else 0.0
        return mate.up_for > up_for + self.poll

    def active_total(self, now: float) -> float:
        """Seconds spent active, all stints together (`show failover`'s Active time)."""
        return self.active_time + self._active_for(now)

    def _active_for(self, now: float) -> float:
        return now - self.active_since if self.active_since is not None else 0.0
