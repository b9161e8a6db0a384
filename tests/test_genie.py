"""Cisco's genie parsers (os asa) read vpix's output, for the commands whose layout on 7.x/8.0
genie's parsers share (genie follows later trains: its `show service-policy` wants 9.x's `lock
fail` counter, its `show failover` 8.2's reconnect timeout, its `show version` the Device Manager
line an ASDM image brings, its `show route` 9.x's legend; those are left out here); and unicon,
pyATS's connection library, drives a unit."""

from __future__ import annotations

import pytest
from genie.conf.base import Device

from traffic import Net

pytestmark = pytest.mark.clients


@pytest.fixture(scope="module")
def shown(tmp_path_factory, images):
    net = Net.asa(tmp_path_factory.mktemp("genie"), images)
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    return {command: net.term.cmd(command) for command in (
        "show inventory", "show interface ip brief", "show interface detail", "show arp", "show asp drop",
        "show nameif", "show resource usage", "show traffic")}


def parse(command: str, text: str) -> dict:
    device = Device("asa", os="asa")
    device.custom.setdefault("abstraction", {})["order"] = ["os"]
    return device.parse(command, output=text)


def test_inventory_and_names(shown):
    assert parse("show inventory", shown["show inventory"])["Chassis"]["pid"] == "ASA5510"
    named = parse("show nameif", shown["show nameif"])
    assert named["Ethernet0/1"] == {"interface": "Ethernet0/1", "name": "inside", "security_level": 100}


def test_interfaces(shown):
    brief = parse("show interface ip brief", shown["show interface ip brief"])["interfaces"]
    assert brief["Ethernet0/1"] == {"ipv4": {"192.168.1.1": {"ip": "192.168.1.1"}}, "check": "YES",
                                    "method": "CONFIG", "link_status": "up", "line_protocol": "up"}
    assert brief["Ethernet0/2"]["link_status"] == "administratively down"
    inside = parse("show interface detail", shown["show interface detail"])["interfaces"]["Ethernet0/1"]
    assert inside["name"] == "inside" and inside["interface_state"] is True and inside["config_status"] is True
    assert inside["ipv4"] == {"192.168.1.1": {"ip": "192.168.1.1"}} and inside["subnet"] == "255.255.255.0"
    assert inside["mtu"] == 1500 and inside["traffic_statistics"]["packets_input"] >= 1
    assert inside["control_point_states"]["interface"] == {"interface_number": 2,
                                                           "interface_config_status": "active",
                                                           "interface_state": "active"}


def test_arp_drops_and_resources(shown):
    arp = parse("show arp", shown["show arp"])
    assert "192.168.1.50" in arp["inside"]["ipv4"]["neighbors"]
    drops = parse("show asp drop", shown["show asp drop"])
    assert set(drops) <= {"frame_drop", "flow_drop", "last_clearing"}
    usage = parse("show resource usage", shown["show resource usage"])
    assert usage["context"]["System"]["resource"]["Conns"] == {"current": 1, "peak": 1, "limit": 130000,
                                                                "denied": 0}


def test_traffic(shown):
    traffic = parse("show traffic", shown["show traffic"])
    inside = traffic["inside"]
    assert inside["received"]["packets"] >= 1 and inside["packets_input_1_minute"] >= 0
    assert set(inside) >= {"bytes_input_5_minute", "packets_drop_rate_5_minute", "transmitted"}


def test_unicon_connects_over_ssh_executes_and_configures(tmp_path, images):
    """unicon (os=asa), as pyATS drives a device: OpenSSH with the train's options, the login,
    `enable` with its password, its own `terminal pager 0`, a command, then configuration lines
    applied and read back."""
    from unicon import Connection

    from helpers.legacy_ssh import OPENSSH
    from helpers.served import serve

    served = serve(tmp_path / "asa1", images["asa-8.0(4)"], "ASA5520", "asa1")
    try:
        ssh = " ".join(["ssh", *OPENSSH, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "-p", str(served.ports.ssh), "admin@127.0.0.1"])
        conn = Connection(hostname="asa1", start=[ssh], os="asa", log_stdout=False, connection_timeout=60,
                          credentials={"default": {"username": "admin", "password": "admin"},
                                       "enable": {"password": "cisco"}})
        conn.connect()
        try:
            assert "Cisco Adaptive Security Appliance Software Version 8.0(4)" in conn.execute("show version")
            conn.configure(["name 10.9.9.9 unicon-host", "access-list UNI extended permit ip any host unicon-host"])
            assert "name 10.9.9.9 unicon-host" in conn.execute("show running-config names")
            assert "access-list UNI extended permit ip any host unicon-host" in conn.execute(
                "show running-config access-list")
        finally:
            conn.disconnect()
        running = "\n".join(served.unit.system.running_config())
        assert "access-list UNI extended permit ip any host unicon-host" in running
    finally:
        served.stop()
