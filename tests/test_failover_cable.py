"""Serial-cable failover on PIX units, in virtual time: the cable decides primary and
secondary, senses the mate's power and both plugs, and acknowledges every message."""

from __future__ import annotations

import pytest
from conftest import Terminal
from helpers.pairs import cable_pair


def test_the_cable_end_makes_the_primary_and_the_pair_syncs_over_it(tmp_path, images):
    pair = cable_pair(tmp_path, images)
    pair.boot()
    assert pair.machine("primary").state == "Active"
    assert pair.machine("secondary").state == "Standby Ready"
    assert "hostname pix" in pair.units["secondary"].system.running_config()
    term = Terminal(pair.units["secondary"])
    term.cmd("enable")
    term.cmd("")
    out = term.cmd("show failover")
    assert "Failover unit Secondary\nFailover LAN Interface: N/A - Serial-based failover enabled\n" in out
    assert "This host: Secondary - Standby Ready" in out


def test_the_cable_senses_the_mate_power_off_at_once(tmp_path, images):
    pair = cable_pair(tmp_path, images)
    pair.boot()
    pair.units["primary"].power_off()
    pair.clock.advance(0.01)
    assert pair.machine("secondary").state == "Active"
    log = pair.units["secondary"].console.text()
    assert "%PIX-1-102001: (Secondary) Power failure/System reload other side." in log


def test_unplugged_ends_are_reported_on_both_sides(tmp_path, images):
    pair = cable_pair(tmp_path, images)
    pair.boot()
    pair.cable.secondary_end.plug(False)
    pair.clock.advance(0.01)
    assert "%PIX-1-101003: (Secondary) Failover cable not connected (this unit)." in \
        pair.units["secondary"].console.text()
    assert "%PIX-1-101004: (Primary) Failover cable not connected (other unit)." in \
        pair.units["primary"].console.text()
    assert "%PIX-1-101002: (Primary) Bad failover cable." in pair.units["primary"].console.text()
    pair.cable.secondary_end.plug(True)
    pair.clock.advance(0.01)
    assert "%PIX-1-101001: (Primary) Failover cable OK." in pair.units["primary"].console.text()


def test_five_unanswered_retransmissions_fail_the_mate(tmp_path, images):
    pair = cable_pair(tmp_path, images)
    pair.boot()
    pair.runtime("primary").stop()          # the active unit hangs, powered
    pair.cable.primary_end.receive = lambda data: None
    pair.clock.advance(15)
    assert pair.machine("secondary").state == "Standby Ready"     # still retransmitting
    pair.clock.advance(20)
    assert pair.machine("secondary").state == "Active"
    assert "(Secondary) No response from other firewall (reason code = 3)." in \
        pair.units["secondary"].console.text()


@pytest.mark.parametrize("linked", [False, True], ids=["cable", "cable over a link"])
def test_the_cable_carried_over_a_link_pairs_and_senses_an_orderly_power_off_at_once(tmp_path, images, linked):
    pair = cable_pair(tmp_path, images, linked=linked)
    pair.boot()
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    assert "hostname pix" in pair.units["secondary"].system.running_config()
    term = Terminal(pair.units["secondary"])
    term.cmd("enable")
    term.cmd("")
    assert "Cable status: Normal\n" in term.cmd("show failover")
    pair.units["primary"].power_off()
    pair.clock.advance(0.05)
    assert pair.machine("secondary").state == "Active"


def test_a_far_end_gone_silent_over_the_link_is_a_power_loss_after_the_silence(tmp_path, images):
    """A container killed: no last word, its frames just stop."""
    from vpix.failover.cable import SILENT

    pair = cable_pair(tmp_path, images, linked=True)
    pair.boot()
    port = next(port for port in pair.cable_link.ports if port is not pair.units["secondary"].cable._port)
    pair.cable_link.detach(port)
    pair.clock.advance(SILENT / 2)
    assert pair.machine("secondary").state == "Standby Ready"
    pair.clock.advance(SILENT)
    assert pair.machine("secondary").state == "Active"
    term = Terminal(pair.units["secondary"])
    term.cmd("enable")
    term.cmd("")
    assert "Cable status: Other side powered off\n" in term.cmd("show failover")
