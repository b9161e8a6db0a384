"""The clocks and the Alarm every protocol core's glue keeps on its deadline."""

from __future__ import annotations

from vpix.clock import Alarm, VirtualClock


def test_an_alarm_set_again_to_the_same_due_deadline_still_goes_off():
    """Glue re-arms on every event; re-arming a due alarm must not move it behind the work
    that keeps coming at the same moment, or it would never go off while that work lasts."""
    clock = VirtualClock(10.0)
    turns, fired_at = [0], []
    alarm = Alarm(clock, lambda: fired_at.append(turns[0]))

    def turn() -> None:                  # one step of a long job, one per turn of the clock
        turns[0] += 1
        if turns[0] < 50:
            clock.call_later(0, turn)
        alarm.set(10.0)                  # (as the glue re-arms after each step)

    clock.call_later(0, turn)
    alarm.set(10.0)
    clock.advance(0)
    assert fired_at and fired_at[0] < 5


def test_an_alarm_moves_to_a_new_deadline_and_can_be_cancelled():
    clock = VirtualClock()
    fired = []
    alarm = Alarm(clock, lambda: fired.append(clock.monotonic()))
    alarm.set(5.0)
    alarm.set(3.0)
    clock.advance(10)
    assert fired == [3.0]
    alarm.set(12.0)
    alarm.cancel()
    clock.advance(10)
    assert fired == [3.0] and not alarm.armed
    alarm.after(1)
    clock.advance(1)
    assert fired == [3.0, 21.0]
