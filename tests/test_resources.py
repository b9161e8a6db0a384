"""Resource management in multiple context mode (7.2+): classes, their limits, the contexts
that are members, the connection limit enforced on the data path, and what the show commands
report of it."""

from __future__ import annotations

import re

import pytest
from helpers.contexts import multiple, sharing
from traffic import Net

from vpix.features.contexts import Contexts
from vpix.features.logging import Logging
from vpix.net.packets import PROTO_TCP, SYN, Tcp, ip_bytes

DEFAULT_CLASS = ("class default\n  limit-resource All 0\n  limit-resource ASDM 5\n  limit-resource SSH 5\n"
                 "  limit-resource Telnet 5\n!\n")


@pytest.fixture
def net(tmp_path, images):
    net = Net(tmp_path, images)
    multiple(net)
    return net


def _gold(net, *limits: str) -> None:
    net.term.configure("class gold", *limits, "exit", "context ctx1", "member gold")


def test_the_default_class_and_a_new_one_are_in_the_configuration_and_survive_a_reload(net):
    sharing(net)
    assert DEFAULT_CLASS in net.term.cmd("show running-config")
    _gold(net, "limit-resource conns 10%", "limit-resource rate syslogs 100", "limit-resource telnet 2")
    shown = net.term.cmd("show running-config")
    assert DEFAULT_CLASS + ("class gold\n  limit-resource Conns 10.0%\n  limit-resource Telnet 2\n"
                            "  limit-resource rate Syslogs 100\n!\n") in shown
    assert "context ctx1\n  member gold\n  allocate-interface Ethernet0\n" in shown
    net.term.cmd("write memory all")
    net.reload()
    assert net.term.cmd("show running-config") == shown
    assert net.unit.system.feature(Contexts).defs["ctx1"].space.resource_limit("conns") == 13000


def test_a_context_at_its_connection_limit_is_refused_new_ones(net):
    web, got = sharing(net)
    _gold(net, "limit-resource conns 2")
    net.term.cmd("changeto context ctx1")
    net.term.configure("logging enable", "logging buffered informational")
    for port in (40001, 40002, 40003):
        net.tcp(net.server, "172.16.1.100", port, 80, SYN)
    assert [seg.sport for seg, _ in got] == [40001, 40002]
    assert "%PIX-5-321001: Resource 'conns' limit of 2 reached for context 'ctx1'" in net.term.cmd("show logging")
    assert "  Connection limit reached" in net.term.cmd("show asp drop flow")
    usage = net.term.cmd("show resource usage")
    assert "Conns                       2            2          2             1 ctx1\n" in usage
    net.term.cmd("changeto system")
    assert "Conns                       2            2  130000(S)             1 Summary\n" in \
        net.term.cmd("show resource usage summary")
    assert " Conns                            2        0.00%  ctx1\n" in net.term.cmd("show resource allocation detail")
    net.term.configure("class gold", "no limit-resource conns")       # the default class: unlimited
    net.tcp(net.server, "172.16.1.100", 40004, 80, SYN)
    assert [seg.sport for seg, _ in got] == [40001, 40002, 40004]


def test_a_context_sees_only_its_own_usage(net):
    sharing(net)
    net.tcp(net.server, "172.16.1.100", 40001, 80, SYN)
    net.term.cmd("changeto context admin")
    assert net.term.cmd("show resource usage").strip() == \
        "Resource              Current         Peak      Limit        Denied Context"
    assert "Invalid input" in net.term.type("show resource allocation\n")


def test_bad_resource_commands_change_nothing(net):
    sharing(net)
    _gold(net, "limit-resource conns 100")
    before = net.term.cmd("show running-config")
    for lines in (("class gold", "limit-resource hosts 10%"),      # no system limit to take a share of
                  ("class gold", "limit-resource conns 0.0%"),
                  ("class gold", "limit-resource conns many"),
                  ("class gold", "limit-resource rate conns 5%"),
                  ("class gold", "limit-resource frobs 5"),
                  ("context ctx1", "member platinum"),
                  ("no class default",)):
        assert "ERROR: % Invalid input detected at '^' marker." in net.term.configure(*lines), lines
    assert net.term.configure("no class gold") == "ERROR: Class gold is in use by context ctx1\n"
    assert net.term.cmd("show running-config") == before


def test_a_context_at_its_host_limit_is_refused_connections_of_new_hosts(net):
    web, got = sharing(net)
    _gold(net, "limit-resource hosts 2")
    net.term.cmd("changeto context ctx1")
    net.term.configure("logging enable", "logging buffered informational")
    net.tcp(net.server, "172.16.1.100", 40001, 80, SYN)        # two hosts: the server and the web server
    net.tcp(net.server, "172.16.1.100", 40002, 80, SYN)        # the same two: allowed
    other = net.add_host("other", "172.16.1.60", "outside")
    net.tcp(other, "172.16.1.100", 40003, 80, SYN)              # a third host: refused
    assert [seg.sport for seg, _ in got] == [40001, 40002]
    assert "%PIX-5-321001: Resource 'hosts' limit of 2 reached for context 'ctx1'" in net.term.cmd("show logging")
    assert "Hosts                       2            2          2             1 ctx1\n" in \
        net.term.cmd("show resource usage")


def test_ntc_templates_read_show_resource_usage(net):
    from ntc_templates.parse import parse_output

    web, got = sharing(net)
    _gold(net, "limit-resource conns 1")
    net.tcp(net.server, "172.16.1.100", 40001, 80, SYN)
    net.tcp(net.server, "172.16.1.100", 40002, 80, SYN)
    for command, who in (("show resource usage", "ctx1"), ("show resource usage summary", "Summary")):
        parsed = parse_output(platform="cisco_asa", command=command, data=net.term.cmd(command))
        conns = next(row for row in parsed if row["resource"] == "Conns")
        assert (conns["current"], conns["denied"], conns["context"]) == ("1", "1", who)
        assert conns["limit"] == ("1" if who == "ctx1" else "130000(S)")


def test_a_context_at_its_translation_limit_is_refused_new_translations(net):
    net.term.configure("class gold", "limit-resource xlates 2", "exit", "context admin", "member gold")
    net.term.cmd("changeto context admin")
    net.term.configure("logging enable", "logging buffered informational", "nat (inside) 1 0.0.0.0 0.0.0.0",
                       "global (outside) 1 interface")
    for port in (40001, 40002, 40003):                   # PAT: a translation per source port
        net.tcp(net.pc, "172.16.1.50", port, 80, SYN)
    assert [seg.sport for kind, seg, _ in net.received["server"] if kind == "tcp"] == [1024, 1025]
    assert "%PIX-5-321001: Resource 'xlates' limit of 2 reached for context 'admin'" in net.term.cmd("show logging")
    assert "Xlates                      2            2          2             1 admin\n" in \
        net.term.cmd("show resource usage")


def test_rate_limits_cap_new_connections_and_syslog_messages_a_second(net):
    web, got = sharing(net)
    _gold(net, "limit-resource rate conns 2", "limit-resource rate syslogs 4")
    net.server.stack.ping("172.16.1.100", 1, 1.0, lambda ok: None)          # the server learns the MAC
    net.run(1.5)
    net.term.cmd("changeto context ctx1")
    net.term.configure("logging enable", "logging buffered debugging")
    started = net.clock.monotonic()
    net.clock.advance(int(started) + 1 - started)                 # at the start of a second
    for port in (40001, 40002, 40003, 40004, 40005):           # two built, three refused: five messages
        net.server.stack.send_ip("172.16.1.100", PROTO_TCP, Tcp(port, 80, 1000, 0, SYN).encode(
            ip_bytes("172.16.1.50"), ip_bytes("172.16.1.100")))
    net.run(0.1)
    assert [seg.sport for seg, _ in got] == [40001, 40002]
    logged = net.unit.system.feature(Contexts).defs["ctx1"].space.feature(Logging).buffer
    traffic = [line for line in logged if "%PIX-" in line and "111008" not in line]     # not the commands typed
    assert len(traffic) == 4                                        # the fifth message that second is dropped
    net.run(1)
    net.tcp(net.server, "172.16.1.100", 40006, 80, SYN)                    # a new second
    assert [seg.sport for seg, _ in got] == [40001, 40002, 40006]
    usage = net.term.cmd("show resource usage")
    assert re.search(r"Conns \[rate\] +\d+ +2 +2 +3 ctx1", usage)
    assert re.search(r"Syslogs \[rate\] +\d+ +4 +4 +[1-9]\d* ctx1", usage)
