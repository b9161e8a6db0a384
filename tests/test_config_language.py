"""The configuration language of real 7.x/8.0 configurations: the commands vpix keeps and
shows (VPN, SNMP, NTP, DHCP server, DNS, ASDM …), those with behaviour (`same-security-traffic`,
`management-only`, `icmp permit|deny`), boot errors kept for `show startup-config errors`, and
a corpus of full configurations (tests/data/configs) that boot without a rejected line and come
back from `show running-config`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from ntc_templates.parse import parse_output

from conftest import Terminal, make_unit
from helpers.pairs import lan_pair
from traffic import Net

from vpix.features.device import Device
from vpix.net.packets import ACK, SYN

CORPUS = Path(__file__).parent / "data" / "configs"
CARET = "ERROR: % Invalid input detected at '^' marker."


@pytest.fixture
def asa(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-8.0(4)")
    term.cmd("enable")
    term.cmd("")
    return unit, term


def config_lines(term) -> list[str]:
    return term.cmd("show running-config").splitlines()


def test_kept_blocks_keep_their_lines_replace_by_key_and_go_with_no(asa):
    unit, term = asa
    out = term.configure("crypto isakmp policy 10", "authentication pre-share", "encryption aes", "hash sha",
                         "group 2", "lifetime 86400", "encryption 3des", "exit",
                         "snmp-server location lab rack 4", "snmp-server location lab rack 5",
                         "ssh version 1", "ssh ver 2",
                         "tunnel-group RA type remote-access", "tunnel-group RA ipsec-attributes",
                         "pre-shared-key s3cret", "exit")
    assert out == ""
    assert term.cmd("show running-config crypto isakmp") == (
        "crypto isakmp policy 10\n authentication pre-share\n encryption 3des\n hash sha\n group 2\n"
        " lifetime 86400\n")
    lines = config_lines(term)
    assert "snmp-server location lab rack 5" in lines and "snmp-server location lab rack 4" not in lines
    assert "ssh version 2" in lines and "ssh version 1" not in lines
    assert " pre-shared-key *" in lines                                     # shown masked
    assert "no snmp-server contact" in lines                                # unset: the device says so
    assert "pre-shared-key s3cret" in "".join(unit.system.running_config())   # saved as typed
    term.configure("no crypto isakmp policy 10", "no snmp-server location", "no ssh version")
    lines = config_lines(term)
    assert not any(line.startswith("crypto isakmp policy") or line.startswith(" encryption") for line in lines)
    assert "no snmp-server location" in lines and not any(line.startswith("ssh version") for line in lines)


@pytest.mark.parametrize("line", [
    "crypto isakmp policy 0", "ssh version 3", "snmp-server host inside notanaddress",
    "tunnel-group RA type sideways", "ntp server 10.1.1.300", "dhcpd lease 5",
    "http 10.0.0.0 255.0.255.0 inside", "group-policy G internal extra",
])
def test_a_malformed_kept_line_is_refused_and_changes_nothing(asa, line):
    unit, term = asa
    before = config_lines(term)
    out = term.configure(line)
    assert CARET in out or "ERROR: % Incomplete command" in out or line == "group-policy G internal extra", out
    if line != "group-policy G internal extra":
        assert config_lines(term) == before


def test_sub_mode_lines_are_refused_outside_their_mode(asa):
    unit, term = asa
    assert CARET in term.configure("encryption aes")
    assert CARET in term.configure("crypto isakmp policy 5", "hash sha256")


def test_startup_errors_are_kept_for_show_startup_config_errors(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-8.0(4)",
                      config="hostname edge\nfrobnicate the widgets please\nssh version 2\n"
                             "access-list A extended permit tcp any object-group NONE\n")
    assert CARET in unit.console.text()
    term.cmd("enable")
    term.cmd("")
    assert term.cmd("show startup-config errors") == (
        "^\n" + CARET + "\n"
        '*** Output from config line 2, "frobnicate the widgets p..."\n'
        "ERROR: specified object group <NONE> not found\n"
        '*** Output from config line 4, "access-list A extended p..."\n')
    assert "ssh version 2" in term.cmd("show running-config ssh")


def test_show_inventory_and_nameif_on_a_failover_link(asa):
    unit, term = asa
    rows = parse_output(platform="cisco_asa", command="show inventory", data=term.cmd("show inventory"))
    assert rows == [{"name": "Chassis", "descr": "ASA 5520 Adaptive Security Appliance", "pid": "ASA5520",
                     "vid": "V01", "sn": unit.identity.serial}]
    term.configure("failover lan interface folink GigabitEthernet0/3")
    out = term.cmd("show nameif")
    assert "folink" in out and "ERROR" not in out


def test_same_security_traffic_lets_equal_levels_talk(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("interface Ethernet0", "security-level 100", "exit")
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    assert net.received["server"] == []
    net.term.configure("same-security-traffic permit inter-interface")
    net.tcp(net.pc, "172.16.1.50", 40001, 80, SYN)
    assert [r[1].dport for r in net.received["server"]] == [80]
    assert "same-security-traffic permit inter-interface" in net.term.cmd("show running-config")


def test_a_management_only_interface_passes_nothing_through(tmp_path, images):
    net = Net.asa(tmp_path, images)
    net.term.configure("interface Ethernet0/1", "management-only", "exit")
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    assert net.received["server"] == []
    replies = []
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)               # the unit itself still answers
    net.run(1.5)
    assert replies == [True]
    assert " management-only" in net.term.cmd("show running-config interface Ethernet0/1")


def test_icmp_rules_decide_what_the_unit_answers(tmp_path, images):
    net = Net(tmp_path, images)

    def pings(host, address):
        replies = []
        host.stack.ping(address, 1, 1.0, replies.append)
        net.run(1.5)
        return replies

    assert pings(net.server, "172.16.1.1") == [True]
    net.term.configure("icmp deny host 172.16.1.50 echo outside", "icmp permit any outside")
    assert pings(net.server, "172.16.1.1") == [False]
    assert pings(net.pc, "192.168.1.1") == [True]                            # no rules there
    assert "ERROR: interface name \"dmz\" is not configured" in net.term.configure("icmp permit any dmz")
    net.term.configure("no icmp deny host 172.16.1.50 echo outside")
    assert pings(net.server, "172.16.1.1") == [True]
    assert "icmp permit any outside\n" in net.term.cmd("show running-config icmp")


@pytest.mark.parametrize("name, platform, image", [
    ("asa5520-edge-8.0.cfg", "ASA5520", "asa-8.0(4)"),
    ("pix515e-branch-7.2.cfg", "PIX-515E", "pix-7.2(1)"),
    ("asa5540-failover-8.0.cfg", "ASA5540", "asa-8.0(4)"),
])
def test_a_real_configuration_boots_whole_and_comes_back(tmp_path, images, name, platform, image):
    text = (CORPUS / name).read_text()
    assert len(text.splitlines()) >= 300
    unit = make_unit(tmp_path, images, platform=platform, image_key=image, config=text)
    term = Terminal(unit)
    unit.power_on()
    unit.clock.advance(0)
    assert unit.system.startup_answers == []
    term.cmd("enable")
    term.cmd("")
    shown = set(term.cmd("show running-config").splitlines())
    saved = set(unit.system.config_text())
    wanted = {line.rstrip() for line in text.splitlines()
              if line.strip() and not line.startswith((":", "!", "Cryptochecksum"))}
    masked = {line for line in wanted if line.startswith((" key ", " pre-shared-key ", "failover key "))}
    assert wanted - masked <= shown
    assert wanted <= saved


def test_show_commands_clients_ask_for_are_rendered_from_live_state(tmp_path, images):
    net = Net.asa(tmp_path, images)
    net.term.configure("name 192.168.1.50 pc description the inside PC", "ntp server 10.1.1.5 source inside",
                       "class-map inspection_default", "match default-inspection-traffic", "exit",
                       "policy-map global_policy", "class inspection_default", "inspect ftp", "exit", "exit",
                       "service-policy global_policy global")
    net.tcp(net.pc, "172.16.1.50", 40000, 21, SYN)
    assert net.term.cmd("show conn count") == "1 in use, 1 most used\n"
    usage = net.term.cmd("show resource usage").splitlines()
    assert usage[0].startswith("Resource") and any(
        line.split()[:3] == ["Conns", "1", "1"] and line.endswith(" System") for line in usage)
    detail = net.term.cmd("show conn detail").splitlines()
    assert detail[0] == "1 in use, 1 most used" and detail[1].startswith("Flags: A - awaiting inside ACK to SYN")
    assert detail[-1] == "TCP outside:172.16.1.50/21 inside:192.168.1.50/40000 flags saA"
    assert net.term.cmd("show names") == "name 192.168.1.50 pc description the inside PC\n"
    assert net.term.cmd("show running-config names") == "names\nname 192.168.1.50 pc description the inside PC\n"
    net.tcp(net.server, "192.168.1.50", 21, 40000, SYN | ACK)                # the engine sees the connection's next
    assert net.term.cmd("show service-policy") == (
        "Global policy: \n  Service-policy: global_policy\n    Class-map: inspection_default\n"
        "      Inspect: ftp, packet 1, drop 0, reset-drop 0\n")
    detail = net.term.cmd("show interface Ethernet0/1 detail")
    assert detail.startswith('Interface Ethernet0/1 "inside", is up, line protocol is up')
    assert detail.endswith("\tControl Point Interface States:\n\t\tInterface number is 2\n"
                           "\t\tInterface config status is active\n\t\tInterface state is active\n")
    traffic = net.term.cmd("show traffic")
    assert "inside:\n\treceived (in " in traffic and "\t\t1 packets\t" in traffic
    module = net.term.cmd("show module").splitlines()
    assert module[2].startswith("  0 ASA 5510 Adaptive Security Appliance") and module[-1].startswith("  0 Up Sys")
    assert "~10.1.1.5 " in net.term.cmd("show ntp associations")
    assert net.term.cmd("show ntp status").startswith("Clock is unsynchronized, stratum 16")
    assert net.term.cmd("show crypto isakmp sa") == "There are no isakmp sas\n"
    assert net.term.cmd("show crypto ipsec sa") == "There are no ipsec sas\n"
    assert CARET in net.term.cmd("show running-config frobnicate")


def test_the_time_zone_and_summer_time_move_every_clock_the_unit_shows(asa):
    unit, term = asa
    term.configure("clock timezone CET 1", "clock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00",
                   "logging enable", "logging timestamp", "logging buffered debugging")
    term.cmd("clock set 11:59:00 28 March 2026")                 # Saturday, winter time
    assert term.cmd("show clock") == "11:59:00.000 CET Sat Mar 28 2026\n"
    unit.clock.advance(24 * 3600)                                # the last Sunday of March has passed
    assert term.cmd("show clock") == "12:59:00.000 CEST Sun Mar 29 2026\n"
    term.configure("hostname tz")
    assert "Mar 29 2026 12:59:00" in term.cmd("show logging")
    assert "at 12:59:00.000 CEST Sun Mar 29 2026" in term.cmd("show version")
    assert term.cmd("show running-config clock") == (
        "clock timezone CET 1\nclock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00\n")
    for bad in ("clock timezone CET 25", "clock summer-time CEST recurring 9 Sun Mar 2:00 last Sun Oct 3:00",
                "clock summer-time CEST sometimes"):
        assert CARET in term.configure(bad), bad
    term.configure("no clock summer-time", "no clock timezone")
    assert term.cmd("show clock").endswith(" UTC Sun Mar 29 2026\n")


def test_logging_options_change_what_is_logged_and_where(tmp_path, images):
    net = Net(tmp_path, images)

    def heard() -> list[str]:
        said = [data.decode() for kind, data, _ in net.received["server"] if kind == "udp"]
        net.received["server"].clear()
        return said

    net.term.configure("logging trap debugging", "logging host outside 172.16.1.50 udp/5353",
                       "logging device-id string fw-east", "logging facility 16")
    heard()
    net.term.configure("hostname edge")
    net.run()
    assert "<133>fw-east : %PIX-5-111008: User 'enable_15' executed the 'hostname edge' command." in heard()
    net.term.configure("logging message 111008 level errors", "hostname edge2")
    net.run()
    assert "<131>fw-east : %PIX-3-111008: User 'enable_15' executed the 'hostname edge2' command." in heard()
    net.term.configure("no logging message 111008", "hostname edge3")
    net.run()
    assert not any("111008" in line for line in heard())
    shown = net.term.cmd("show logging")
    assert "    Facility: 16\n" in shown and "    Device ID: string fw-east\n" in shown
    assert ("logging device-id string fw-east\nlogging facility 16\n"
            "logging host outside 172.16.1.50 udp/5353\nno logging message 111008\n"
            "logging message 111008 level errors\n") in net.term.cmd("show running-config logging")
    net.term.configure("logging message 111008", "no logging device-id", "no logging facility")
    for n in range(120):                                      # far more than the buffer's 4096 bytes
        net.term.configure(f"name 10.9.{n}.1 host{n}")
    buffered = net.term.cmd("show logging").split("ASDM logging: disabled\n", 1)[1]
    assert len(buffered.encode()) <= 4096 and "host119" in buffered and "'name 10.9.0.1 host0'" not in buffered
    net.term.cmd("clear logging buffer")
    assert net.term.cmd("show logging").endswith("ASDM logging: disabled\n")


REPLICATED = ("object-group network WEB", " network-object host 192.168.1.50", " description the web", "exit",
              "time-range WORK", " periodic weekdays 8:00 to 18:00", "exit",
              "access-list OUT extended permit tcp any object-group WEB eq www time-range WORK log 3",
              "crypto isakmp policy 10", " authentication pre-share", " encryption aes", "exit",
              "snmp-server location rack 4", "ntp server 10.1.1.5 source inside",
              "clock timezone CET 1", "logging message 111008 level errors", "icmp permit any inside",
              "same-security-traffic permit inter-interface")


def test_every_new_command_replicates_to_the_standby_through_the_same_parser(tmp_path, images):
    pair = lan_pair(tmp_path, images)
    pair.boot()
    pair.run(10)
    assert pair.enable("primary").configure(*REPLICATED) == ""
    pair.run(0.1)
    active = pair.units["primary"].system.running_config()
    standby = pair.units["secondary"].system.running_config()
    kept = [line for line in active if line.split()[:1] and line.split()[0] in (
        "object-group", "time-range", "access-list", "crypto", "snmp-server", "ntp", "clock", "logging", "icmp",
        "same-security-traffic") or line.startswith((" network-object", " description the", " periodic",
                                                     " authentication", " encryption"))]
    assert len(kept) >= len(REPLICATED) - 3
    assert [line for line in standby if line in kept] == kept


def test_a_server_group_that_never_answers_falls_back_to_local_users(asa):
    from vpix.features.aaa import Aaa

    unit, term = asa
    term.configure("username ops password 0ps privilege 15", "aaa-server TACACS protocol tacacs+",
                   "aaa-server TACACS (inside) host 10.1.1.9", "key k3y", "exit",
                   "aaa authentication ssh console TACACS LOCAL", "aaa authentication telnet console TACACS")
    aaa = unit.system.feature(Aaa)
    assert aaa.check_login("ssh", "ops", "0ps")                  # no TACACS+ server answers: LOCAL decides
    assert not aaa.check_login("telnet", "ops", "0ps")           # no fallback: nobody gets in
    assert "aaa authentication ssh console TACACS LOCAL\naaa authentication telnet console TACACS\n" in \
        term.cmd("show running-config aaa")


def test_show_version_of_a_failover_unit_has_its_cluster_line_and_still_parses(asa):
    unit, term = asa
    assert "failover cluster up" not in term.cmd("show version")
    term.configure("failover lan unit primary", "failover lan interface folink GigabitEthernet0/3", "failover")
    unit.clock.advance(10)
    out = term.cmd("show version")
    assert "\nciscoasa up 10 secs\nfailover cluster up 10 secs\n" in out
    parsed = parse_output(platform="cisco_asa", command="show version", data=out)
    assert parsed[0]["hostname"] == "ciscoasa" and parsed[0]["version"] == "8.0(4)"


def test_show_cpu_usage_is_what_the_process_spent(asa):
    unit, term = asa
    unit.clock.advance(10)
    out = term.cmd("show cpu usage")
    assert re.fullmatch(r"CPU utilization for 5 seconds = (\d+)%; 1 minute: (\d+)%; 5 minutes: (\d+)%\n", out)
    device = unit.system.feature(Device)
    then, (spent,) = device.cpu.latest
    device.cpu.add(then + 5, (spent + 2.5,))
    assert device.cpu_usage(5) == 50                              # 2.5 s of processor in 5 s


# Blocks of the commands this issue added, each standing on its own (a list with its groups)
BLOCKS = [
    "object-group network A\n network-object host 10.1.1.1\n network-object 10.2.0.0 255.255.0.0\nexit\n"
    "object-group service S tcp\n port-object eq www\n port-object range 8000 8080\nexit\n"
    "access-list L extended permit tcp any object-group A object-group S log 4 interval 10",
    "object-group protocol P\n protocol-object udp\n protocol-object tcp\nexit\n"
    "time-range T\n periodic weekend 10:00 to 16:00\nexit\n"
    "access-list M extended permit object-group P any host 10.3.3.3 eq domain time-range T",
    "access-list D extended deny ip any any log disable\naccess-list D remark the end",
    "access-list N standard permit 10.1.0.0 255.255.0.0",
    "crypto isakmp policy 10\n authentication pre-share\n encryption aes-256\n hash sha\n group 5\nexit",
    "crypto ipsec transform-set TS esp-aes esp-sha-hmac\ncrypto map M 10 set transform-set TS",
    "tunnel-group 192.0.2.9 type ipsec-l2l\ntunnel-group 192.0.2.9 ipsec-attributes\n pre-shared-key s3\nexit",
    "group-policy G internal\ngroup-policy G attributes\n vpn-idle-timeout 30\nexit",
    "snmp-server location lab\nsnmp-server community public\nntp server 10.1.1.5",
    "dhcpd lease 7200\nthreat-detection basic-threat\nhttp server enable\nssh version 2",
    "clock timezone PST -8\nclock summer-time PDT recurring",
    "logging facility 18\nlogging message 111008 level 2",
    "same-security-traffic permit intra-interface\nname 10.9.9.9 nine description ninth",
]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(range(len(BLOCKS))), min_size=1, max_size=8))
def test_a_configuration_written_back_loads_to_the_same_configuration(tmp_path_factory, images, picks):
    """render(parse(x)) == render(parse(render(parse(x)))) for configurations drawn from the
    commands this issue added, in any order and repeated."""
    def unit_with(text: str):
        unit = make_unit(tmp_path_factory.mktemp("u"), images, platform="ASA5520", image_key="asa-8.0(4)")
        unit.power_on()
        unit.clock.advance(0)
        return unit, unit.system.apply_config(text)

    text = "\n".join(BLOCKS[i] for i in picks)
    first, errors = unit_with(text)
    assert errors == []
    written = "\n".join(first.system.running_config())
    second, errors = unit_with(written)
    assert errors == []
    assert second.system.running_config() == first.system.running_config()


def test_the_standby_shows_its_standby_addresses_as_current_and_its_failover_link_by_name(tmp_path, images):
    pair = lan_pair(tmp_path, images)
    pair.boot()
    pair.run(10)
    shown = pair.enable("secondary").cmd("show ip address")
    system, current = shown.split("Current IP Addresses:\n")
    assert "Ethernet1                inside                 192.168.1.1     255.255.255.0   CONFIG" in system
    assert "Ethernet1                inside                 192.168.1.2     255.255.255.0   CONFIG" in current
    assert "\nEthernet3                failover                   0\n" in pair.enable("secondary").cmd("show nameif")


def test_interface_rates_are_what_passed_over_the_last_minute_and_five(tmp_path, images):
    net = Net(tmp_path, images)
    for _ in range(120):                                        # two datagrams a second for a minute
        net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q" * 58)
        net.run(0.5)
    shown = net.term.cmd("show interface inside")
    assert re.search(r"\n      1 minute input rate 2 pkts/sec,  20\d bytes/sec\n", shown)   # 100-byte frames, ARP
    assert re.search(r"\n      5 minute input rate 2 pkts/sec,  20\d bytes/sec\n", shown)   # the unit is younger
    assert "      1 minute output rate 2 pkts/sec," in net.term.cmd("show traffic").split("inside:")[0]
    net.run(120)                                                # two quiet minutes
    assert "      1 minute input rate 0 pkts/sec,  0 bytes/sec\n" in net.term.cmd("show interface inside")


def test_reverse_path_verification_drops_spoofed_sources_and_counts_them(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("ip verify reverse-path interface inside")
    spoofer = net.add_host("spoofer", "172.16.99.9", "inside")            # an outside address, inside
    spoofer.stack.udp_send(5353, "172.16.1.50", 53, b"spoofed")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"honest")
    net.run()
    assert [r[1] for r in net.received["server"]] == [b"honest"]
    assert "%PIX-1-106021: Deny UDP reverse path check from 172.16.99.9 to 172.16.1.50 on interface inside" \
        in net.log()
    assert "interface inside: 1 unicast rpf drops" in net.term.cmd("show ip verify statistics")
    assert "  Reverse-path verify failed" in net.term.cmd("show asp drop")
    assert "ip verify reverse-path interface inside\n" in net.term.cmd("show running-config")


def test_terminal_monitor_shows_messages_in_the_session_that_asked(asa):
    unit, term = asa
    watching, other = [], []
    monitor = unit.system.open_session("ssh", sink=watching.append, priv=15)
    unit.system.open_session("ssh", sink=other.append, priv=15)      # a session that did not ask
    monitor.execute("terminal monitor")
    term.configure("logging enable", "logging monitor notifications", "hostname seen")
    assert any("%ASA-5-111008: User 'enable_15' executed the 'hostname seen' command." in t for t in watching)
    assert not any("111008" in t for t in other)
    monitor.execute("terminal no monitor")
    watching.clear()
    term.configure("hostname unseen")
    assert not any("111008" in t for t in watching)


def test_static_arp_entries_hold_and_learned_ones_age_out(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.configure("arp inside 192.168.1.77 0050.5600.7777", "arp timeout 60")
    net.pc.stack.udp_send(5353, "172.16.1.50", 53, b"q")              # the unit learns the PC
    net.run()
    shown = net.term.cmd("show arp")
    assert "\tinside 192.168.1.77 0050.5600.7777 -\n" in shown and "\tinside 192.168.1.50 " in shown
    impostor = net.add_host("impostor", "192.168.1.77", "inside")       # says the address is its own
    impostor.stack.udp_send(5353, "172.16.1.50", 53, b"q")
    net.run()
    assert "\tinside 192.168.1.77 0050.5600.7777 -\n" in net.term.cmd("show arp")
    net.run(70)                                                         # past the timeout, nothing heard
    shown = net.term.cmd("show arp")
    assert "192.168.1.50" not in shown and "192.168.1.77 0050.5600.7777 -" in shown
    assert "arp inside 192.168.1.77 0050.5600.7777\narp timeout 60\n" in net.term.cmd("show running-config arp")
    assert CARET in net.term.configure("arp inside 192.168.1.78 not-a-mac")
    net.term.configure("no arp inside 192.168.1.77")
    assert "192.168.1.77" not in net.term.cmd("show arp")
