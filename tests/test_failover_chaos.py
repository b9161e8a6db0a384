"""Chaos on a whole pair in virtual time: random power-offs, failover-link and data-link
faults, failover commands and configuration typed on the active unit, through the same units,
CLI and wire as everywhere else. Invariants once the pair settles: never two active units
while the failover link is up, the standby's configuration is the active's, and no command
typed on the active unit of a healthy pair is lost while a unit still holds it.
150 sequences in the suite; VPIX_CHAOS_EXAMPLES=2000 runs the long hunt (about 100 s)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.pairs import lan_pair

from vpix.failover.replication import NOT_REPLICATED

STEPS = st.lists(st.tuples(
    st.sampled_from(["off-primary", "off-secondary", "on-primary", "on-secondary", "link-down", "link-up",
                     "inside-down", "inside-up", "configure", "failover-active", "write-standby"]),
    st.sampled_from([0.0, 0.5, 2.0, 5.0])), min_size=1, max_size=14)


def _config(unit) -> set[str]:
    return {line for line in unit.system.running_config()
            if not line.startswith(NOT_REPLICATED) and not line.startswith(("Cryptochecksum", ": "))}


def _still_held(pair, lines: list[str], leaving: str | None = None) -> list[str]:
    """The lines a running, unfailed unit (other than ``leaving``) still has: a unit that is
    Failed when its mate comes up active cannot hand its configuration on, as on the device."""
    holders = [_config(unit) for role, unit in pair.units.items()
               if role != leaving and unit.system is not None and pair.machine(role).state != "Failed"]
    return [line for line in lines if any(line in config for config in holders)]


def _active(pair):
    for role, unit in pair.units.items():
        if unit.system is not None and pair.machine(role).active:
            yield role


@settings(max_examples=int(os.environ.get("VPIX_CHAOS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_faults_keep_the_pair_sound(tmp_path_factory, images, steps):
    pair = lan_pair(tmp_path_factory.mktemp("chaos"), images)
    pair.boot()
    pair.run(10)
    kept: list[str] = []                # typed on the active unit of a healthy pair, still held
    for number, (step, pause) in enumerate(steps):
        role = step.rsplit("-", 1)[-1]
        if step.startswith("off-"):
            kept = _still_held(pair, kept, role)           # nothing is saved: it goes with the power
            pair.units[role].power_off()
        elif step.startswith("on-"):
            if not pair.units["primary"].ports[3].link and pair.units[role].state == "off":
                # It boots cut off from its mate: both units become active (the seeds' rule), and
                # when the link returns one unit's changes give way to the other's.
                kept.clear()
            pair.units[role].power_on()
        elif step in ("link-down", "link-up"):
            for unit in pair.units.values():
                unit.ports[3].plug(step == "link-up")
        elif step in ("inside-down", "inside-up"):
            pair.units["secondary"].ports[1].plug(step == "inside-up")
        else:
            actives = list(_active(pair))
            healthy = len(actives) == 1 and pair.units["primary"].ports[3].link and all(
                u.system is not None for u in pair.units.values()) and \
                pair.machine(actives[0]).mate_state == "Standby Ready"
            if step == "configure" and actives:
                line = f"name 10.9.{number}.1 chaos{number}"
                pair.enable(actives[0]).configure(line)
                if healthy:
                    kept.append(line)
            elif step == "failover-active":
                for standby in set(pair.units) - set(actives):
                    if pair.units[standby].system is not None:
                        pair.enable(standby).cmd("failover active")
            elif step == "write-standby" and actives:
                pair.enable(actives[0]).cmd("write standby")
        pair.run(pause)
        kept = _still_held(pair, kept)

    # Settle: every cable in, both units on, enough time for negotiation, sync and tests.
    for unit in pair.units.values():
        unit.ports[1].plug(True)
        unit.ports[3].plug(True)
        if unit.state == "off":
            unit.power_on()
    pair.run(60)
    actives = list(_active(pair))
    assert len(actives) == 1, [pair.machine(r).state for r in pair.units]
    active, standby = actives[0], ({"primary", "secondary"} - set(actives)).pop()
    assert pair.machine(standby).state == "Standby Ready"
    assert _config(pair.units[standby]) == _config(pair.units[active])
    assert set(kept) <= _config(pair.units[active])


def test_a_change_the_standby_missed_gives_way_when_it_is_made_active(tmp_path, images):
    """Typed while the failover link was out, so never replicated; `failover active` on the
    standby at once: the new active unit's configuration is the pair's."""
    pair = lan_pair(tmp_path, images)
    pair.boot()
    pair.run(10)
    for unit in pair.units.values():
        unit.ports[3].plug(False)
    pair.enable("primary").configure("name 10.9.1.1 missed")
    for unit in pair.units.values():
        unit.ports[3].plug(True)
    pair.enable("secondary").cmd("failover active")
    pair.run(60)
    assert (pair.machine("secondary").state, pair.machine("primary").state) == ("Active", "Standby Ready")
    assert _config(pair.units["primary"]) == _config(pair.units["secondary"])
    assert "name 10.9.1.1 missed" not in _config(pair.units["primary"])
