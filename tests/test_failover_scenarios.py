"""001's failure/action table, row by row, and 004's three `show failover` examples, as
scenarios on a pair of units in virtual time: the event made as it happens to the hardware
(power, a cable, a dead switch port), the outcome read as an operator reads it."""

from __future__ import annotations

import pytest

from helpers.pairs import lan_pair, ping, pix6_pair, with_state_link


@pytest.fixture
def pair(tmp_path, images):
    pair = lan_pair(tmp_path, images)
    for role in ("primary", "secondary"):
        pair.enable(role)
    return pair


def _formed(pair, seconds=40):
    pair.boot()
    pair.run(seconds)
    assert _states(pair) == ("Active", "Standby Ready")


def _states(pair) -> tuple[str, str]:
    return pair.machine("primary").state, pair.machine("secondary").state


def _run_until(pair, states: tuple[str, str], limit: float) -> None:
    """Virtual time in quarter seconds until the units are in ``states`` (at most ``limit``)."""
    for _ in range(int(limit * 4)):
        if _states(pair) == states:
            return
        pair.run(0.25)
    assert _states(pair) == states


def _show(pair, role) -> str:
    return pair.terms[role].cmd("show failover")


# ---------------------------------------------------------------- 001: Failover Actions

def test_active_unit_failed_the_standby_becomes_active_and_marks_it_failed(pair):
    _formed(pair)
    pair.units["primary"].power_off()
    pair.run(5)
    assert pair.machine("secondary").state == "Active"
    assert "Other host: Primary - Failed" in _show(pair, "secondary")


def test_formerly_active_unit_recovers_and_becomes_standby(pair):
    _formed(pair)
    pair.units["primary"].power_off()
    pair.run(5)
    pair.units["primary"].power_on()
    pair.run(40)
    assert _states(pair) == ("Standby Ready", "Active")


def test_standby_unit_failed_the_active_marks_it_failed_and_never_fails_over(pair):
    _formed(pair)
    pair.units["secondary"].power_off()
    pair.run(5)
    assert pair.machine("primary").state == "Active"
    assert "Other host: Secondary - Failed" in _show(pair, "primary")
    pair.units["primary"].ports[1].plug(False)         # even past the interface threshold
    pair.run(10)
    assert pair.machine("primary").state == "Active"


def test_failover_link_failed_within_operation_both_mark_it_and_keep_their_roles(pair):
    _formed(pair)
    for unit in pair.units.values():
        unit.ports[3].plug(False)
    pair.run(30)
    assert _states(pair) == ("Active", "Standby Ready")
    assert pair.machine("primary").link_failed and pair.machine("secondary").link_failed
    for role in ("primary", "secondary"):
        assert "Failover LAN Interface: failover Ethernet3 (down)" in _show(pair, role)


def test_failover_link_failed_at_startup_both_units_become_active(pair):
    for unit in pair.units.values():
        unit.ports[3].plug(False)
    pair.boot()
    pair.run(40)
    assert _states(pair) == ("Active", "Active")


def test_stateful_failover_link_failed_no_action(tmp_path, images):
    pair = with_state_link(lan_pair(tmp_path, images))
    _formed(pair)
    for unit in pair.units.values():
        unit.ports[2].plug(False)
    pair.run(30)
    assert _states(pair) == ("Active", "Standby Ready")


def test_interface_failure_on_the_active_unit_above_threshold_fails_over(pair):
    _formed(pair)
    pair.units["primary"].ports[1].plug(False)
    pair.run(5)
    assert _states(pair) == ("Failed", "Active")
    assert "Other host: Primary - Failed" in _show(pair, "secondary")


def test_interface_failure_on_the_standby_unit_above_threshold_marks_it_failed_only(pair):
    _formed(pair)
    pair.units["secondary"].ports[1].plug(False)
    pair.run(5)
    assert _states(pair) == ("Active", "Failed")
    pair.units["primary"].ports[1].plug(False)          # the standby is failed: no failover
    pair.run(10)
    assert pair.machine("primary").state == "Active"


# ---------------------------------------------------------------- 004: the show failover examples

def _hosts(out: str) -> list[str]:
    """The host blocks of a 6.x `show failover`, whitespace folded as the seed prints them."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "This host:" in line)
    end = next(i for i, line in enumerate(lines) if "Stateful Failover Logical Update Statistics" in line)
    return [" ".join(line.split()) for line in lines[start:end] if line.strip() and "Active time" not in line]


@pytest.fixture
def cabled(tmp_path, images):
    return pix6_pair(tmp_path, images)


def test_example_1_normal_failover(cabled):
    cabled.boot()
    cabled.run(30)
    assert _hosts(cabled.enable("primary").cmd("show failover")) == [
        "This host: Primary - Active", "Interface outside (192.168.10.1): Normal",
        "Interface inside (10.10.10.1): Normal", "Other host: Secondary - Standby",
        "Interface outside (192.168.10.2): Normal", "Interface inside (10.10.10.2): Normal"]


def test_example_2_failover_in_the_waiting_state(cabled):
    for unit in cabled.units.values():
        unit.power_on()
    _run_until(cabled, ("Active", "Standby Ready"), 15)     # formed; two hellos not yet heard
    assert _hosts(cabled.enable("primary").cmd("show failover")) == [
        "This host: Primary - Active", "Interface outside (192.168.10.1): Normal (Waiting)",
        "Interface inside (10.10.10.1): Normal (Waiting)", "Other host: Secondary - Standby",
        "Interface outside (192.168.10.2): Normal (Waiting)", "Interface inside (10.10.10.2): Normal (Waiting)"]


def test_example_3_the_failover_process_detects_an_interface_failure(cabled):
    """The primary's inside stops hearing anything (its switch port dies, the link stays up):
    it fails, takes the failover addresses, and both units are back in waiting mode."""
    cabled.add_host("pc", "inside", "10.10.10.50")
    cabled.boot()
    assert ping(cabled, "10.10.10.2")          # the standby knows the host: it will hear it
    cabled.segments["inside"].detach(cabled.units["primary"].ports[1])
    _run_until(cabled, ("Failed", "Active"), 60)
    assert _hosts(cabled.enable("primary").cmd("show failover")) == [
        "This host: Primary - Standby (Failed)", "Interface outside (192.168.10.2): Normal (Waiting)",
        "Interface inside (10.10.10.2): Failed (Waiting)", "Other host: Secondary - Active",
        "Interface outside (192.168.10.1): Normal (Waiting)", "Interface inside (10.10.10.1): Normal (Waiting)"]
