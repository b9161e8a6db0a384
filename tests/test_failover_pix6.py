"""PIX OS 6.x failover between two units, in virtual time: the serial cable or a LAN link,
the 6.x commands and configuration lines, `show failover` in the layout of
004_2a656957be61c6b2.txt with the cable's status, 6.x syslog wording, Sync Started /
Sync Completed, and the failed unit's retry every 15 seconds."""

from __future__ import annotations

import re

import pytest

from helpers import pairs
from helpers.pairs import PIX6_PRIMARY, pix6_pair


@pytest.fixture
def cabled(tmp_path, images):
    return pix6_pair(tmp_path, images)


def test_cable_pair_forms_and_syncs_with_the_6x_messages(cabled):
    cabled.boot()
    assert cabled.machine("primary").state == "Active"
    assert cabled.machine("secondary").state == "Standby Ready"
    for role in ("primary", "secondary"):
        log = cabled.log(role)
        assert "Sync Started\n" in log and "Sync Completed\n" in log
        assert log.index("Sync Started") < log.index("Sync Completed")
        assert "Beginning configuration replication" not in log
    assert "hostname pixfirewall" in cabled.units["secondary"].system.running_config()


def test_show_failover_in_the_6x_layout(cabled):
    cabled.boot()
    out = cabled.enable("primary").cmd("show failover")
    lines = out.splitlines()
    assert lines[:4] == ["Failover On", "Cable status: Normal", "Reconnect timeout 0:00:00",
                         "Poll frequency 3 seconds"]
    assert "        This host: Primary - Active" in lines
    assert "                Interface outside (192.168.10.1): Normal" in lines
    assert "                Interface inside (10.10.10.1): Normal" in lines
    assert "        Other host: Secondary - Standby" in lines
    assert "                Interface outside (192.168.10.2): Normal" in lines
    assert "        Link : Unconfigured." in lines
    assert [line.split()[0] for line in lines if line.startswith("        ") and line.strip().endswith("0")
            and len(line.split()) >= 5][:3] == ["General", "sys", "up"]
    standby = cabled.enable("secondary").cmd("show failover")
    assert "        This host: Secondary - Standby" in standby
    assert "                Interface outside (192.168.10.2): Normal" in standby
    assert "        Other host: Primary - Active" in standby


def test_interfaces_wait_for_the_second_hello(cabled):
    for unit in cabled.units.values():
        unit.power_on()
    cabled.clock.advance(0.5)
    out = cabled.enable("primary").cmd("show failover")
    assert "Interface inside (10.10.10.1): Normal (Waiting)" in out
    cabled.clock.advance(30)
    assert "Interface inside (10.10.10.1): Normal\n" in cabled.terms["primary"].cmd("show failover")


def test_running_config_writes_the_6x_failover_lines(cabled):
    cabled.boot()
    term = cabled.enable("primary")
    term.configure("failover timeout 1:30", "failover replicate http", "interface ethernet2 100full",
                   "ip address intf2 10.20.0.1 255.255.255.0", "failover ip address intf2 10.20.0.2",
                   "failover link intf2", "failover mac address inside 0090.2722.0001 0090.2722.0002")
    out = term.cmd("show running-config")
    block = out[out.index("\nfailover\n") + 1:].splitlines()
    assert block[:7] == ["failover", "failover timeout 1:30:00", "failover poll 3", "failover replicate http",
                         "failover ip address outside 192.168.10.2", "failover ip address inside 10.10.10.2",
                         "failover ip address intf2 10.20.0.2"]
    assert "failover mac address inside 0090.2722.0001 0090.2722.0002" in block
    assert "failover link intf2" in block
    cabled.clock.advance(5)
    out = term.cmd("show failover")
    assert "Reconnect timeout 1:30:00" in out and "        Link : intf2\n" in out
    assert re.search(r"        sys cmd\s+[1-9]", out)
    assert "Interface intf2" not in out                       # the state link is not monitored
    standby = cabled.units["secondary"].system.running_config()
    assert "failover timeout 1:30:00" in standby and "failover link intf2" in standby


@pytest.mark.parametrize("line, answer", [
    ("failover poll 2", "\tfailover poll <seconds>\n"),          # 6.x answers a bad line with its usage
    ("failover poll 16", "\tfailover poll <seconds>\n"),
    ("failover timeout 1:75", "\tfailover timeout <time>\n"),
    ("failover ip address dmz 1.2.3.4", 'ERROR: interface name "dmz" is not configured'),
    ("failover ip address outside 1.2.3", "\tfailover ip address <ifname> <addr>\n"),
])
def test_bad_6x_failover_commands_change_nothing(cabled, line, answer):
    cabled.boot()
    term = cabled.enable("primary")
    before = cabled.units["primary"].system.running_config()
    assert answer in term.configure(line)
    assert cabled.units["primary"].system.running_config() == before


def test_cable_status_words(cabled):
    cabled.boot()
    primary, secondary = cabled.enable("primary"), cabled.enable("secondary")
    cabled.cable.secondary_end.plug(False)
    cabled.clock.advance(0.01)
    assert "Cable status: Other side is not connected" in primary.cmd("show failover")
    assert "Cable status: My side not connected" in secondary.cmd("show failover")
    cabled.cable.secondary_end.plug(True)
    cabled.clock.advance(5)
    assert "Cable status: Normal" in primary.cmd("show failover")
    cabled.units["secondary"].power_off()
    cabled.clock.advance(0.01)
    out = primary.cmd("show failover")
    assert "Cable status: Other side powered off" in out
    assert "Other host: Secondary - Standby (Failed)" in out


def test_the_standby_takes_over_in_6x_words(cabled):
    cabled.boot()
    cabled.units["primary"].power_off()
    cabled.clock.advance(0.01)
    assert cabled.machine("secondary").state == "Active"
    log = cabled.log("secondary")
    assert "%PIX-1-102001: (Secondary) Power failure/System reload other side." in log
    assert "%PIX-1-104001: (Secondary) Switching to ACTIVE (cause: HELLO not heard from mate)." in log
    cabled.units["primary"].power_on()
    cabled.clock.advance(30)
    assert cabled.machine("primary").state == "Standby Ready"      # no fail-back
    assert "(Primary) Switching to STNDBY (cause: Detected an Active mate)." in cabled.log("primary")


def test_failover_active_no_failover_active_and_write_standby_in_config_mode(cabled):
    cabled.boot()
    primary = cabled.enable("primary")
    primary.configure("no failover active")
    cabled.clock.advance(1)
    assert cabled.machine("secondary").state == "Active" and cabled.machine("primary").state == "Standby Ready"
    primary.configure("failover active")
    cabled.clock.advance(1)
    assert cabled.machine("primary").state == "Active"
    assert "Sync Completed" in primary.cmd("write standby")
    assert "Type help or '?'" in primary.cmd("failover active")          # a configuration command on 6.x


def test_a_failed_unit_retries_every_15_seconds_until_its_link_is_back(cabled):
    cabled.boot()
    inside = cabled.units["primary"].ports[1]
    inside.plug(False)
    cabled.clock.advance(1)
    assert cabled.machine("primary").state == "Failed"
    assert cabled.machine("secondary").state == "Active"
    cabled.clock.advance(31)
    log = cabled.log("primary")
    assert log.count("(Primary) Switching to OK.") == 2
    assert log.count("(Primary) Switching to FAILED.") == 3
    assert cabled.machine("primary").state == "Failed"
    term = cabled.enable("primary")
    assert "This host: Primary - Standby (Failed)" in term.cmd("show failover")
    inside.plug(True)
    cabled.clock.advance(20)
    assert cabled.machine("primary").state in ("Cold Standby", "Standby Ready")
    cabled.clock.advance(20)
    assert cabled.machine("primary").state == "Standby Ready"


@pytest.fixture
def lan(tmp_path, images):
    return pix6_pair(tmp_path, images, lan=True)


def test_lan_failover_pair_on_6x(lan):
    lan.boot()
    assert lan.machine("primary").state == "Active" and lan.machine("secondary").state == "Standby Ready"
    out = lan.enable("primary").cmd("show failover")
    assert "Cable status: N/A - LAN-based failover enabled" in out
    assert "LAN-based Failover is Active" in out
    assert "        interface failover (172.16.1.1): Normal, peer (172.16.1.2): Normal" in out
    assert "Interface failover" not in out                     # the failover link is not monitored
    config = lan.enable("primary").cmd("show running-config")
    assert "failover lan key ********" in config and "s3cret" not in config
    assert "failover lan unit primary\nfailover lan interface failover\n" in config
    assert "failover lan unit secondary" in lan.units["secondary"].system.running_config()


def test_lan_key_mismatch_on_6x(tmp_path, images):
    pair = pix6_pair(tmp_path, images, lan=True, secondary_key="other")
    pair.boot()
    assert "Failover message decryption failure" in pair.log("secondary")
    assert pair.machine("primary").state == "Active" and pair.machine("secondary").state == "Active"


def test_a_standalone_6x_unit_shows_failover_off(pix6):
    unit, term = pix6
    assert term.cmd("show failover") == ("Failover Off\nCable status: My side not connected\n"
                                         "Reconnect timeout 0:00:00\nPoll frequency 15 seconds\n")
    assert "no failover\nfailover timeout 0:00:00\nfailover poll 15\nno failover ip address outside\n" in \
        term.cmd("show running-config")


def test_without_a_failover_ip_address_the_interface_waits(tmp_path, images, monkeypatch):
    """004: "If no failover IP address has been entered, it displays 0.0.0.0 and monitoring of
    the interfaces remains in the waiting state"; the pair does not change roles."""
    monkeypatch.setattr(pairs, "PIX6_PRIMARY", PIX6_PRIMARY.replace("failover ip address outside 192.168.10.2\n", ""))
    pair = pix6_pair(tmp_path, images)
    pair.boot()
    pair.run(270)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    out = pair.enable("primary").cmd("show failover")
    assert "Interface outside (192.168.10.1): Normal (Waiting)" in out
    assert "Interface outside (0.0.0.0): Normal (Waiting)" in out
    assert "Interface inside (10.10.10.2): Normal" in out


def test_a_factory_secondary_on_the_cable_joins_and_takes_the_configuration(tmp_path, images, monkeypatch):
    """004: the secondary needs no configuration; when it boots, the active unit replicates its
    whole configuration over the cable."""
    monkeypatch.setattr(pairs, "PIX6_SECONDARY", "")
    pair = pix6_pair(tmp_path, images)
    pair.boot()
    pair.run(30)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    assert "Sync Completed" in pair.log("secondary")
    assert "ip address inside 10.10.10.1 255.255.255.0" in pair.units["secondary"].system.running_config()


def test_a_failover_only_primary_does_not_pair_with_an_unrestricted_secondary(tmp_path, images):
    """004: the primary must run the Unrestricted license, the secondary UR or FO."""
    from vpix.features.license import grants, keys

    pair = pix6_pair(tmp_path, images)
    for role, pak in (("primary", "PIX-515E-FO"), ("secondary", "PIX-515E-UR")):
        unit = pair.units[role]
        unit.flash.write_private("activation-key", (keys.encode(unit.identity.serial, grants.grant(pak)) + "\n").encode())
    pair.boot()
    pair.run(30)
    assert "Mate license not compatible" in pair.log("secondary") + pair.log("primary")
    assert "Standby Ready" not in (pair.machine("primary").state, pair.machine("secondary").state)
