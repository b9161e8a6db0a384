"""The failover state machine in virtual time: boot-time election and the failure-event/action
table of 001_832f86cadffa97e6.txt, row by row; a hypothesis chaos test for the invariants."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from vpix.clock import VirtualClock
from vpix.failover.machine import (ACTIVE, BY_COMMAND, COLD_STANDBY, FAILED, NEGOTIATION, STANDBY_READY,
                                   FailoverMachine, Hello, Switch, Send, SyncNeeded, Syslog, LanTest)


class Pair:
    """Two units' machines joined by a failover link (and their data interfaces), in virtual time."""

    def __init__(self, poll=1.0, hold=3.0, lan=True):
        self.clock = VirtualClock()
        self.poll, self.hold, self.lan = poll, hold, lan
        self.units: dict[str, FailoverMachine | None] = {"primary": None, "secondary": None}
        self.link_up = True
        self.link_quiet = False               # the link is up but carries nothing
        self.data_up = True
        self.said: dict[str, list[int]] = {"primary": [], "secondary": []}
        self.roles: dict[str, list[Switch]] = {"primary": [], "secondary": []}
        self._timers = {}

    def mate(self, name):
        return "secondary" if name == "primary" else "primary"

    def power_on(self, name):
        machine = FailoverMachine(primary=(name == "primary"), poll=self.poll, hold=self.hold, lan=self.lan)
        machine.link_up = self.link_up
        self.units[name] = machine
        self._act(name, machine.enable(self.clock.monotonic()))

    def power_off(self, name):
        self.units[name] = None
        other = self.units[self.mate(name)]
        if other is not None:
            self._act(self.mate(name), other.mate_power_lost(self.clock.monotonic()))

    def set_link(self, up):
        self.link_up = up
        for name, m in self.units.items():
            if m is not None:
                self._act(name, m.link(up, self.clock.monotonic()))

    def _act(self, name, actions):
        machine = self.units[name]
        for action in actions:
            if isinstance(action, Send):
                self._deliver(name, action.message)
            elif isinstance(action, Switch):
                self.roles[name].append(action)
            elif isinstance(action, SyncNeeded):
                self.clock.call_later(0.01, lambda n=name, m=machine: self.units[n] is m and
                                      self._act(n, m.sync_done(self.clock.monotonic())))
            elif isinstance(action, LanTest):
                self._lantest(name)
            elif isinstance(action, Syslog):
                self.said[name].append(action.id)
        self._arm(name)

    def _deliver(self, sender, message):
        target = self.mate(sender)

        def arrive(on_link):
            m = self.units[target]
            if m is None or self.units[sender] is None:
                return
            now = self.clock.monotonic()
            if isinstance(message, Hello):
                self._act(target, m.hello(message, now, on_failover_link=on_link))
            elif on_link:
                self._act(target, m.order(message, now))

        if self.link_up and not self.link_quiet:
            self.clock.call_later(0.001, lambda: arrive(True))
        if self.data_up and isinstance(message, Hello):
            self.clock.call_later(0.001, lambda: arrive(False))

    def _lantest(self, name):
        """The mate, if it is there, answers on the data interfaces."""
        def answer():
            m, mate = self.units[name], self.units[self.mate(name)]
            if m is not None and mate is not None and self.data_up:
                self._act(name, m.hello(None, self.clock.monotonic(), on_failover_link=False))
        self.clock.call_later(0.002, answer)

    def _arm(self, name):
        machine = self.units[name]
        if machine is None or machine.deadline is None:
            return
        old = self._timers.get(name)
        if old is not None:
            old.cancel()

        def fire():
            if self.units[name] is machine:
                self._act(name, machine.tick(self.clock.monotonic()))

        self._timers[name] = self.clock.call_later(max(0.0, machine.deadline - self.clock.monotonic()), fire)

    def run(self, seconds):
        self.clock.advance(seconds)

    def state(self, name):
        m = self.units[name]
        return m.state if m else "off"


def both_booted():
    pair = Pair()
    pair.power_on("primary")
    pair.power_on("secondary")
    pair.run(10)
    return pair


# ---------------------------------------------------------------- boot-time election


def test_both_boot_at_once_primary_becomes_active():
    pair = both_booted()
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == STANDBY_READY


def test_a_group_preferring_the_secondary_goes_there_once_it_is_ready_after_a_boot_at_once():
    """Group 1 in Active/Active: the primary unit wins the boot (its configuration is the
    pair's), then hands the group to the unit it prefers."""
    pair = Pair()
    for name in ("primary", "secondary"):
        pair.power_on(name)
        pair.units[name].preferred = name == "secondary"
    pair.run(10)
    assert pair.state("primary") == STANDBY_READY and pair.state("secondary") == ACTIVE
    assert [c.new for c in pair.units["primary"].history] == [NEGOTIATION, "Just Active", ACTIVE, STANDBY_READY]
    pair.units["primary"].preempt = 0.0          # preempt belongs to the preferred unit only
    pair.run(10)
    assert pair.state("secondary") == ACTIVE


def test_no_peer_becomes_active_after_the_hold_time():
    pair = Pair()
    pair.power_on("secondary")
    pair.run(2.9)
    assert pair.state("secondary") == NEGOTIATION
    pair.run(0.2)
    assert pair.state("secondary") == ACTIVE
    assert pair.units["secondary"].history[-1].reason == "No Active unit found"


def test_peer_already_active_means_standby():
    pair = Pair()
    pair.power_on("secondary")
    pair.run(10)
    pair.power_on("primary")                  # the primary arrives later: no fail-back to it
    pair.run(10)
    assert pair.state("secondary") == ACTIVE and pair.state("primary") == STANDBY_READY
    assert pair.units["primary"].history[1].new == COLD_STANDBY


def test_failover_link_down_at_startup_both_become_active():
    pair = Pair()
    pair.link_up = False
    pair.data_up = False
    pair.power_on("primary")
    pair.power_on("secondary")
    pair.run(10)
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == ACTIVE


# ---------------------------------------------------------------- the failure-event/action table


def test_active_unit_fails_standby_takes_over_and_marks_it_failed():
    pair = both_booted()
    pair.power_off("primary")
    pair.run(2.0)
    assert pair.state("secondary") == STANDBY_READY          # LAN link: waits for the hold time
    pair.run(1.5)
    assert pair.state("secondary") == ACTIVE
    assert pair.units["secondary"].mate_state == FAILED
    assert pair.roles["secondary"][-1] == Switch(True, "HELLO not heard from mate")


def test_cable_senses_power_loss_at_once():
    pair = Pair(lan=False)
    pair.power_on("primary")
    pair.power_on("secondary")
    pair.run(10)
    pair.power_off("primary")
    pair.run(0.01)
    assert pair.state("secondary") == ACTIVE


def test_formerly_active_unit_recovers_as_standby():
    pair = both_booted()
    pair.power_off("primary")
    pair.run(5)
    pair.power_on("primary")
    pair.run(10)
    assert pair.state("primary") == STANDBY_READY and pair.state("secondary") == ACTIVE


def test_standby_failure_does_not_fail_over():
    pair = both_booted()
    pair.power_off("secondary")
    pair.run(5)
    assert pair.state("primary") == ACTIVE and pair.units["primary"].mate_state == FAILED


def test_failover_link_fails_during_operation_no_failover():
    pair = both_booted()
    pair.set_link(False)                      # data interfaces still carry hellos
    pair.run(10)
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == STANDBY_READY
    assert pair.units["primary"].link_failed and pair.units["secondary"].link_failed


def test_a_quiet_failover_link_is_told_from_a_dead_mate_by_a_lantest():
    pair = both_booted()
    pair.link_quiet = True                    # up, but nothing arrives: only the LANTEST can tell
    pair.run(10)
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == STANDBY_READY
    assert 105005 in pair.said["secondary"] and 103001 not in pair.said["secondary"]
    pair.power_off("primary")
    pair.run(pair.hold + pair.poll)           # the data hellos stop too
    assert pair.state("secondary") == ACTIVE and 103001 in pair.said["secondary"]


def test_interface_failure_on_active_above_threshold_fails_over():
    pair = both_booted()
    primary = pair.units["primary"]
    pair._act("primary", primary.interfaces_failed(1, pair.clock.monotonic()))
    pair.run(1)
    assert pair.state("primary") == FAILED and pair.state("secondary") == ACTIVE


def test_interface_failure_on_standby_marks_it_failed_only():
    pair = both_booted()
    secondary = pair.units["secondary"]
    pair._act("secondary", secondary.interfaces_failed(1, pair.clock.monotonic()))
    pair.run(2)
    assert pair.state("secondary") == FAILED and pair.state("primary") == ACTIVE
    primary = pair.units["primary"]
    pair._act("primary", primary.interfaces_failed(1, pair.clock.monotonic()))
    pair.run(2)
    assert pair.state("primary") == ACTIVE        # the standby is failed: no failover


def test_interface_policy_threshold():
    pair = Pair()
    pair.power_on("primary")
    pair.power_on("secondary")
    pair.units["primary"].interface_policy = 2
    pair.run(10)
    primary = pair.units["primary"]
    pair._act("primary", primary.interfaces_failed(1, pair.clock.monotonic()))
    pair.run(2)
    assert pair.state("primary") == ACTIVE


# ---------------------------------------------------------------- commands


def test_failover_active_and_no_failover_active():
    pair = both_booted()
    pair._act("secondary", pair.units["secondary"].command_active(pair.clock.monotonic()))
    pair.run(1)
    assert pair.state("secondary") == ACTIVE and pair.state("primary") == STANDBY_READY
    assert pair.units["primary"].history[-1].reason == BY_COMMAND
    pair._act("secondary", pair.units["secondary"].command_standby(pair.clock.monotonic()))
    pair.run(1)
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == STANDBY_READY


def test_failover_reset_returns_a_failed_unit_to_standby_once_the_failure_is_gone():
    pair = both_booted()
    secondary = pair.units["secondary"]
    pair._act("secondary", secondary.interfaces_failed(1, pair.clock.monotonic()))
    pair.run(1)
    assert pair.state("secondary") == FAILED
    pair._act("secondary", secondary.reset(pair.clock.monotonic()))       # still failing: fails again
    pair.run(1)
    assert pair.state("secondary") == FAILED
    secondary.failed_interfaces = 0                                       # repaired, not yet retested
    pair._act("secondary", secondary.reset(pair.clock.monotonic()))
    pair.run(1)
    assert pair.state("secondary") == STANDBY_READY


def test_no_failover_keeps_the_role():
    pair = both_booted()
    primary = pair.units["primary"]
    primary.disable(pair.clock.monotonic())
    assert primary.active


def test_both_active_after_the_link_returns_the_secondary_yields():
    pair = Pair()
    pair.link_up = pair.data_up = False
    pair.power_on("primary")
    pair.power_on("secondary")
    pair.run(10)
    pair.data_up = True
    pair.set_link(True)
    pair.run(3)
    assert pair.state("primary") == ACTIVE and pair.state("secondary") == STANDBY_READY


# ---------------------------------------------------------------- chaos


events = st.lists(st.tuples(st.sampled_from(["off-p", "off-s", "on-p", "on-s", "link-down", "link-up",
                                              "if-p", "if-s", "active-p", "active-s", "reset-p", "reset-s",
                                              "wait"]),
                            st.floats(0.0, 5.0)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(script=events)
def test_never_two_active_units_while_the_link_is_up(script):
    pair = both_booted()
    for event, pause in script:
        now = pair.clock.monotonic()
        name = "primary" if event.endswith("-p") else "secondary"
        m = pair.units[name]
        if event.startswith("off"):
            if m is not None:
                pair.power_off(name)
        elif event.startswith("on"):
            if m is None:
                pair.power_on(name)
        elif event == "link-down":
            pair.set_link(False)
        elif event == "link-up":
            pair.set_link(True)
        elif m is not None and event.startswith("if"):
            pair._act(name, m.interfaces_failed(1, now))
        elif m is not None and event.startswith("active"):
            pair._act(name, m.command_active(now))
        elif m is not None and event.startswith("reset"):
            pair._act(name, m.reset(now))
        pair.run(pause)
    # With the link up and both units on, a poll's worth of hellos settles any conflict.
    if not pair.link_up:
        pair.set_link(True)
        pair.data_up = True
    pair.run(2 * pair.poll + 0.1)
    p, s = pair.units["primary"], pair.units["secondary"]
    if p is not None and s is not None:
        assert not (p.active and s.active)
    for m in (p, s):
        if m is not None:
            assert m.state in (ACTIVE, STANDBY_READY, FAILED, NEGOTIATION, COLD_STANDBY, "Sync Config",
                               "Just Active")
