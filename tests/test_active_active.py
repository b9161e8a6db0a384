"""Active/Active failover between two multiple-mode units, in virtual time: the seed's
procedures for the LAN and the cable variant, each group active on its own unit with traffic
through both at once, group takeovers, the boot-time rules, replication and preempt."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers.pairs import active_active_pair, join_by_seed_procedure
from helpers.failover import on_standby

from vpix.features.failover.runtime import STANDBY_WARNING
from vpix.features.interfaces import Interfaces


@pytest.fixture(params=["lan", "cable"])
def pair(request, tmp_path, images):
    pair = active_active_pair(tmp_path, images, cable=request.param == "cable")
    pair.boot()
    join_by_seed_procedure(pair)
    return pair


def test_the_seed_procedure_puts_each_group_on_its_unit_and_both_pass_traffic(pair):
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Standby Ready", "Active")}
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")
    # each context passed its traffic on the unit where its group is active
    assert "1 in use" in pair.exec_in("primary", "admin", "show conn")
    assert "0 in use" in pair.exec_in("secondary", "admin", "show conn")
    assert "1 in use" in pair.exec_in("secondary", "ctx1", "show conn")



def test_show_failover_has_a_section_per_group(pair):
    out = pair.terms["primary"].cmd("show failover")
    assert ("\n  This host:    Primary\n"
            "  Group 1       State:          Active\n") in out
    assert "  Group 2       State:          Standby Ready\n" in out
    assert "                admin Interface inside (192.168.1.1): Normal\n" in out
    assert "                ctx1 Interface inside (192.168.2.2): Normal\n" in out       # standby for group 2 here
    assert ("\n  Other host:   Secondary\n"
            "  Group 1       State:          Standby Ready\n") in out
    assert "                ctx1 Interface inside (192.168.2.1): Normal\n" in out
    assert "Group 2 last failover at: " in out
    state = pair.terms["secondary"].cmd("show failover state")
    assert ("This host  -   Secondary\n"
            "    Group 1    Standby Ready  None\n"
            "    Group 2    Active         None\n"
            "Other host -   Primary\n"
            "    Group 1    Active         None\n"
            "    Group 2    Standby Ready  None\n") in state
    group = on_standby(pair.terms["secondary"].cmd("show failover group 2"))      # group 1 stands by there
    assert group.startswith("Last Failover at: ")
    assert "\n  This host:    Secondary\n  State:        Active\n" in group
    assert "admin Interface" not in group and "ctx1 Interface outside (172.17.1.1): Normal" in group


def test_a_forced_group_failover_moves_one_group_and_its_traffic(pair):
    pair.terms["secondary"].cmd("no failover active group 2")
    pair.run(2)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Active", "Standby Ready")}
    assert pair.passes("pc2", "server2") and pair.passes("pc1", "server1")
    assert "1 in use" in pair.exec_in("primary", "ctx1", "show conn")
    pair.terms["secondary"].cmd("failover active group 2")
    pair.run(2)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Standby Ready", "Active")}
    assert pair.passes("pc2", "server2")
    pair.terms["secondary"].cmd("failover active")           # every group
    pair.run(2)
    assert pair.states() == {"group1": ("Standby Ready", "Active"), "group2": ("Standby Ready", "Active")}
    assert pair.passes("pc1", "server1") and "1 in use" in pair.exec_in("secondary", "admin", "show conn")


def test_a_group_failing_does_not_fail_the_unit_and_preempt_brings_it_back(pair):
    pair.units["secondary"].ports[4].plug(False)             # ctx1's inside, where group 2 is active
    pair.run(10)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Active", "Failed")}
    assert pair.passes("pc2", "server2") and pair.passes("pc1", "server1")
    assert "    Group 2    Failed         Ifc Failure              " in pair.terms["secondary"].cmd(
        "show failover state")
    pair.units["secondary"].ports[4].plug(True)
    pair.run(10)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Standby Ready", "Active")}
    assert pair.passes("pc2", "server2")


def test_the_unit_failing_moves_both_groups_to_its_mate(pair):
    pair.units["secondary"].power_off()
    pair.run(5)
    assert pair.group("primary", 1) == pair.group("primary", 2) == "Active"
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_commands_replicate_from_where_their_space_is_active(pair):
    primary, secondary = pair.terms["primary"], pair.terms["secondary"]
    primary.configure("context ctx1", "description web farm")                     # system: group 1 here
    assert "  description web farm" in pair.units["secondary"].system.running_config()
    secondary.cmd("changeto context ctx1")                                          # group 2 is active there
    secondary.configure("access-list web extended permit tcp any any eq www")
    secondary.cmd("changeto system")
    assert "access-list web extended permit tcp any any eq www" in pair.exec_in("primary", "ctx1",
                                                                                "show running-config access-list")
    primary.cmd("changeto context ctx1")                                            # standby here: a warning
    out = primary.configure("access-list mail extended permit tcp any any eq smtp")
    primary.cmd("changeto system")
    assert STANDBY_WARNING in out
    assert "mail" not in pair.exec_in("secondary", "ctx1", "show running-config access-list")
    primary.cmd("changeto context admin")                                           # group 1: replicated
    primary.configure("access-list adm extended permit icmp any any")
    primary.cmd("changeto system")
    assert "adm" in pair.exec_in("secondary", "admin", "show running-config access-list")


def test_write_memory_all_on_the_group_1_unit_saves_both(pair):
    out = pair.terms["primary"].cmd("write memory all")
    assert out.rstrip().endswith("[OK]")
    flash = pair.units["secondary"].flash
    assert b"join-failover-group 2" in flash.read_private("startup-config")
    assert b"192.168.2.1 255.255.255.0 standby 192.168.2.2" in flash.read("ctx1.cfg")
    assert b"hostname admin" in flash.read("admin.cfg")


def _saved_and_off(pair):
    pair.terms["primary"].cmd("write memory all")
    for unit in pair.units.values():
        unit.power_off()


def test_both_booting_at_once_put_each_group_on_its_preferred_unit(pair):
    _saved_and_off(pair)
    pair.boot()
    pair.run(20)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Standby Ready", "Active")}
    assert "Beginning configuration replication from mate." in pair.units["secondary"].console.text()
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_a_unit_booting_alone_takes_both_groups_and_without_preempt_keeps_them(pair):
    pair.configure("primary", "failover group 2", "no preempt")
    _saved_and_off(pair)
    pair.boot("primary")
    pair.run(10)
    assert pair.group("primary", 1) == pair.group("primary", 2) == "Active"
    pair.boot("secondary")
    pair.run(20)
    assert pair.states() == {"group1": ("Active", "Standby Ready"), "group2": ("Active", "Standby Ready")}
    pair.terms["primary"].cmd("no failover active group 2")
    pair.run(2)
    assert pair.states()["group2"] == ("Standby Ready", "Active")
    assert pair.passes("pc2", "server2")


def test_group_commands_name_configured_groups(pair):
    assert pair.terms["primary"].cmd("failover reset group 2") == ""
    pair.configure("primary", "no failover")
    pair.run(5)
    assert pair.terms["primary"].cmd("failover active group 2") == "ERROR: Failover is not enabled.\n"


def test_stateful_failover_carries_each_groups_connections(tmp_path, images):
    pair = active_active_pair(tmp_path, images)
    pair.boot()
    join_by_seed_procedure(pair, stateful=True)
    assert pair.passes("pc2", "server2") and pair.passes("pc1", "server1")
    assert "1 in use" in pair.exec_in("primary", "ctx1", "show conn")         # replicated from the secondary
    assert "1 in use" in pair.exec_in("secondary", "admin", "show conn")      # and from the primary
    pair.terms["secondary"].cmd("no failover active group 2")
    pair.run(2)
    assert pair.states()["group2"] == ("Active", "Standby Ready")
    assert pair.answered("server2", "pc2") and pair.answered("server1", "pc1")
    out = pair.terms["primary"].cmd("show failover")
    sent, _, received, _ = map(int, re.search(r"UDP conn\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out).groups())
    assert sent and received                                  # group 1's sent from here, group 2's received


def test_without_a_state_link_a_taken_over_group_drops_its_connections(pair):
    assert pair.passes("pc2", "server2")
    pair.terms["secondary"].cmd("no failover active group 2")
    pair.run(2)
    assert not pair.answered("server2", "pc2")


CHAOS = st.lists(st.tuples(
    st.sampled_from(["off-primary", "off-secondary", "on-primary", "on-secondary", "link-down", "link-up",
                     "ctx1-down-primary", "ctx1-down-secondary", "ctx1-up", "active-1", "active-2",
                     "standby-1", "standby-2"]),
    st.sampled_from(["primary", "secondary"]), st.sampled_from([0.0, 0.5, 2.0, 5.0])), min_size=1, max_size=12)


@settings(max_examples=int(os.environ.get("VPIX_CHAOS_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=CHAOS)
def test_random_faults_never_leave_a_group_active_on_both_units(tmp_path_factory, images, steps):
    pair = active_active_pair(tmp_path_factory.mktemp("chaos"), images)
    pair.boot()
    join_by_seed_procedure(pair)
    pair.terms["primary"].cmd("write memory all")
    for step, role, pause in steps:
        unit = pair.units[role]
        if step.startswith("off-"):
            pair.units[step[4:]].power_off()
        elif step.startswith("on-") and pair.units[step[3:]].state == "off":
            pair.boot(step[3:])
        elif step in ("link-down", "link-up"):
            for each in pair.units.values():
                each.ports[3].plug(step == "link-up")
        elif step.startswith("ctx1-down-"):
            pair.units[step[10:]].ports[4].plug(False)
        elif step == "ctx1-up":
            for each in pair.units.values():
                each.ports[4].plug(True)
        elif unit.system is not None:
            command = "failover active" if step.startswith("active") else "no failover active"
            pair.enable(role).cmd(f"{command} group {step[-1]}")
        pair.run(pause)
    for role, unit in pair.units.items():          # settle: every cable in, both units on
        unit.ports[3].plug(True)
        unit.ports[4].plug(True)
        if unit.state == "off":
            pair.boot(role)
    pair.run(60)
    for group, states in pair.states().items():
        assert sorted(states) == ["Active", "Standby Ready"], (group, states)
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_without_groups_the_contexts_fail_over_with_the_unit(tmp_path, images):
    """Active/Standby failover of a multiple-mode pair: every context follows the unit."""
    pair = active_active_pair(tmp_path, images)
    pair.boot()
    join_by_seed_procedure(pair, groups=False)
    assert (pair.runtime("primary").machine.state, pair.runtime("secondary").machine.state) == \
        ("Active", "Standby Ready")
    assert pair.runtime("primary").groups == {}
    out = pair.terms["primary"].cmd("show failover")
    assert "        This host: Primary - Active\n" in out
    assert "                  ctx1 Interface inside (192.168.2.1): Normal\n" in out
    assert pair.passes("pc2", "server2") and "1 in use" in pair.exec_in("primary", "ctx1", "show conn")
    pair.units["primary"].power_off()
    pair.run(5)
    assert pair.runtime("secondary").machine.state == "Active"
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_with_the_failover_link_down_at_startup_both_units_take_both_groups(pair):
    _saved_and_off(pair)
    for unit in pair.units.values():
        unit.ports[3].plug(False)
        if pair.cable:
            pair.cable.primary_end.plug(False)
    pair.boot()
    pair.run(10)
    assert pair.states() == {"group1": ("Active", "Active"), "group2": ("Active", "Active")}
    for unit in pair.units.values():
        unit.ports[3].plug(True)
    if pair.cable:
        pair.cable.primary_end.plug(True)
    pair.run(20)
    for states in pair.states().values():
        assert sorted(states) == ["Active", "Standby Ready"]


def test_show_monitor_interface_inside_a_context_shows_its_group(pair):
    out = pair.exec_in("secondary", "ctx1", "show monitor-interface")
    assert out == ("This host: Secondary - Active\n"
                   "  Interface outside (172.17.1.1): Normal\n"
                   "  Interface inside (192.168.2.1): Normal\n"
                   "Other host: Primary - Standby Ready\n"
                   "  Interface outside (172.17.1.2): Normal\n"
                   "  Interface inside (192.168.2.2): Normal\n")


def test_show_failover_inside_a_context_shows_the_context_on_both_units(pair):
    pair.terms["primary"].cmd("no failover active group 2")
    pair.run(2)
    pair.terms["primary"].cmd("failover active group 2")
    pair.run(2)
    out = pair.exec_in("primary", "ctx1", "show failover")
    head, stats = out.split("\n\n", 1)
    assert re.fullmatch(r"Failover On\nLast Failover at: \d\d:\d\d:\d\d UTC \w{3} \d+ \d{4}\n"
                        r"        This context: Active\n"
                        r"                Active time: \d+ \(sec\)\n"
                        r"                  Interface outside \(172\.17\.1\.1\): Normal\n"
                        r"                  Interface inside \(192\.168\.2\.1\): Normal\n"
                        r"        Peer context: Standby Ready\n"
                        r"                Active time: \d+ \(sec\)\n"
                        r"                  Interface outside \(172\.17\.1\.2\): Normal\n"
                        r"                  Interface inside \(192\.168\.2\.2\): Normal", head)
    assert stats.startswith("Stateful Failover Logical Update Statistics\n")
    admin = pair.exec_in("secondary", "admin", "show failover")
    assert "        This context: Standby Ready\n" in admin and "Interface inside (192.168.1.2): Normal" in admin


def test_write_standby_in_a_context_replaces_the_mates_copy_of_it(pair):
    primary = pair.terms["primary"]
    primary.cmd("changeto context ctx1")                     # group 2 stands by here: nothing replicates
    primary.configure("access-list stray extended permit ip any any")
    primary.cmd("changeto system")
    assert "ERROR: This unit is not the active unit of a failover pair" in pair.exec_in("primary", "ctx1",
                                                                                         "write standby")
    assert pair.exec_in("secondary", "ctx1", "write standby").endswith("[OK]\n")
    pair.run(1)
    assert "stray" not in pair.exec_in("primary", "ctx1", "show running-config access-list")
    assert pair.passes("pc2", "server2")
    pair.terms["secondary"].cmd("no failover active group 2")
    pair.run(2)
    assert pair.passes("pc2", "server2")                      # the replaced context carries on


def test_both_booting_at_once_the_secondary_pulls_from_the_primary_whatever_group_1_prefers(pair):
    pair.configure("primary", "failover group 1", "secondary", "exit", "failover group 2", "primary", "exit")
    pair.run(5)
    assert pair.states() == {"group1": ("Standby Ready", "Active"), "group2": ("Active", "Standby Ready")}
    pair.terms["secondary"].cmd("write memory all")
    for unit in pair.units.values():
        unit.power_off()
    before = {role: len(unit.console.text()) for role, unit in pair.units.items()}
    pair.boot()
    pair.run(20)
    primary, secondary = (pair.units[role].console.text()[before[role]:] for role in ("primary", "secondary"))
    assert "Beginning configuration replication: Sending to mate." in primary
    assert "Beginning configuration replication from mate." in secondary
    assert "Sending to mate" not in secondary and "from mate" not in primary
    assert pair.states() == {"group1": ("Standby Ready", "Active"), "group2": ("Active", "Standby Ready")}
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_file_commands_are_run_again_on_the_mate(pair):
    """copy, rename, delete, mkdir and rmdir entered where group 1 is active change the mate's
    flash too; entered where it stands by, they stay there, with the warning."""
    primary, secondary = (pair.units[role].flash for role in ("primary", "secondary"))
    image = next(e.name for e in primary.entries() if e.name.endswith(".bin"))
    term = pair.terms["primary"]
    assert term.cmd("mkdir /noconfirm flash:/backup") == "Created dir flash:/backup\n"
    term.cmd(f"copy /noconfirm flash:/{image} flash:/backup/{image}")
    term.cmd(f"rename /noconfirm flash:/backup/{image} flash:/backup/old.bin")
    pair.run(1)
    assert secondary.is_folder("backup")
    assert secondary.read("backup/old.bin") == primary.read("backup/old.bin") == primary.read(image)
    assert not secondary.exists(f"backup/{image}")
    term.type("delete flash:/backup/old.bin\n")
    term.type("\n")
    term.type("\n")
    term.cmd("rmdir /noconfirm flash:/backup")
    pair.run(1)
    assert not primary.is_folder("backup") and not secondary.is_folder("backup")
    out = pair.terms["secondary"].cmd("mkdir /noconfirm flash:/local")
    assert out == STANDBY_WARNING + "\nCreated dir flash:/local\n"
    pair.run(1)
    assert secondary.is_folder("local") and not primary.is_folder("local")


def test_contexts_in_different_groups_share_an_interface_by_their_group_macs(pair):
    """ctx2 (group 2) shares Ethernet0 with the admin context (group 1); each group has its
    own virtual MAC there, so each unit takes the packets of the context active on it."""
    primary, secondary = pair.terms["primary"], pair.terms["secondary"]
    primary.configure("failover group 1", "mac address Ethernet0 0011.1111.0001 0011.1111.0002", "exit",
                      "failover group 2", "mac address Ethernet0 0022.2222.0001 0022.2222.0002", "exit",
                      "context ctx2", "allocate-interface Ethernet0", "config-url flash:/ctx2.cfg",
                      "join-failover-group 2")
    pair.run(1)
    secondary.cmd("changeto context ctx2")                         # group 2 is active there
    secondary.configure("interface Ethernet0", "nameif outside", "security-level 0",
                        "ip address 172.16.1.3 255.255.0.0 standby 172.16.1.4")
    secondary.cmd("changeto system")
    pair.run(2)
    server = pair.hosts["server1"]
    answered = {}
    for address in ("172.16.1.1", "172.16.1.3", "172.16.1.2", "172.16.1.4"):
        server.stack.ping(address, 1, 1.0, lambda ok, a=address: answered.__setitem__(a, ok))
        pair.run(1.5)
    assert answered == {"172.16.1.1": True, "172.16.1.3": True, "172.16.1.2": True, "172.16.1.4": True}
    assert server.stack.arp["172.16.1.1"] == bytes.fromhex("001111110001")    # admin, on the primary
    assert server.stack.arp["172.16.1.3"] == bytes.fromhex("002222220001")    # ctx2, on the secondary
    assert server.stack.arp["172.16.1.4"] == bytes.fromhex("002222220002")    # ctx2's standby, on the primary
    assert pair.passes("pc1", "server1") and pair.answered("server1", "pc1")
    # group 2 moves to the primary: ctx2's active address and MAC go with it
    secondary.configure("no failover active group 2")
    pair.run(5)
    assert pair.states()["group2"] == ("Active", "Standby Ready")
    assert server.stack.arp["172.16.1.3"] == bytes.fromhex("002222220001")
    answered.clear()
    server.stack.ping("172.16.1.3", 1, 1.0, lambda ok: answered.__setitem__("moved", ok))
    pair.run(1.5)
    assert answered == {"moved": True}
    share = pair.units["primary"].system.feature(Interfaces).by_hw("Ethernet0").share
    assert len(share.views) == 2


def test_mac_address_auto_lets_contexts_of_both_groups_share_an_interface(pair):
    primary, secondary = pair.terms["primary"], pair.terms["secondary"]
    primary.configure("mac-address auto", "context ctx2", "allocate-interface Ethernet0", "config-url flash:/ctx2.cfg",
                      "join-failover-group 2")
    pair.run(1)
    secondary.cmd("changeto context ctx2")
    secondary.configure("interface Ethernet0", "nameif outside", "security-level 0",
                        "ip address 172.16.1.3 255.255.0.0 standby 172.16.1.4")
    secondary.cmd("changeto system")
    pair.run(2)
    server = pair.hosts["server1"]
    answered = []
    for address in ("172.16.1.1", "172.16.1.2", "172.16.1.3", "172.16.1.4"):
        server.stack.ping(address, 1, 1.0, answered.append)
        pair.run(1.5)
    assert answered == [True] * 4
    # admin is context 1 (group 1, active on the primary), ctx2 context 3 (group 2, active on the secondary)
    assert {a: server.stack.arp[a].hex() for a in ("172.16.1.1", "172.16.1.2", "172.16.1.3", "172.16.1.4")} == \
        {"172.16.1.1": "120000000001", "172.16.1.2": "020000000001",
         "172.16.1.3": "120000000003", "172.16.1.4": "020000000003"}
    assert pair.passes("pc1", "server1") and pair.answered("server1", "pc1")


def test_resource_classes_replicate_and_limit_the_context_on_either_unit(pair):
    pair.configure("primary", "class gold", "limit-resource conns 1", "exit", "context ctx1", "member gold")
    for role in ("primary", "secondary"):
        shown = pair.terms[role].cmd("show running-config")
        assert "class gold\n  limit-resource Conns 1\n!\n" in shown and "context ctx1\n  member gold\n" in shown
    assert pair.passes("pc2", "server2")                          # ctx1 (group 2) on the secondary: one conn
    assert not pair.passes("pc2", "server2", (40001, 9))          # a second one is refused there
    assert "Conns                       1            1          1             1 ctx1" in \
        pair.exec_in("secondary", "ctx1", "show resource usage")


def test_the_survivor_keeps_both_groups_active_while_its_mate_is_gone(pair):
    """Nothing of a unit whose mate has failed is tested against a mate it no longer has: both
    groups stay active on it, and pass traffic, for as long as it is alone. With the device's
    default timers its interfaces' tests would end before the unit's hold time."""
    pair.configure("primary", "failover polltime unit 15 holdtime 45", "failover polltime interface 5 holdtime 25")
    pair.run(60)
    pair.units["secondary"].power_off()
    pair.run(300)
    assert pair.group("primary", 1) == pair.group("primary", 2) == "Active"
    failed = [c for n in (1, 2) for c in pair.runtime("primary").groups[n].machine.history if c.new == "Failed"]
    assert failed == []
    assert pair.passes("pc1", "server1") and pair.passes("pc2", "server2")


def test_show_failover_on_the_serial_cable_says_its_status(tmp_path, images):
    pair = active_active_pair(tmp_path, images, cable=True)
    pair.boot()
    join_by_seed_procedure(pair)
    out = pair.terms["primary"].cmd("show failover").splitlines()
    assert out[:4] == ["Failover On", "Cable status: Normal", "Failover unit Primary",
                       "Failover LAN Interface: N/A - Serial-based failover enabled"]
