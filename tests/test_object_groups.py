"""Object-groups and access lists as complete as a real 7.x/8.0 configuration writes them:
groups in every position of an entry, nested, edited while in use; `line N`, `standard`,
`log` options, `inactive`, `time-range`. Traffic through a unit between emulated hosts (virtual
time) decides, `show access-list` counts per element, ntc-templates parses it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from ntc_templates.parse import parse_output

from traffic import Net

from vpix.dataplane.acl import AccessList, parse
from vpix.dataplane.objects import GroupRef, Hosts, ObjectGroup, Ports
from vpix.net.packets import PROTO_TCP, PROTO_UDP, SYN

GROUPS = ("object-group network SERVERS",
          " network-object host 192.168.1.50",
          " network-object 192.168.1.64 255.255.255.192",
          "object-group network EVERYONE",
          " description all we serve",
          " group-object SERVERS",
          " network-object host 192.168.1.7",
          "object-group service WEB tcp",
          " port-object eq www",
          " port-object range 8000 8080",
          "object-group icmp-type PINGS",
          " icmp-object echo",
          " icmp-object echo-reply",
          "exit")


@pytest.fixture
def net(tmp_path, images):
    net = Net.asa(tmp_path, images)
    net.term.configure(*GROUPS)
    return net


def syn(net, dport, sport=40000):
    """A SYN from the outside server to the PC: whether it came through."""
    before = len(net.received["pc"])
    net.tcp(net.server, "192.168.1.50", sport, dport, SYN)
    return len(net.received["pc"]) > before


def test_groups_stand_for_their_members_and_each_element_counts_its_hits(net):
    out = net.term.configure("access-list OUTSIDE extended permit tcp any object-group EVERYONE object-group WEB",
                             "access-list OUTSIDE extended permit icmp any any object-group PINGS",
                             "access-group OUTSIDE in interface outside")
    assert out == ""
    assert syn(net, 80) and syn(net, 8080, 40001)
    assert not syn(net, 22, 40002)
    shown = net.term.cmd("show access-list OUTSIDE")
    lines = shown.splitlines()
    assert lines[2].startswith("access-list OUTSIDE; 8 elements; name hash: 0x")
    head = "access-list OUTSIDE line 1 extended permit tcp any object-group EVERYONE object-group WEB (hitcnt=2) 0x"
    assert lines[3].startswith(head)
    elements = [line.split(" (hitcnt=")[0] for line in lines[4:10]]
    assert elements == [
        "  access-list OUTSIDE line 1 extended permit tcp any host 192.168.1.50 eq www",
        "  access-list OUTSIDE line 1 extended permit tcp any 192.168.1.64 255.255.255.192 eq www",
        "  access-list OUTSIDE line 1 extended permit tcp any host 192.168.1.7 eq www",
        "  access-list OUTSIDE line 1 extended permit tcp any host 192.168.1.50 range 8000 8080",
        "  access-list OUTSIDE line 1 extended permit tcp any 192.168.1.64 255.255.255.192 range 8000 8080",
        "  access-list OUTSIDE line 1 extended permit tcp any host 192.168.1.7 range 8000 8080"]
    assert "(hitcnt=1)" in lines[4] and "(hitcnt=1)" in lines[7] and "(hitcnt=0)" in lines[5]
    assert lines[10].startswith("access-list OUTSIDE line 2 extended permit icmp any any object-group PINGS (hitcnt=0)")
    assert lines[11].startswith("  access-list OUTSIDE line 2 extended permit icmp any any echo (hitcnt=0)")
    config = net.term.cmd("show running-config")
    assert ("object-group network SERVERS\n network-object host 192.168.1.50\n"
            " network-object 192.168.1.64 255.255.255.192\n"
            "object-group network EVERYONE\n description all we serve\n group-object SERVERS\n"
            " network-object host 192.168.1.7\n") in config
    assert config.index("object-group icmp-type PINGS") < config.index("access-list OUTSIDE")
    assert net.term.cmd("show object-group id WEB") == ("object-group service WEB tcp\n port-object eq www\n"
                                                        " port-object range 8000 8080\n")
    rows = parse_output(platform="cisco_asa", command="show access-list", data=shown)
    assert [r["entry_port"] or r["entry_port_range_start"] for r in rows if r["entry_hash"]][:6] == \
        ["www", "www", "www", "8000", "8000", "8000"]


def test_a_group_edited_while_in_use_changes_every_entry_at_once(net):
    net.term.configure("access-list OUTSIDE extended permit tcp any object-group SERVERS object-group WEB",
                       "access-group OUTSIDE in interface outside")
    assert syn(net, 80)
    assert not syn(net, 22, 40001)
    net.term.configure("object-group service WEB tcp", "port-object eq ssh", "exit")
    assert syn(net, 22, 40002)
    shown = net.term.cmd("show access-list OUTSIDE")
    assert "permit tcp any host 192.168.1.50 eq www (hitcnt=1)" in shown        # kept its count
    assert "permit tcp any host 192.168.1.50 eq ssh (hitcnt=1)" in shown
    net.term.configure("object-group network SERVERS", "no network-object host 192.168.1.50", "exit")
    assert not syn(net, 80, 40003)


def test_a_group_in_use_stays_and_a_missing_one_is_refused(net):
    def config():
        return [line for line in net.term.cmd("show running-config").splitlines() if "checksum" not in line]

    net.term.configure("access-list A extended permit tcp any object-group SERVERS eq www")
    before = "\n".join(config())
    assert net.term.configure("no object-group network SERVERS") == \
        "Removing object-group (SERVERS) not allowed, it is being used.\n"
    assert net.term.configure("no object-group network EVERYONE") == ""        # nobody names it
    assert net.term.configure("no object-group SERVERS") == \
        "Removing object-group (SERVERS) not allowed, it is being used.\n"      # still in A
    assert net.term.configure("access-list A extended permit tcp any object-group NOPE eq www") == \
        "ERROR: specified object group <NOPE> not found\n"
    wrong_kind = net.term.configure("access-list A extended permit tcp object-group WEB any")
    assert "ERROR: % Invalid input detected at '^' marker." in wrong_kind
    assert "\n".join(config()) == before.replace(
        "object-group network EVERYONE\n description all we serve\n group-object SERVERS\n"
        " network-object host 192.168.1.7\n", "")
    net.term.configure("no access-list A", "no object-group network SERVERS")
    assert "SERVERS" not in net.term.cmd("show running-config")


def test_a_group_may_not_nest_itself_or_a_group_of_another_kind(net):
    out = net.term.configure("object-group network SERVERS", "group-object EVERYONE", "group-object WEB",
                             "group-object SERVERS", "exit")
    assert out.count("ERROR: % Invalid input detected at '^' marker.") == 3
    assert net.term.cmd("show object-group id SERVERS") == ("object-group network SERVERS\n"
                                                            " network-object host 192.168.1.50\n"
                                                            " network-object 192.168.1.64 255.255.255.192\n")


def test_protocol_and_service_groups_stand_for_the_protocol(net):
    net.term.configure("object-group protocol TCPUDP", "protocol-object udp", "protocol-object tcp", "exit",
                       "object-group service DNS", "service-object udp eq domain", "service-object tcp eq domain",
                       "service-object icmp", "exit",
                       "access-list OUT extended permit object-group TCPUDP any host 192.168.1.50 eq 5353",
                       "access-list OUT extended permit object-group DNS any host 192.168.1.50",
                       "access-group OUT in interface outside")
    net.server.stack.udp_send(40000, "192.168.1.50", 53, b"q")
    net.server.stack.udp_send(40000, "192.168.1.50", 5353, b"q")
    net.run()
    assert [r[0] for r in net.received["pc"]] == ["udp", "udp"]
    shown = net.term.cmd("show access-list OUT")
    assert "  access-list OUT line 1 extended permit udp any host 192.168.1.50 eq 5353 (hitcnt=1)" in shown
    assert "  access-list OUT line 1 extended permit tcp any host 192.168.1.50 eq 5353 (hitcnt=0)" in shown
    assert "  access-list OUT line 2 extended permit udp any host 192.168.1.50 eq domain (hitcnt=1)" in shown
    assert "  access-list OUT line 2 extended permit icmp any host 192.168.1.50 (hitcnt=0)" in shown
    assert "object-group service DNS\n service-object udp eq domain\n service-object tcp eq domain\n" \
           " service-object icmp\n" in net.term.cmd("show running-config")


def test_lines_insert_and_go_by_number_remarks_and_standard_lists(net):
    net.term.configure("access-list L extended permit tcp any any eq www",
                       "access-list L extended permit tcp any any eq ssh",
                       "access-list L line 1 remark web first",
                       "access-list L line 2 extended deny tcp host 172.16.1.99 any",
                       "access-list S standard permit 192.168.1.0 255.255.255.0",
                       "access-list S standard deny any")
    assert net.term.cmd("show running-config access-list L") == (
        "access-list L remark web first\n"
        "access-list L extended deny tcp host 172.16.1.99 any\n"
        "access-list L extended permit tcp any any eq www\n"
        "access-list L extended permit tcp any any eq ssh\n")
    assert net.term.cmd("show running-config access-list S") == (
        "access-list S standard permit 192.168.1.0 255.255.255.0\naccess-list S standard deny any\n")
    assert "access-list S line 1 standard permit 192.168.1.0 255.255.255.0 (hitcnt=0) 0x" in \
        net.term.cmd("show access-list S")
    net.term.configure("no access-list L line 2 extended deny tcp host 172.16.1.99 any",    # as Ansible removes
                       "no access-list L line 3")                                        # eq ssh, now line 3
    assert net.term.cmd("show running-config access-list L") == (
        "access-list L remark web first\naccess-list L extended permit tcp any any eq www\n")
    assert "ERROR: % Invalid input detected at '^' marker." in net.term.configure("no access-list L line 9")
    assert "ERROR: % Invalid input detected at '^' marker." in \
        net.term.configure("access-list S standard permit tcp any any")


@pytest.mark.parametrize("typed, written, shown", [
    ("log", "log", "log informational interval 300"),
    ("log 4", "log warnings", "log warnings interval 300"),
    ("log warnings interval 60", "log warnings interval 60", "log warnings interval 60"),
    ("log interval 30", "log informational interval 30", "log informational interval 30"),
    ("log disable", "log disable", "log disable"),
    ("log default", "log default", "log default"),
])
def test_log_options_are_kept_as_the_device_writes_them(net, typed, written, shown):
    net.term.configure(f"access-list L extended permit ip any any {typed}")
    assert net.term.cmd("show running-config access-list") == f"access-list L extended permit ip any any {written}\n"
    assert f"access-list L line 1 extended permit ip any any {shown} (hitcnt=0)" in net.term.cmd("show access-list")


def test_inactive_and_time_ranges_switch_entries_off(net):
    net.term.cmd("clock set 09:00:00 7 December 2026")                      # a Monday
    out = net.term.configure("time-range OFFICE", "periodic weekdays 8:00 to 18:00",
                             "absolute end 00:00 01 January 2027", "exit",
                             "access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq www time-range OFFICE",
                             "access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq ssh inactive",
                             "access-group OUTSIDE in interface outside")
    assert out == ""
    assert syn(net, 80) and not syn(net, 22, 40001)
    net.run(9 * 3600)                                                         # 18:00 and later
    assert not syn(net, 80, 40002)
    shown = net.term.cmd("show access-list OUTSIDE")
    assert "eq www time-range OFFICE (hitcnt=1) (inactive) 0x" in shown
    assert "eq ssh inactive (hitcnt=0) 0x" in shown
    assert net.term.cmd("show running-config time-range") == (
        "time-range OFFICE\n absolute end 00:00 01 January 2027\n periodic weekdays 08:00 to 18:00\n")
    assert net.term.configure("no time-range OFFICE") == "ERROR: Time-range OFFICE is in use and cannot be removed\n"
    assert "ERROR: time-range <LATER> does not exist" in net.term.configure(
        "access-list OUTSIDE extended permit ip any any time-range LATER")
    net.run(14 * 3600)                                                        # Tuesday 08:00 and later
    assert syn(net, 80, 40003)
    rows = parse_output(platform="cisco_asa", command="show access-list", data=net.term.cmd("show access-list"))
    assert [(r["time_range"], r["state"]) for r in rows if r["line_num"]] == [("OFFICE", ""), ("", "inactive")]


def test_a_full_configuration_of_groups_and_lists_loads_back_the_same(net):
    net.term.configure("names", "name 192.168.1.50 pc description the inside PC",
                       "object-group network HOSTS", "network-object host pc", "exit",
                       "time-range NIGHTS", "periodic daily 20:00 to 23:59", "exit",
                       "access-list OUTSIDE remark the lot",
                       "access-list OUTSIDE extended permit tcp object-group EVERYONE eq 1000 host pc eq www log 3",
                       "access-list OUTSIDE extended permit icmp any object-group HOSTS object-group PINGS",
                       "access-list OUTSIDE extended deny udp any range 1 1024 any time-range NIGHTS inactive",
                       "access-list OUTSIDE extended permit tcp any object-group SERVERS object-group WEB log disable")
    config = net.term.cmd("show running-config")
    assert "network-object host pc\n" in config and "host pc eq www log errors\n" in config
    net.term.cmd("write memory")
    net.reload()
    assert net.term.cmd("show running-config") == config
    assert "OUTSIDE; 10 elements;" in net.term.cmd("show access-list")


# ---------------------------------------------------------------- the core, sans-IO

ADDRESSES = st.sampled_from(["any", "host 10.1.1.1", "10.2.0.0 255.255.0.0", "object-group NETS"])
PORT_WORDS = st.sampled_from(["", " eq www", " range 1000 2000", " gt 1023", " object-group PORTS"])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["permit", "deny"]), st.sampled_from(["tcp", "udp", "object-group PROTOS"]),
       ADDRESSES, PORT_WORDS, ADDRESSES, PORT_WORDS,
       st.sampled_from(["", " log", " log errors interval 10", " log disable", " inactive"]))
def test_an_entry_written_back_parses_to_the_same_entry(action, proto, src, sport, dst, dport, tail):
    groups = {"NETS": ObjectGroup("network", "NETS", members=[Hosts.host("10.9.9.9"), Hosts(0x0A080000, 0xFFFF0000)]),
              "PORTS": ObjectGroup("service", "PORTS", "tcp-udp", members=[Ports("eq", 53)]),
              "PROTOS": ObjectGroup("protocol", "PROTOS", members=[PROTO_TCP, PROTO_UDP])}
    text = f"{action} {proto} {src}{sport} {dst}{dport}{tail}"
    ace = parse(text.split(), groups)
    assert ace.words() == text
    assert parse(ace.words().split(), groups).words() == text
    assert len(ace.elements) == (2 if proto.startswith("object") else 1) * \
        (2 if "NETS" in src else 1) * (2 if "NETS" in dst else 1)
    acl = AccessList("L", [ace])
    hit = acl.match(PROTO_TCP, 0x0A090909, 53, 0x0A090909, 53, 0)
    assert hit is None or hit is ace
    assert sum(e.hits for e in ace.elements) == (hit is not None)
    assert isinstance(ace.src, GroupRef) == ("NETS" in src)
