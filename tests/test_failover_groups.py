"""Active/Active failover configuration: failover groups in the system execution space, the
contexts that join them, and the licenses an Active/Active pair needs."""

from __future__ import annotations

import pytest
from helpers.contexts import multiple
from traffic import Net

from vpix.failover.compat import check, licenses_pair

CARET = "ERROR: % Invalid input detected at '^' marker."
IDENTITY = {"platform": "PIX-515E", "interfaces": 6, "version": "7.2(1)", "license": "UR", "crypto": "3DES",
            "mode": "multiple", "active_active": False}


@pytest.fixture
def net(tmp_path, images):
    net = Net(tmp_path, images)
    multiple(net)
    return net


def test_failover_groups_configure_render_and_survive_a_reload(net):
    net.term.cmd("configure terminal")
    assert net.term.cmd("failover group 1") == ""
    assert net.unit.console_session.prompt() == "fw(config-fover-group)# "
    for line in ("primary", "preempt", "replication http", "interface-policy 50%",
                 "polltime interface 3 holdtime 15", "mac address Ethernet0 0000.1111.2222 0000.1111.3333"):
        assert net.term.cmd(line) == "", line
    net.term.cmd("failover group 2")
    for line in ("secondary", "preempt 100"):
        assert net.term.cmd(line) == "", line
    net.term.cmd("context admin")
    net.term.cmd("no allocate-interface Ethernet2")
    net.term.cmd("context ctx1")
    assert net.term.cmd("allocate-interface Ethernet2") == ""
    assert net.term.cmd("config-url flash:/ctx1.cfg").startswith("WARNING: Could not fetch the URL")
    assert net.term.cmd("join-failover-group 2") == ""
    net.term.cmd("end")
    shown = net.term.cmd("show running-config failover")
    assert shown == ("no failover\n"
                     "failover group 1\n  preempt\n  replication http\n  interface-policy 50%\n"
                     "  polltime interface 3 holdtime 15\n"
                     "  mac address Ethernet0 0000.1111.2222 0000.1111.3333\n"
                     "failover group 2\n  secondary\n  preempt 100\n")
    assert "context ctx1\n  allocate-interface Ethernet2\n  config-url flash:/ctx1.cfg\n  join-failover-group 2\n" \
        in net.term.cmd("show running-config")
    net.term.cmd("write memory")
    net.reload()
    assert net.term.cmd("show running-config failover") == shown
    assert "Failover group: 2, ID: 2" in net.term.cmd("show context detail ctx1")


def test_contexts_join_only_configured_groups_and_the_admin_context_stays_in_group_1(net):
    net.term.cmd("configure terminal")
    net.term.cmd("context admin")
    assert net.term.cmd("join-failover-group 2") == "ERROR: Failover group 2 is not configured\n"
    net.term.cmd("failover group 2")
    net.term.cmd("context admin")
    assert net.term.cmd("join-failover-group 2") == "ERROR: The admin context must be in failover group 1\n"
    net.term.cmd("context ctx1")
    net.term.cmd("join-failover-group 2")
    assert net.term.cmd("no failover group 2") == "ERROR: Contexts ctx1 are in failover group 2\n"
    net.term.cmd("context ctx1")
    net.term.cmd("no join-failover-group")
    assert net.term.cmd("no failover group 2") == ""
    assert "failover group" not in net.term.cmd("show running-config")


def test_failover_groups_are_for_the_system_space_of_multiple_mode(tmp_path, images, net):
    net.term.cmd("changeto context admin")
    net.term.cmd("configure terminal")
    assert CARET in net.term.cmd("failover group 1")
    single = Net(tmp_path / "single", images)
    single.term.cmd("configure terminal")
    assert CARET in single.term.cmd("failover group 1")


def test_a_failover_only_license_cannot_do_active_active(tmp_path, images):
    from vpix.features.license import grants, keys

    net = Net(tmp_path, images)
    key = keys.encode(net.unit.identity.serial, grants.grant("PIX-515E-FO"))
    net.unit.flash.write_private("activation-key", (key + "\n").encode())
    multiple(net)
    net.term.cmd("configure terminal")
    assert net.term.cmd("failover group 1") == "ERROR: Active/Active failover is not licensed on this platform\n"
    assert "failover group" not in net.term.cmd("show running-config")


@pytest.mark.parametrize("ours, theirs, active_active, pairs", [
    ("UR", "FO_AA", True, True), ("UR", "UR", True, True), ("FO_AA", "FO_AA", True, False),
    ("UR", "FO", True, False), ("UR", "FO", False, True), ("R", "UR", True, False),
    ("FO", "UR", False, False),                # 004: the primary runs the Unrestricted license
])
def test_active_active_license_rules(ours, theirs, active_active, pairs):
    assert licenses_pair(ours, theirs, active_active) is pairs
    me = dict(IDENTITY, license=ours, active_active=active_active)
    mate = dict(me, license=theirs, active_active=False)
    assert any(m.id == 105045 for m in check(me, mate)) is not pairs


def test_a_mate_in_another_context_mode_does_not_pair():
    assert [m.id for m in check(IDENTITY, dict(IDENTITY, mode="single"))] == [105044]
