"""Two units on one failover LAN link, in virtual time: election, bulk sync, command
replication, takeover, keys — through the same CLI a person would use."""

from __future__ import annotations

import re

import pytest

from helpers.failover import on_standby
from helpers.pairs import LAN_PRIMARY, add_startup, lan_pair, ping
from helpers.served import until

from vpix.failover.replication import SENDING, SENT
from vpix.features.failover.runtime import STANDBY_WARNING
from vpix.features.failover import FailoverConfig
from vpix.features.logging import Logging
from vpix.net.fabric import Port
from vpix.net.gateway import Gateway
from vpix.net.host import Host
from vpix.net.packets import ETH_ARP, Arp, Ethernet, ip_bytes, mac_bytes
from vpix.transfer import tftp
from vpix.transfer.tftp_server import TftpServer
from vpix.versions import Version

@pytest.fixture
def pair(tmp_path, images):
    return lan_pair(tmp_path, images)


def test_both_boot_primary_active_and_configuration_replicates(pair):
    pair.boot()
    pair.run(10)
    assert pair.machine("primary").state == "Active"
    assert pair.machine("secondary").state == "Standby Ready"
    primary_console = pair.units["primary"].console.text()
    secondary_console = pair.units["secondary"].console.text()
    assert SENDING in primary_console and SENT in primary_console
    assert ("Detected an Active mate\nBeginning configuration replication from mate.\n"
            "End configuration replication from mate.\n") in secondary_console
    # The standby kept its own unit line and took everything else from the active unit.
    secondary_config = pair.units["secondary"].system.running_config()
    assert "hostname pix" in secondary_config and "failover lan unit secondary" in secondary_config
    assert " ip address 192.168.1.1 255.255.255.0 standby 192.168.1.2" in secondary_config


def test_show_failover_on_both_units(pair):
    pair.boot()
    pair.run(20)                                       # interface hellos every 5 s
    out = pair.enable("primary").cmd("show failover")
    assert out.startswith("Failover On\nFailover unit Primary\nFailover LAN Interface: failover Ethernet3 (up)\n"
                          "Unit Poll frequency 1 seconds, holdtime 3 seconds\n")
    assert "Version: Ours 7.2(1), Mate 7.2(1)" in out
    assert "        This host: Primary - Active\n" in out
    assert "                  Interface inside (192.168.1.1): Normal\n" in out
    assert "        Other host: Secondary - Standby Ready\n" in out
    assert "                  Interface inside (192.168.1.2): Normal\n" in out
    other = pair.enable("secondary").cmd("show failover")
    assert "This host: Secondary - Standby Ready" in other and "Other host: Primary - Active" in other
    assert "Interface inside (192.168.1.2): Normal" in other.split("Other host")[0]


def test_command_replication_and_the_standby_warning(pair):
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.configure("hostname fw", "interface Ethernet2", " nameif dmz", " security-level 50")
    pair.run(0.1)
    standby_config = pair.units["secondary"].system.running_config()
    assert "hostname fw" in standby_config and " nameif dmz" in standby_config
    standby = pair.enable("secondary")
    assert STANDBY_WARNING in standby.configure("name 10.9.9.9 x")
    pair.run(0.1)
    assert "name 10.9.9.9 x" not in pair.units["primary"].system.running_config()


def test_active_power_off_standby_takes_over(pair):
    pair.boot()
    pair.run(10)
    pair.units["primary"].power_off()
    pair.run(2)
    assert pair.machine("secondary").state == "Standby Ready"
    pair.run(2)
    assert pair.machine("secondary").state == "Active"
    pair.units["primary"].power_on()
    pair.run(10)
    assert pair.machine("primary").state == "Standby Ready"      # no fail-back
    assert pair.machine("secondary").state == "Active"


def test_failover_active_and_no_failover_active_from_the_cli(pair):
    pair.boot()
    pair.run(10)
    standby = pair.enable("secondary")
    standby.cmd("failover active")
    pair.run(1)
    assert pair.machine("secondary").state == "Active" and pair.machine("primary").state == "Standby Ready"
    pair.enable("secondary").cmd("no failover active")
    pair.run(20)
    assert pair.machine("primary").state == "Active"
    # a planned switch replicates nothing: both already hold the same configuration
    for unit in pair.units.values():
        assert unit.console.text().count("Beginning configuration replication") <= 1


def test_key_mismatch_the_pair_does_not_form(tmp_path, images):
    pair = lan_pair(tmp_path, images, secondary_key="other")
    pair.boot()
    pair.run(10)
    assert pair.machine("primary").state == "Active" and pair.machine("secondary").state == "Active"
    assert "Failover message decryption failure. Please make sure both units have the same failover " \
           "shared key" in pair.units["secondary"].console.text()


def test_failover_syslogs_to_buffer_console_and_a_syslog_host(pair):
    """The new active unit's messages reach the syslog host on the inside segment, from the
    address it now holds there (`logging host inside …`, a port of the host's choosing)."""
    from ntc_templates.parse import parse_output

    heard = []
    pair.host.stack.udp_bind(5140, lambda data, source, port: heard.append((data.decode(), source)))
    pair.boot()
    pair.run(10)
    standby = pair.enable("secondary")
    standby.configure("logging enable", "logging timestamp", "logging buffered debugging",
                      "logging console critical", "logging trap alerts",
                      "logging host inside 192.168.1.50 udp/5140")
    assert "logging host inside 192.168.1.50 udp/5140" in pair.units["secondary"].system.running_config()
    pair.units["primary"].power_off()
    pair.run(5)
    out = standby.cmd("show logging")
    assert "Syslog logging: enabled" in out and "Buffer logging: level debugging" in out
    assert "%PIX-1-104001: (Secondary) Switching to ACTIVE - HELLO not heard from mate" in out
    assert "%PIX-1-104001: (Secondary) Switching to ACTIVE" in pair.units["secondary"].console.text()
    assert all(datagram.startswith("<161>") and "%PIX-1-" in datagram for datagram, _ in heard)
    assert any("%PIX-1-104001: (Secondary) Switching to ACTIVE" in datagram for datagram, _ in heard)
    assert heard[-1][1][0] == "192.168.1.1"          # from the active address, taken over
    rows = parse_output(platform="cisco_asa", command="show logging", data=out)
    assert any(r["mnemonic"] == "104001" and r["severity"] == "1" for r in rows)


def test_write_memory_saves_on_both_and_write_standby_resyncs(pair):
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.configure("hostname saved-pair")
    active.cmd("write memory")
    pair.run(0.1)
    assert "hostname saved-pair" in pair.units["secondary"].system.read_startup()
    # The standby drifts (a local command), `write standby` puts it back in line.
    standby = pair.enable("secondary")
    standby.configure("name 10.7.7.7 local-only")
    assert "name 10.7.7.7 local-only" in pair.units["secondary"].system.running_config()
    # the sync goes on after the prompt has come back, its messages as the console shows them
    assert active.cmd("write standby") == f"Building configuration...\n[OK]\nsaved-pair# {SENDING}\n{SENT}\n"
    pair.run(0.1)
    assert "name 10.7.7.7 local-only" not in pair.units["secondary"].system.running_config()
    assert "failover lan unit secondary" in pair.units["secondary"].system.running_config()


def _gratuitous(frames, address):
    """The MACs that announced ``address`` with gratuitous ARP."""
    found = []
    for frame in frames:
        eth = Ethernet.decode(frame)
        if eth.ethertype == ETH_ARP:
            arp = Arp.decode(eth.payload)
            if arp.sender_ip == arp.target_ip == ip_bytes(address):
                found.append(arp.sender_mac)
    return found


def test_takeover_keeps_the_active_address_and_mac_and_announces_them(pair):
    pair.boot()
    pair.run(10)
    primary_mac = mac_bytes(pair.units["primary"].identity.macs[1])
    secondary_mac = mac_bytes(pair.units["secondary"].identity.macs[1])
    assert ping(pair, "192.168.1.1") and ping(pair, "192.168.1.2")
    assert pair.host.stack.arp["192.168.1.1"] == primary_mac           # the active unit
    assert pair.host.stack.arp["192.168.1.2"] == secondary_mac         # the standby unit
    pair.sniffed.clear()
    pair.units["primary"].power_off()
    pair.run(4)
    assert pair.machine("secondary").state == "Active"
    assert _gratuitous(pair.sniffed, "192.168.1.1") == [primary_mac]   # the primary's MAC, now on the secondary
    assert ping(pair, "192.168.1.1")
    assert not ping(pair, "192.168.1.2")                              # nobody holds the standby address
    pair.units["primary"].power_on()
    pair.run(10)
    assert pair.machine("primary").state == "Standby Ready"
    assert ping(pair, "192.168.1.2") and pair.host.stack.arp["192.168.1.2"] == secondary_mac


def test_virtual_mac_addresses_follow_the_active_unit(pair):
    pair.boot()
    pair.run(10)
    pair.enable("primary").configure("failover mac address Ethernet1 0000.0c00.0a01 0000.0c00.0a02")
    pair.run(1)
    assert ping(pair, "192.168.1.1") and ping(pair, "192.168.1.2")
    assert pair.host.stack.arp["192.168.1.1"] == mac_bytes("0000.0c00.0a01")
    assert pair.host.stack.arp["192.168.1.2"] == mac_bytes("0000.0c00.0a02")
    pair.sniffed.clear()
    pair.enable("secondary").cmd("failover active")
    pair.run(1)
    assert _gratuitous(pair.sniffed, "192.168.1.1") == [mac_bytes("0000.0c00.0a01")]
    assert ping(pair, "192.168.1.1") and ping(pair, "192.168.1.2")


def _status_lines(out, host):
    """`Interface NAME (ADDRESS): STATUS` lines under This host / Other host."""
    part = out.split(f"{host} host:")[1].split("host:")[0]
    return [line.strip() for line in part.splitlines() if line.strip().startswith("Interface ")]


def test_interface_hellos_make_monitored_interfaces_normal(pair):
    pair.boot()
    pair.run(40)
    out = pair.enable("primary").cmd("show failover")
    assert _status_lines(out, "This") == ["Interface outside (172.16.1.1): Normal (Waiting)",
                                          "Interface inside (192.168.1.1): Normal"]
    assert _status_lines(out, "Other") == ["Interface outside (172.16.1.2): Normal (Waiting)",
                                           "Interface inside (192.168.1.2): Normal"]


def test_active_loses_its_inside_link_and_the_standby_takes_over(pair):
    pair.boot()
    pair.run(40)
    pair.units["primary"].ports[1].plug(False)
    pair.run(2)
    assert pair.machine("primary").state == "Failed"
    assert pair.machine("secondary").state == "Active"
    out = pair.enable("secondary").cmd("show failover")
    assert "Other host: Primary - Failed" in out
    assert "Interface inside (192.168.1.2): Link Down" in out.split("Other host")[1]
    assert pair.machine("primary").history[-1].reason == "Interface check"
    assert pair.machine("secondary").history[-1].reason == "Interface check"
    pair.units["primary"].ports[1].plug(True)        # the cable is back: the primary stands by again
    pair.run(60)
    assert pair.machine("primary").state == "Standby Ready"
    assert pair.machine("secondary").state == "Active"


def test_the_unit_that_still_hears_traffic_wins(pair):
    pair.boot()
    for role in pair.units:
        pair.enable(role).configure("logging enable", "logging buffered debugging")
    pair.run(40)
    assert ping(pair, "192.168.1.1")                # the active unit has the host in its ARP cache
    pair.inside.detach(pair.units["secondary"].ports[1])   # the standby's switch port goes dead, link up
    pair.run(30)
    assert pair.machine("secondary").state == "Failed"
    assert pair.machine("primary").state == "Active"
    log = pair.enable("secondary").cmd("show logging")
    assert "%PIX-1-105008: (Secondary) Testing Interface inside" in log
    assert "%PIX-1-105009: (Secondary) Testing on interface inside Failed" in log
    assert "%PIX-1-104003: (Secondary) Switching to FAILED." in log
    assert "%PIX-1-105009: (Primary) Testing on interface inside Passed" in pair.enable("primary").cmd("show logging")


def test_show_failover_state_interface_monitor_interface_and_history(pair):
    pair.boot()
    pair.run(40)
    active = pair.enable("primary")
    assert active.cmd("show monitor-interface").splitlines() == [           # 001's layouts
        "This host: Primary - Active",
        "  Interface outside (172.16.1.1): Normal (Waiting)",
        "  Interface inside (192.168.1.1): Normal",
        "Other host: Secondary - Standby Ready",
        "  Interface outside (172.16.1.2): Normal (Waiting)",
        "  Interface inside (192.168.1.2): Normal"]
    assert active.cmd("show failover interface").splitlines() == [
        "      interface failover Ethernet3",
        "          System IP Address: 10.1.0.1 255.255.255.0",
        "          My IP Address      : 10.1.0.1",
        "          Other IP Address   : 10.1.0.2"]
    assert active.cmd("show failover state").splitlines() == [      # 001's layout on 7.2
        "====My State====", "Primary | Active |", "====Other State====", "Secondary | Standby |",
        "====Configuration State====", "      Sync Done", "====Communication State====", "      Mac set",
        "=====Failed Reason=====", "My Fail Reason:", "Other Fail Reason:"]
    assert "      Sync Done - STANDBY" in pair.enable("secondary").cmd("show failover state").splitlines()
    pair.units["secondary"].power_off()
    pair.run(5)
    state = active.cmd("show failover state").splitlines()
    assert state[-2:] == ["Other Fail Reason:", "      Comm Failure"]
    history = active.cmd("show failover history").splitlines()
    stamps = [line for line in history if re.fullmatch(r"\d\d:\d\d:\d\d UTC \w{3} \d{1,2} \d{4}", line)]
    assert len(stamps) == len(pair.machine("primary").history)


def test_a_failover_only_unit_in_a_pair_does_not_reload_daily_but_alone_it_does(pair, monkeypatch):
    from vpix.features import license
    from vpix.features.license import grants, keys

    monkeypatch.setattr(license, "STANDALONE_REBOOT", 600)     # a day is 600 s here
    secondary = pair.units["secondary"]
    key = keys.encode(secondary.identity.serial, grants.grant("3DES-AES", grants.grant("PIX-515E-FO")))
    secondary.flash.write_private("activation-key", (key + "\n").encode())
    pair.boot()
    pair.run(10)
    assert "It will reload every 24 hours" not in secondary.console.text()   # failover is configured
    boots = secondary.boot_count
    pair.run(1900)                                     # three daily checks, in a pair
    assert secondary.boot_count == boots and pair.machine("secondary").state == "Standby Ready"
    pair.units["primary"].power_off()                  # the pair is broken: the FO unit is alone
    pair.run(600)
    assert secondary.boot_count == boots + 1


def test_prompt_hostname_priority_state_follows_the_role(pair):
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.configure("prompt hostname priority state")
    pair.run(0.1)
    assert pair.units["primary"].console_session.prompt() == "pix/pri/act# "
    pair.enable("secondary")
    assert pair.units["secondary"].console_session.prompt() == "pix/sec/stby# "
    pair.enable("secondary").cmd("failover active")
    pair.run(1)
    assert pair.units["secondary"].console_session.prompt() == "pix/sec/act# "
    assert pair.units["primary"].console_session.prompt() == "pix/pri/stby# "
    assert "prompt hostname priority state" in pair.units["secondary"].system.running_config()
    assert "Invalid input" in active.configure("prompt hostname colour")


def test_failover_exec_is_not_in_releases_before_8_0_2(pair):
    pair.boot()
    pair.run(10)
    out = pair.enable("primary").cmd("failover exec mate show version")
    assert "% Invalid input detected at '^' marker." in out


def test_failover_exec_runs_on_the_chosen_unit(tmp_path, images):
    pair = lan_pair(tmp_path, images, image="pix-8.0(4)")
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.cmd("terminal pager 0")                # the mate's output is paged here like any other

    def run(term, line):
        out = term.type(line + "\n")
        pair.run(0.1)
        return out + term.read()

    out = run(active, "failover exec mate show failover")
    assert "This host: Secondary - Standby Ready" in out
    out = run(active, "failover exec active show failover")
    assert "This host: Primary - Active" in out
    out = run(active, "failover exec mate show version | include Hardware")
    body = out.split("\n", 1)[1].rsplit("\n", 1)[0]        # between the echoed line and the prompt
    assert body == "Hardware:   PIX-515E, 128 MB RAM, CPU Pentium II 433 MHz", out
    # a mode entered through failover exec holds for the next one, as on the device
    run(active, "failover exec standby configure terminal")
    run(active, "failover exec standby hostname other")
    pair.run(0.1)
    assert "hostname other" in pair.units["secondary"].system.running_config()
    assert "hostname pix" in pair.units["primary"].system.running_config()
    out = run(active, "failover exec mate show running-config")
    assert "hostname other" in out and out.count("\n") > 40
    pair.units["secondary"].power_off()
    pair.run(5)
    out = run(active, "failover exec mate show version")
    pair.run(11)
    assert "no response from mate" in out + active.read()


def test_failover_reload_standby(pair):
    pair.boot()
    pair.run(10)
    boots = pair.units["secondary"].boot_count
    assert on_standby(pair.enable("secondary").cmd("failover reload-standby")) == \
        "ERROR: This command can only be issued on the active unit\n"
    pair.enable("primary").cmd("failover reload-standby")
    pair.run(0.5)
    assert pair.units["secondary"].boot_count == boots + 1
    pair.run(10)
    assert pair.machine("secondary").state == "Standby Ready"


def _image(tmp_path, version):
    from vpix.image import format as image_format

    path = tmp_path / f"pix{version.replace('.', '').replace('(', '').replace(')', '')}.bin"
    image_format.build(path, version, "pix", size_mb=0.1)
    return path


def _logged(pair, role):
    return pair.units[role].console.text()


def _with_console_logging(pair):
    for role in ("primary", "secondary"):
        add_startup(pair, role, "logging enable\nlogging console debugging\n")


@pytest.mark.parametrize("version, pairs, message", [
    ("7.2(2)", True, "%PIX-1-103007: (Secondary) Mate version 7.2(1) is not identical with ours 7.2(2)"),
    ("7.1(2)", False, "%PIX-1-103006: (Secondary) Mate version 7.2(1) is not compatible with ours 7.1(2)"),
])
def test_pair_versions_same_train_pairs_other_train_fails(tmp_path, images, version, pairs, message):
    pair = lan_pair(tmp_path, images, secondary_image=_image(tmp_path, version))
    _with_console_logging(pair)
    pair.boot()
    pair.run(20)
    assert message in _logged(pair, "secondary")
    assert pair.machine("primary").state == "Active"
    assert pair.machine("secondary").state == ("Standby Ready" if pairs else "Failed")
    if not pairs:
        assert pair.machine("secondary").history[-1].reason == "Configuration mismatch"
        assert "hostname pix" not in pair.units["secondary"].system.running_config()   # never synced


def test_two_failover_only_licenses_do_not_pair(tmp_path, images):
    from vpix.features.license import grants, keys

    pair = lan_pair(tmp_path, images)
    _with_console_logging(pair)
    for unit in pair.units.values():
        key = keys.encode(unit.identity.serial, grants.grant("PIX-515E-FO"))
        unit.flash.write_private("activation-key", (key + "\n").encode())
    pair.boot()
    pair.run(20)
    assert "(Secondary) Mate license not compatible" in _logged(pair, "secondary")
    assert pair.machine("secondary").state == "Failed" and pair.machine("primary").state == "Active"


def test_a_des_only_mate_of_a_3des_unit_does_not_pair(tmp_path, images):
    from vpix.features.license import grants, keys

    pair = lan_pair(tmp_path, images)
    _with_console_logging(pair)
    secondary = pair.units["secondary"]
    key = keys.encode(secondary.identity.serial, grants.grant("PIX-515E-UR"))      # DES only
    secondary.flash.write_private("activation-key", (key + "\n").encode())
    pair.boot()
    pair.run(20)
    assert "(Secondary) Mate license not compatible" in _logged(pair, "secondary")
    assert pair.machine("secondary").state == "Failed" and pair.machine("primary").state == "Active"


def test_a_different_chassis_does_not_pair(tmp_path, images):
    pair = lan_pair(tmp_path, images, secondary_platform="PIX-525")
    _with_console_logging(pair)
    pair.boot()
    pair.run(20)
    log = _logged(pair, "secondary")
    assert "%PIX-1-105046: (Secondary) Mate has a different chassis" in log
    assert "%PIX-1-105038: (Secondary) Interface count mismatch" in log
    assert pair.machine("secondary").state == "Failed"


def test_zero_downtime_upgrade_of_the_pair(pair, tmp_path):
    """The rehearsal in a lab: the image comes from a TFTP host on the inside segment (the
    standby fetches it too, from its standby address), then `boot system` and a reload of
    each unit in turn."""
    new = _image(tmp_path, "7.2(2)")
    server = Host("tftp", mac_bytes("0050.5600.0005"), "192.168.1.5", pair.clock)
    server.plug(pair.inside)
    server.serve_tftp(tmp_path)
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    said = active.type(f"copy /noconfirm tftp://192.168.1.5/{new.name} flash:\n")
    pair.run(5)
    assert "bytes copied in" in said + active.read()
    assert [unit.flash.read(new.name) for unit in pair.units.values()] == [new.read_bytes()] * 2
    active.configure(f"boot system flash:/{new.name}")
    active.cmd("write memory")
    pair.run(1)
    assert f"boot system flash:/{new.name}" in pair.units["secondary"].flash.read_private("startup-config").decode()
    active.cmd("failover reload-standby")
    pair.run(15)
    assert pair.units["secondary"].system.version == Version.parse("7.2(2)")
    assert pair.machine("secondary").state == "Standby Ready"
    assert "Mate 7.2(2)" in active.cmd("show failover")
    active.cmd("no failover active")
    pair.run(1)
    assert pair.machine("secondary").state == "Active"
    new_active = pair.enable("secondary")
    new_active.cmd("failover reload-standby")
    pair.run(15)
    assert pair.units["primary"].system.version == Version.parse("7.2(2)")
    assert pair.machine("primary").state == "Standby Ready" and pair.machine("secondary").state == "Active"
    assert "Version: Ours 7.2(2), Mate 7.2(2)" in new_active.cmd("show failover")


def test_failover_during_bulk_sync_leaves_a_partial_configuration_and_write_standby_recovers(pair, monkeypatch):
    from vpix.features.failover.runtime import FailoverRuntime

    add_startup(pair, "primary", "".join(f"name 10.7.{i // 250}.{i % 250 + 1} bulk{i}\n" for i in range(1500)))
    pair.boot("primary")
    pair.run(5)
    secondary = pair.units["secondary"]
    apply = FailoverRuntime._apply

    def apply_then_take_over(runtime, action):          # the operator types `failover active` mid-sync
        apply(runtime, action)
        if runtime.system.unit is secondary and not runtime.machine.active:
            runtime.operate("command_active")
    monkeypatch.setattr(FailoverRuntime, "_apply", apply_then_take_over)
    secondary.power_on()
    pair.run(5)
    monkeypatch.undo()
    assert pair.machine("secondary").state == "Active" and pair.machine("primary").state == "Standby Ready"
    names = lambda role: sum(1 for line in pair.units[role].system.running_config() if " bulk" in line)
    assert 0 < names("secondary") < 1500                    # the new active unit: partial
    assert names("primary") == 1500                          # the primary keeps its own
    # The seed's recovery: force the primary back to active, then write standby.
    active = pair.enable("primary")
    active.cmd("failover active")
    pair.run(1)
    assert pair.machine("primary").state == "Active"
    active.cmd("write standby")
    pair.run(1)
    assert names("secondary") == 1500


def test_debug_fover_prints_to_the_session_that_asked(pair):
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.cmd("debug fover rx")
    active.cmd("debug fover switch")
    assert active.cmd("show debug") == "debug fover status rx\ndebug fover status switch\n"
    active.read()
    pair.run(2.5)
    assert "fover_rx: hello Secondary Standby Ready\n" in active.read()
    pair.enable("secondary").cmd("failover active")
    pair.run(1)
    out = active.read()
    assert "fover_rx: order standby (Set by the config command)\n" in out
    assert "fover_switch: Standby (Set by the config command)\n" in out
    active.cmd("undebug all")
    assert on_standby(active.cmd("show debug")) == ""              # it stands by now
    pair.run(3)
    assert "fover_" not in active.read()


def test_a_link_change_reaches_the_interface_watch_once(pair):
    pair.boot()
    pair.run(10)
    active = pair.enable("primary")
    active.configure("logging enable", "logging buffered debugging", "no monitor-interface inside",
                     "monitor-interface inside")
    unit = pair.units["primary"]
    unit.reload()                                   # a new runtime on the same ports
    pair.run(30)
    active = pair.enable("secondary")               # the secondary is active now
    pair.units["secondary"].ports[1].plug(False)
    pair.units["secondary"].ports[1].plug(True)
    pair.run(0.1)
    assert active.cmd("show logging").count("Monitoring on interface inside waiting") == 1
    assert sum(len(port.link_listeners) for port in pair.units["secondary"].ports) <= 2 + 1


async def test_a_download_on_the_active_unit_is_fetched_by_the_standby_too(pair, tmp_path, monkeypatch):
    """`copy tftp://… flash:` is a file command: the standby runs it too, from the same server."""
    root = tmp_path / "tftproot"
    root.mkdir()
    (root / "notes.txt").write_bytes(b"replicated\n" * 500)
    server = TftpServer(root)
    monkeypatch.setattr(tftp, "TFTP_PORT", await server.start())
    gateway = Gateway("gateway", mac_bytes("0050.56ff.0001"), "192.168.1.254", pair.clock)
    gateway.plug(pair.inside)
    try:
        pair.boot()
        pair.run(10)
        pair.enable("primary").type("copy /noconfirm tftp://192.168.1.254/notes.txt flash:/notes.txt\n")
        flashes = [unit.flash for unit in pair.units.values()]
        await until(pair.clock, lambda: all(flash.exists("notes.txt") for flash in flashes))
        assert [flash.read("notes.txt") for flash in flashes] == [(root / "notes.txt").read_bytes()] * 2
    finally:
        server.close()


def test_frames_replayed_after_both_units_rebooted_change_nothing(tmp_path, images):
    pair = lan_pair(tmp_path, images, image="pix-8.0(4)")          # (8.0 has failover exec)
    captured: list[bytes] = []
    pair.link.attach(Port(bytes(6), captured.append))
    pair.boot()
    pair.run(10)
    pair.enable("primary").configure("hostname renamed")
    pair.terms["primary"].cmd("failover exec mate show version")
    pair.run(2)
    assert "hostname renamed" in pair.units["secondary"].system.running_config()
    for unit in pair.units.values():
        unit.power_off()
    pair.boot()
    pair.run(10)
    assert "hostname pix" in pair.units["secondary"].system.running_config()
    replayer = Port(bytes.fromhex("005056000077"), lambda frame: None)
    pair.link.attach(replayer)
    for frame in captured:
        replayer.send(frame)
    pair.run(2)
    assert "hostname pix" in pair.units["secondary"].system.running_config()
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    runtime = pair.units["secondary"].system.feature(FailoverConfig).runtime
    assert runtime.endpoint.dropped["replayed"] > 0


def test_the_survivor_of_a_unit_failure_waits_and_stays_active(pair):
    """001's table: the active unit fails; the standby becomes active and marks the mate failed.
    With nobody to compare with, its interfaces wait (Normal (Waiting)) and are never tested
    into Failed, however long it stays alone."""
    pair.boot()
    pair.run(40)
    pair.units["primary"].power_off()
    pair.run(300)
    assert pair.machine("secondary").state == "Active"
    assert [c.new for c in pair.machine("secondary").history if c.new == "Failed"] == []
    out = pair.enable("secondary").cmd("show failover")
    assert "Other host: Primary - Failed" in out
    assert _status_lines(out, "This") == ["Interface outside (172.16.1.1): Normal (Waiting)",
                                          "Interface inside (192.168.1.1): Normal (Waiting)"]
    assert _status_lines(out, "Other") == ["Interface outside (172.16.1.2): Normal (Waiting)",
                                           "Interface inside (192.168.1.2): Normal (Waiting)"]
    pair.boot("primary")                                # the failed unit comes back and stands by
    pair.run(60)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Standby Ready", "Active")


def test_an_interface_without_a_standby_address_waits_and_never_fails_the_active_over(tmp_path, images,
                                                                                       monkeypatch):
    """001: with no failover IP address, `show failover` displays 0.0.0.0 and monitoring of the
    interface stays in the waiting state."""
    from helpers import pairs

    monkeypatch.setattr(pairs, "LAN_PRIMARY", LAN_PRIMARY.replace("255.255.0.0 standby 172.16.1.2", "255.255.0.0"))
    pair = lan_pair(tmp_path, images)
    pair.boot()
    pair.run(300)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    assert [c for c in pair.machine("primary").history if c.new == "Failed"] == []
    out = pair.enable("primary").cmd("show failover")
    assert _status_lines(out, "This")[0] == "Interface outside (172.16.1.1): Normal (Waiting)"
    assert _status_lines(out, "Other")[0] == "Interface outside (0.0.0.0): Normal (Waiting)"
    assert _status_lines(out, "Other")[1] == "Interface inside (192.168.1.2): Normal"


def test_the_shared_key_remedy_pairs_the_units_without_a_reload(tmp_path, images):
    """001: "remove the failover key, and configure the new shared key"."""
    pair = lan_pair(tmp_path, images, secondary_key="other")
    pair.boot()
    pair.run(10)
    assert pair.machine("secondary").state == "Active"                 # no pair: both active
    pair.enable("secondary").configure("no failover key", "failover key k3y")
    pair.run(20)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    assert pair.units["secondary"].console.text().count("Failover message decryption failure") == 1


def test_a_new_key_on_the_active_unit_takes_effect_on_both(pair):
    pair.boot()
    pair.run(10)
    pair.enable("primary").configure("failover key n3w-key")
    pair.run(5)
    pair.terms["primary"].configure("hostname after-the-key")
    pair.run(5)
    assert "failover key n3w-key" in pair.units["secondary"].system.running_config()
    assert "hostname after-the-key" in pair.units["secondary"].system.running_config()
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Active", "Standby Ready")
    dropped = pair.units["secondary"].system.feature(FailoverConfig).runtime.endpoint.dropped
    assert dropped["decryption"] == 0


def _has(pair, role: str, line: str) -> bool:
    return line in pair.units[role].system.running_config()


def test_a_role_change_copies_no_configuration(pair):
    """001: an edit on the standby stays there; switching roles copies nothing either way,
    until `write standby` (or a bulk sync at a reload) puts the active's configuration back."""
    pair.boot()
    pair.run(10)
    pair.enable("secondary").configure("name 10.9.9.9 standby-only")
    pair.enable("primary").cmd("no failover active")
    pair.run(60)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Standby Ready", "Active")
    assert not _has(pair, "primary", "name 10.9.9.9 standby-only") and _has(pair, "secondary", "name 10.9.9.9 standby-only")
    pair.terms["primary"].cmd("failover active")
    pair.run(60)
    assert pair.machine("primary").state == "Active"
    assert not _has(pair, "primary", "name 10.9.9.9 standby-only") and _has(pair, "secondary", "name 10.9.9.9 standby-only")
    for unit in pair.units.values():
        assert unit.console.text().count("Beginning configuration replication") == 1
    pair.terms["primary"].cmd("write standby")
    pair.run(5)
    assert not _has(pair, "secondary", "name 10.9.9.9 standby-only")


def test_failover_reset_fails_again_while_the_failure_lasts(pair):
    """004: `failover reset` puts a failed unit back to standby; if the transition triggers a
    failure, the unit fails again. With the cause gone it stands by."""
    pair.boot()
    pair.run(40)
    pair.units["primary"].ports[1].plug(False)
    pair.run(5)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Failed", "Active")
    term = pair.enable("primary")
    term.configure("logging enable", "logging buffered debugging")
    term.cmd("failover reset")
    pair.run(10)
    assert pair.machine("primary").state == "Failed"
    log = term.cmd("show logging")
    assert log.index("Switching to OK.") < log.rindex("Switching to FAILED.")
    pair.units["primary"].ports[1].plug(True)
    pair.run(60)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Standby Ready", "Active")


def test_show_failover_says_what_it_does_not_know_yet(pair):
    """A mate not detected: `Mate Unknown`. A unit that has never been active still says when
    it took its role (001's standby: `Last Failover at:`)."""
    pair.boot("primary")
    pair.run(20)
    assert "Version: Ours 7.2(1), Mate Unknown" in pair.enable("primary").cmd("show failover")
    pair.boot("secondary")
    pair.run(20)
    out = pair.enable("secondary").cmd("show failover")
    assert "Version: Ours 7.2(1), Mate 7.2(1)" in out
    assert re.search(r"\nLast Failover at: \d\d:\d\d:\d\d UTC \w{3} \d{1,2} \d{4}\n        This host: Secondary - "
                     r"Standby Ready", out)


def test_an_asa_without_failover_has_no_serial_cable(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-8.0(4)")
    term.cmd("enable")
    term.cmd("")
    out = term.cmd("show failover")
    assert out.startswith("Failover Off\nFailover unit Primary\nFailover LAN Interface: not Configured\n")
    assert "Serial-based" not in out and "Cable status" not in out
    state = term.cmd("show failover state").splitlines()
    assert state[1] == "               State          Last Failure Reason      Date/Time"     # the 8.0 layout


def test_the_standby_shows_the_join_as_001_does_and_warns_on_every_command(pair):
    pair.boot("primary")
    pair.run(10)
    pair.boot("secondary")
    pair.run(20)
    console = pair.units["secondary"].console.text()
    assert ("pixfirewall> .\n\nDetected an Active mate\nBeginning configuration replication from mate.\n"
            "End configuration replication from mate.\n\npix> ") in console
    term = pair.enable("secondary")
    assert on_standby(term.cmd("show version")).startswith("\nCisco PIX Security Appliance Software Version")
    assert "WARNING" not in pair.enable("primary").cmd("show version")


def test_after_an_interface_failover_the_units_wait_and_the_failed_interface_shows_it(pair):
    """004 Example 3: the active unit's inside stops hearing anything; the mate takes over and
    both are back in waiting mode, the failed interface Failed (Waiting)."""
    pair.boot()
    pair.run(40)
    assert ping(pair, "192.168.1.2")               # the standby knows the host: it will hear it
    pair.inside.detach(pair.units["primary"].ports[1])      # the active's switch port goes dead, link up
    pair.run(30)
    assert (pair.machine("primary").state, pair.machine("secondary").state) == ("Failed", "Active")
    out = pair.enable("primary").cmd("show failover")
    assert _status_lines(out, "This") == ["Interface outside (172.16.1.2): Normal (Waiting)",
                                          "Interface inside (192.168.1.2): Failed (Waiting)"]
    assert _status_lines(out, "Other") == ["Interface outside (172.16.1.1): Normal (Waiting)",
                                           "Interface inside (192.168.1.1): Normal (Waiting)"]


async def test_ssh_reaches_each_unit_of_the_pair_at_its_own_address(pair):
    """As on the device: the active unit answers on the active address, the standby unit on
    its standby address, each with its own `show failover` view."""
    from helpers.emulated import ssh_from

    from vpix.mgmt.doors import Door
    from vpix.mgmt.ssh import serve_ssh

    for unit in pair.units.values():
        door = Door("ssh", unit)
        door.on_interfaces(lambda sock, station, space, unit=unit, door=door: serve_ssh(unit, door, sock, station,
                                                                                         space))
    pair.boot()
    pair.run(10)
    pair.enable("primary").configure("username admin password admin privilege 15",
                                     "aaa authentication ssh console LOCAL", "ssh 192.168.1.0 255.255.255.0 inside")
    pair.run(1)
    active = await ssh_from(pair.host, "192.168.1.1", pair.clock, "show failover")
    standby = await ssh_from(pair.host, "192.168.1.2", pair.clock, "show failover")
    assert "This host: Primary - Active" in active
    assert "This host: Secondary - Standby Ready" in standby


async def test_a_big_bulk_sync_in_real_time_keeps_every_timer_going(tmp_path, images):
    """A 50,000-line configuration to a booting standby at 200/800 ms, in real time: the sync
    goes out a chunk at a time, so both units keep hearing each other's hellos throughout. The
    standby comes to Standby Ready once, with every line, and stays; nobody logs 103001 and
    the active unit syncs once."""
    import asyncio

    from vpix.clock import LoopClock

    pair = lan_pair(tmp_path, images, clock=LoopClock())
    fast = "failover polltime unit msec 200 holdtime msec 800\nlogging enable\nlogging buffered debugging\n"
    add_startup(pair, "primary", "".join(f"name 10.8.{i // 250 % 250}.{i % 250 + 1} n{i}\n" for i in range(50_000)))
    for role in ("primary", "secondary"):
        add_startup(pair, role, fast)
    loop = asyncio.get_running_loop()

    async def wait_for(condition, limit: float = 60.0) -> None:
        deadline = loop.time() + limit
        while not condition():
            assert loop.time() < deadline, "never happened"
            await asyncio.sleep(0.01)

    def runtime(role):
        system = pair.units[role].system
        return system.feature(FailoverConfig).runtime if system is not None else None

    pair.units["primary"].power_on()
    await wait_for(lambda: runtime("primary") is not None and runtime("primary").machine.state == "Active")
    pair.units["secondary"].power_on()
    await wait_for(lambda: runtime("secondary") is not None and runtime("secondary").machine.state == "Standby Ready")
    heard = runtime("primary").machine.heard_at
    await wait_for(lambda: runtime("primary").machine.heard_at > heard + 2.0)      # ten hellos on, still so
    assert [change.new for change in runtime("secondary").machine.history] == \
        ["Negotiation", "Cold Standby", "Standby Ready"]
    assert runtime("primary").machine.state == "Active"
    for role in ("primary", "secondary"):
        assert "103001" not in "\n".join(pair.units[role].system.feature(Logging).buffer)
    assert pair.units["primary"].console.text().count(SENDING) == 1
    names = [line for line in pair.units["secondary"].system.running_config() if line.startswith("name 10.8.")]
    assert len(names) == 50_000
    for unit in pair.units.values():
        unit.power_off()
