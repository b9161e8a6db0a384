"""Failover configuration commands (7.x), as the seed's configuration writes them."""

from __future__ import annotations

import pytest

from vpix.features.failover import FailoverConfig
from vpix.features.license import grants, keys

SEED = [
    "interface Ethernet2", " no shutdown", "interface Ethernet3", " no shutdown",
    "failover lan unit primary",
    "failover lan interface failover Ethernet3",
    "failover lan enable",
    "failover key s3cret",
    "failover link state Ethernet2",
    "failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2",
    "failover interface ip state 10.0.0.1 255.0.0.0 standby 10.0.0.2",
    "failover",
]


def test_the_seed_configuration(pix7):
    unit, term = pix7
    assert term.configure(*SEED) == ""
    run = term.cmd("show running-config")
    assert ("failover\nfailover lan unit primary\nfailover lan interface failover Ethernet3\n"
            "failover lan enable\nfailover key *****\nfailover link state Ethernet2\n"
            "failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2\n"
            "failover interface ip state 10.0.0.1 255.0.0.0 standby 10.0.0.2\n") in run
    assert "interface Ethernet3\n description LAN Failover Interface\n nameif failover\n" in run
    assert "interface Ethernet2\n description STATE Failover Interface\n nameif state\n" in run
    assert "s3cret" not in run
    assert term.cmd("show running-config failover").startswith("failover\nfailover lan unit primary\n")


def test_default_is_no_failover(pix7):
    unit, term = pix7
    assert "\nno failover\n" in term.cmd("show running-config")


@pytest.mark.parametrize("line, error", [
    ("failover polltime unit 16", "Invalid input"),
    ("failover polltime unit msec 100", "Invalid input"),
    ("failover polltime unit 5 holdtime 10", "at least 3 times"),
    ("failover polltime unit msec 300 holdtime msec 800", "at least 3 times"),
    ("failover polltime interface 3 holdtime 10", "at least 5 times"),
    ("failover polltime interface msec 400", "Invalid input"),
    ("failover interface-policy 0", "Invalid input"),
    ("failover interface-policy 101%", "Invalid input"),
])
def test_polltime_and_policy_ranges(pix7, line, error):
    unit, term = pix7
    before = unit.system.running_config()
    assert error in term.configure(line)
    assert unit.system.running_config() == before


@pytest.mark.parametrize("line, shown", [
    ("failover polltime unit msec 200 holdtime msec 800", "failover polltime unit msec 200 holdtime msec 800"),
    ("failover polltime 1 holdtime 3", "failover polltime unit 1 holdtime 3"),
    ("failover polltime interface 3 holdtime 15", "failover polltime interface 3 holdtime 15"),
    ("failover interface-policy 50%", "failover interface-policy 50%"),
    ("failover mac address Ethernet0 0011.2233.4455 00:11:22:33:44:56",
     "failover mac address Ethernet0 0011.2233.4455 0011.2233.4456"),
    ("failover replication http", "failover replication http"),
])
def test_settings_render(pix7, line, shown):
    unit, term = pix7
    assert term.configure(line) == ""
    assert shown in term.cmd("show running-config failover")


def test_monitor_interface(pix7):
    unit, term = pix7
    term.configure("interface Ethernet1", " nameif inside", "no monitor-interface inside")
    assert "no monitor-interface inside" in term.cmd("show running-config")
    term.configure("monitor-interface inside")
    assert "monitor-interface" not in term.cmd("show running-config")
    assert "not configured" in term.configure("no monitor-interface nowhere")


def test_restricted_license_cannot_fail_over(boot):
    unit, term = boot()
    term.cmd("enable"); term.cmd("")
    term.cmd("activation-key " + keys.encode(unit.identity.serial, grants.grant("PIX-515E-R")))
    unit.reload()
    term.cmd("enable"); term.cmd("")
    assert "ERROR: Failover is not licensed" in term.configure("failover")
    assert "\nno failover\n" in term.cmd("show running-config")


def test_failover_config_survives_a_reload(pix7):
    unit, term = pix7
    term.configure(*SEED)
    before = unit.system.running_config()
    term.cmd("write memory")
    unit.reload()
    assert unit.system.running_config() == before


def test_the_key_is_hidden_but_saved(pix7):
    unit, term = pix7
    term.configure(*SEED)
    assert "failover key *****" in term.cmd("show running-config")
    term.cmd("write memory")
    assert "failover key s3cret" in unit.system.read_startup()
    unit.reload()
    term.cmd("enable"); term.cmd("")
    assert unit.system.feature(FailoverConfig).key == "s3cret"
    assert "failover key *****" in term.cmd("show startup-config")
    run = term.cmd("show running-config | include checksum")
    assert run.startswith("Cryptochecksum:") and run == term.cmd("show startup-config | include checksum")
