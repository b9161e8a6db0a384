"""The interface watch in virtual time: waiting, normal, the four tests, pass and fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vpix.failover.watch import FAILED, LINK_DOWN, NORMAL, TESTING, WAITING, InterfaceWatch, Note, Probe


def _watch():
    watch = InterfaceWatch("inside", poll=5, hold=25)
    watch.start(0)
    return watch


def _run_until(watch, end, step=0.5, frames_every=None):
    out, now = [], 0.0
    while now < end:
        now += step
        if frames_every and int(now * 2) % int(frames_every * 2) == 0:
            watch.frame()
        out += watch.tick(now)
    return out


def test_waits_until_the_mate_is_heard_then_normal():
    watch = _watch()
    assert _run_until(watch, 100) == [] and watch.status == WAITING
    watch.hello(100)
    assert watch.status == NORMAL


def test_silent_interface_is_tested_and_fails_within_the_hold_time():
    watch = _watch()
    watch.hello(0)
    out = []
    now = 0.0
    while now < 25:
        now += 0.5
        out += watch.tick(now)
        if watch.status == TESTING and not any(isinstance(a, Note) and a.id == 105008 for a in out[:-1]):
            assert now >= 12.5
    assert watch.status == FAILED and now <= 25
    assert [a.kind for a in out if isinstance(a, Probe)] == ["arp", "ping"]
    assert Note(105008, "Testing Interface inside") in out
    assert out[-1] == Note(105009, "Testing on interface inside Failed")


def test_traffic_during_a_test_passes_the_interface():
    watch = _watch()
    watch.hello(0)
    out = _run_until(watch, 16)                 # testing has begun (the activity test)
    assert watch.status == TESTING
    watch.frame()
    out += _run_until(watch, 1)
    now = 16.0
    while watch.status == TESTING:
        now += 0.5
        out += watch.tick(now)
    assert watch.status == NORMAL and out[-1] == Note(105009, "Testing on interface inside Passed")


def test_link_down_fails_at_once_and_a_hello_restores():
    watch = _watch()
    watch.hello(0)
    watch.link(False, 1)
    assert watch.status == LINK_DOWN and watch.failed and watch.deadline is None
    assert watch.link(True, 2) == [Note(105003, "Monitoring on interface inside waiting")]
    watch.hello(3)
    assert watch.status == NORMAL


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["hello", "frame", "down", "up", "tick"]),
                          st.floats(0, 30)), max_size=60))
def test_any_sequence_keeps_a_known_status(events):
    watch = _watch()
    now = 0.0
    for kind, step in events:
        now += step
        if kind == "hello":
            watch.hello(now)
        elif kind == "frame":
            watch.frame()
        elif kind in ("down", "up"):
            watch.link(kind == "up", now)
        else:
            watch.tick(now)
        assert watch.status in (WAITING, NORMAL, TESTING, FAILED, LINK_DOWN)
        assert watch.failed == (watch.status in (FAILED, LINK_DOWN))
        if watch.deadline is not None and watch.status == TESTING:
            assert watch.deadline <= now + watch.hold
