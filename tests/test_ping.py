"""`ping` from the unit, in virtual time: echoes out of the routed interface towards hosts on
the segments, replies and silences marked as they come, the success rate (parsed by
ntc-templates' cisco_asa ping template), PIX 6.x's lines, and where there is no way."""

from __future__ import annotations

import os

import textfsm
from ntc_templates.parse import _get_template_dir
from traffic import CONFIG, Net


def _ping(net, line, seconds=15):
    text = net.term.type(line + "\n")
    net.run(seconds)
    text = (text + net.term.read()).split("\n", 1)[1]         # without the echoed line
    return text[:text.rindex("\n") + 1]                        # and the prompt


def _parsed(out):
    with open(os.path.join(_get_template_dir(), "cisco_asa_ping.textfsm")) as template:
        return textfsm.TextFSM(template).ParseTextToDicts(out)


def test_ping_a_host_on_a_connected_segment(tmp_path, images):
    net = Net(tmp_path, images)
    out = _ping(net, "ping 192.168.1.50")
    assert out == ("Type escape sequence to abort.\n"
                   "Sending 5, 100-byte ICMP Echos to 192.168.1.50, timeout is 2 seconds:\n"
                   "!!!!!\n"
                   "Success rate is 100 percent (5/5), round-trip min/avg/max = 0/0/0 ms\n")
    assert _parsed(out) == [{"SENT_QTY": "5", "SENT_TYPE": "100-byte ICMP Echos", "DESTINATION": "192.168.1.50",
                             "TIMEOUT": "2", "RESPONSE_STREAM": "!!!!!", "SUCCESS_PCT": "100", "SUCCESS_QTY": "5",
                             "RTT_MIN": "0", "RTT_AVG": "0", "RTT_MAX": "0"}]
    assert "?" not in _ping(net, "ping outside 172.16.1.50 repeat 2 size 1000")


def test_silence_is_marked_and_counted(tmp_path, images):
    net = Net(tmp_path, images)
    net.pc.port.plug(False)
    out = _ping(net, "ping inside 192.168.1.50 repeat 3 timeout 1")
    assert out.endswith("timeout is 1 seconds:\n...\nSuccess rate is 0 percent (0/3)\n")
    assert _parsed(out)[0]["RESPONSE_STREAM"] == "..."
    net.pc.port.plug(True)
    assert "!!!!!" in _ping(net, "ping 192.168.1.50")
    net.pc.port.plug(False)
    net.term.type("ping 192.168.1.50 repeat 1000\n")
    net.run(5)
    assert net.term.type("\x1b") == "\nSuccess rate is 0 percent (0/1000)\nfw# "     # ESC ends it


def test_a_host_beyond_the_default_route_is_pinged_through_the_gateway(tmp_path, images):
    net = Net(tmp_path, images)
    router = net.add_host("router", "172.16.1.254", "outside")
    router.stack.mask = "255.255.0.0"
    out = _ping(net, "ping 10.9.9.9 repeat 2")
    assert "..\nSuccess rate is 0 percent (0/2)" in out          # the router does not answer for it
    assert "172.16.1.254" in net.term.cmd("show arp")             # but it was asked the way


def test_no_route_and_bad_input(tmp_path, images):
    net = Net(tmp_path, images, config=CONFIG.replace("route outside 0.0.0.0 0.0.0.0 172.16.1.254 1\n", ""))
    assert _ping(net, "ping 10.9.9.9") == ("Type escape sequence to abort.\nNo route to host 10.9.9.9\n\n"
                                            "Success rate is 0 percent (0/1)\n")
    assert net.term.cmd("ping inside") == "ERROR: % Incomplete command\n"
    assert "ERROR: % Invalid input detected at '^' marker." in net.term.cmd("ping 192.168.1.50 repeat 0")


def test_pix_6_prints_a_line_per_echo(tmp_path, images):
    config = "hostname fw\nip address outside 172.16.1.1 255.255.0.0\nip address inside 192.168.1.1 255.255.255.0\n"
    net = Net(tmp_path, images, image_key="pix-6.3(5)", config=config)
    assert _ping(net, "ping inside 192.168.1.50") == "\t192.168.1.50 response received -- 0ms\n" * 3
    net.pc.port.plug(False)
    assert _ping(net, "ping 192.168.1.50") == "\t192.168.1.50 NO response received -- 1000ms\n" * 3
