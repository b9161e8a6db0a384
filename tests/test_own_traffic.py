"""The unit's own traffic goes through its interfaces, in virtual time, with emulated hosts on a
lab segment: copy from TFTP, FTP and HTTP servers, copy to FTP, write net, configure http,
syslog to a host, and an SSH session in from a host to the interface address. Python's audit
hooks watch every socket of the host machine meanwhile: none may be an Internet socket (local
socket pairs carry a session to the SSH server, and asyncio's own wake-up pipe)."""

from __future__ import annotations

import asyncio
import re

import asyncssh
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from conftest import Terminal, make_unit
from helpers.emulated import connected_socket, ssh_from
from helpers.served import settle, ticking, until
from helpers.watch import internet_sockets
from helpers.legacy_ssh import ASYNCSSH

from vpix.image import format as image_format
from vpix.mgmt.doors import Door
from vpix.mgmt.ssh import serve_ssh
from vpix.mgmt.telnet import serve_telnet
from vpix.net.apps import FtpServer, HttpServer
from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import Tcp, Udp, mac_bytes

CONFIG = """hostname fw
enable password cisco
interface Ethernet1
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0
 no shutdown
username admin password admin privilege 15
aaa authentication ssh console LOCAL
ssh 10.0.0.0 255.255.255.0 inside
telnet 10.0.0.0 255.255.255.0 inside
logging enable
logging trap notifications
logging host inside 10.0.0.2 udp/5514
"""

@pytest.fixture
def lab(tmp_path):
    """The unit (its SSH door open on its interfaces) and a host at 10.0.0.2 serving TFTP, FTP
    and HTTP, hearing syslog on 5514."""
    root = tmp_path / "served"
    root.mkdir()
    image_format.build(root / "pix722.bin", "7.2(2)", "pix", size_mb=0.3)
    files = {"notes.txt": b"hello\n" * 1000, "extra.cfg": b"name 10.9.9.9 far\n"}
    unit = make_unit(tmp_path, {"pix-7.2(1)": _image(tmp_path)}, config=CONFIG)
    door = Door("ssh", unit)
    door.on_interfaces(lambda sock, station, space: serve_ssh(unit, door, sock, station, space))
    telnet = Door("telnet", unit)
    telnet.on_interfaces(lambda sock, station, space: serve_telnet(telnet, sock, station, space))
    segment = Segment("inside", unit.clock)
    segment.attach(unit.ports[1])
    host = Host("server", mac_bytes("0050.5600.0002"), "10.0.0.2", unit.clock)
    host.plug(segment)
    host.serve_tftp(root)
    FtpServer(host.tcp, files)
    HttpServer(host.tcp, files)
    heard: list[bytes] = []
    host.stack.udp_bind(5514, lambda data, source, port: heard.append((data, source)))
    term = Terminal(unit)
    unit.power_on()
    unit.clock.advance(0)
    term.cmd("enable")
    term.cmd("cisco")
    return unit, term, host, files, heard


def _image(tmp_path):
    path = tmp_path / "pix721.bin"
    image_format.build(path, "7.2(1)", "pix", size_mb=0.25)
    return path


async def _typed(unit, term, line: str) -> str:
    out = term.type(line + "\n")
    await settle(unit)
    return out + term.read()


async def test_everything_the_unit_sends_goes_out_of_its_interface(lab, watched):
    unit, term, host, files, heard = lab
    assert "bytes copied in" in await _typed(unit, term, "copy /noconfirm tftp://10.0.0.2/pix722.bin flash:")
    assert "bytes copied in" in await _typed(unit, term, "copy /noconfirm ftp://10.0.0.2/notes.txt flash:/n.txt")
    assert "bytes copied in" in await _typed(unit, term, "copy /noconfirm http://10.0.0.2/notes.txt flash:/h.txt")
    assert unit.flash.read("n.txt") == unit.flash.read("h.txt") == files["notes.txt"]
    assert "bytes copied in" in await _typed(unit, term, "copy /noconfirm running-config ftp://10.0.0.2/fw.cfg")
    assert files["fw.cfg"].decode().splitlines() == unit.system.config_text()
    said = await _typed(unit, term, "write net 10.0.0.2:fw.cfg")        # the lab's TFTP server takes no files
    assert "%Error opening tftp://10.0.0.2/fw.cfg (Permission denied)" in said
    await _typed(unit, term, "configure http://10.0.0.2/extra.cfg")
    assert "name 10.9.9.9 far" in unit.system.running_config()
    term.configure("name 10.1.1.1 one")
    unit.clock.advance(1)
    assert any(b"%PIX-5-111008: User 'enable_15' executed the 'name 10.1.1.1 one' command." in data
               for data, _ in heard), heard
    assert {source[0] for _, source in heard} == {"10.0.0.1"}
    term.configure("access-list none extended deny ip any any", "access-group none in interface inside")
    # traffic to the box is not the interface access list's business, as on the device
    assert "Software Version 7.2(1)" in await ssh_from(host, "10.0.0.1", unit.clock, "show version")
    assert internet_sockets(watched) == []


async def test_a_syn_flood_at_the_ssh_port_leaves_room_for_a_real_login(lab, tmp_path):
    from vpix.features.endpoint import Endpoint
    from vpix.net.packets import PROTO_TCP, SYN, Tcp, ip_bytes
    from vpix.net.tcp import BACKLOG

    unit, term, host, files, heard = lab
    flooder = Host("flooder", mac_bytes("0050.5600.0066"), "10.0.0.66", unit.clock)
    flooder.plug(host.port.segment)
    flooder.stack.ip_unbind(PROTO_TCP)                      # never answers the SYN-ACKs
    flooder.stack.ping("10.0.0.1", 1, 1.0, lambda ok: None)
    unit.clock.advance(0.01)
    for n in range(10_000):
        raw = Tcp(1024 + n % 60000, 22, n * 7919, 0, SYN).encode(ip_bytes("10.0.0.66"), ip_bytes("10.0.0.1"))
        flooder.stack.send_ip("10.0.0.1", PROTO_TCP, raw)
        if n % 500 == 0:
            unit.clock.advance(0.001)
    unit.clock.advance(0.01)
    tcp = unit.system.feature(Endpoint).tcp
    assert len(tcp.connections) <= BACKLOG and tcp.counters["backlog"] == 10_000 - BACKLOG
    assert "Software Version 7.2(1)" in await ssh_from(host, "10.0.0.1", unit.clock, "show version")


async def test_what_goes_wrong_on_the_way_is_said_in_the_devices_words_and_changes_nothing(lab):
    unit, term, host, files, heard = lab
    before = {e.name: e.size for e in unit.flash.entries()}
    said = await _typed(unit, term, "copy /noconfirm tftp://192.0.2.9/pix722.bin flash:")       # no route
    assert "%Error opening tftp://192.0.2.9/pix722.bin (No route to host)" in said
    said = term.type("copy /noconfirm tftp://10.0.0.99/pix722.bin flash:\n")             # nobody answers ARP
    unit.clock.advance(30)
    assert "%Error opening tftp://10.0.0.99/pix722.bin (Timed out)" in said + term.read()
    said = term.type("copy /noconfirm ftp://10.0.0.2:2121/notes.txt flash:/n.txt\n")     # a closed port
    unit.clock.advance(1)
    assert "%Error opening ftp://10.0.0.2:2121/notes.txt (Connection refused)" in said + term.read()
    slow = Host("slow", mac_bytes("0050.5600.0003"), "10.0.0.3", unit.clock)
    slow.plug(host.port.segment)
    HttpServer(slow.tcp, {"big.bin": bytes(300_000)}, rate=100_000)
    said = term.type("copy /noconfirm http://10.0.0.3/big.bin flash:/big.bin\n")
    unit.clock.advance(1)
    slow.port.plug(False)                                                          # the link goes mid-way
    unit.clock.advance(60)
    assert "%Error opening http://10.0.0.3/big.bin (Timed out)" in said + term.read()
    assert {e.name: e.size for e in unit.flash.entries()} == before
    assert not any(p.name.startswith(".tmp-") for p in unit.flash.root.iterdir())


async def test_who_is_on_and_ending_a_session(lab):
    """`show ssh sessions` and `who` name each session's source; `ssh disconnect` and `kill`
    end one."""
    unit, term, host, files, heard = lab
    theirs = await connected_socket(host, "10.0.0.1", 22)
    async with ticking(unit.clock):
        async with asyncssh.connect("10.0.0.1", sock=theirs, username="admin", password="admin",
                                    known_hosts=None, preferred_auth="password", **ASYNCSSH) as conn:
            shell = await conn.create_process(term_type="vt100")
            await shell.stdout.readuntil("fw> ")
            listed = term.cmd("show ssh sessions")
            assert listed.startswith("\nSID Client IP       Version Mode Encryption Hmac      State           Username\n")
            assert re.search(r"\n0   10\.0\.0\.2        1\.99    IN   \S+ +\S+ +SessionStarted  admin\n"
                             r" {28}OUT  \S+ +\S+ +SessionStarted  admin\n", listed), listed
            assert "ERROR: Invalid SSH session ID" in term.cmd("ssh disconnect 3")
            term.cmd("ssh disconnect 0")
            await asyncio.wait_for(shell.wait_closed(), 10)           # the unit ended it
        assert term.cmd("show ssh sessions").count("10.0.0.2") == 0

        reader, writer = await asyncio.open_connection(sock=await connected_socket(host, "10.0.0.1", 23))
        said = b""
        while b"Password: " not in said:
            said += await reader.read(1024)
        writer.write(b"cisco\r\n")
        while b"fw> " not in said:
            said += await reader.read(1024)
        assert term.cmd("who") == "0: 10.0.0.2\n"
        term.cmd("kill 0")
        while chunk := await reader.read(1024):          # the unit hangs up
            said += chunk
        assert term.cmd("who") == ""


async def test_a_file_bigger_than_the_free_flash_ends_with_the_devices_words(lab):
    unit, term, host, files, heard = lab
    files["huge.bin"] = bytes(unit.flash.free() + 100_000)
    before = {e.name: e.size for e in unit.flash.entries()}
    said = await _typed(unit, term, "copy /noconfirm http://10.0.0.2/huge.bin flash:/huge.bin")
    assert "%Error writing flash:/huge.bin (No space left on device)" in said
    assert {e.name: e.size for e in unit.flash.entries()} == before


async def test_syslog_over_tcp_a_line_a_message(lab):
    from vpix.net.tcp import Handlers

    unit, term, host, files, heard = lab
    lines = []
    host.tcp.listen(1470, lambda conn: Handlers(data=lines.append))
    term.configure("logging host inside 10.0.0.2 tcp/1470")
    assert "logging host inside 10.0.0.2 tcp/1470" in unit.system.running_config()
    term.configure("name 10.1.1.1 one")
    unit.clock.advance(1)
    received = b"".join(lines).decode()
    assert received.endswith("%PIX-5-111008: User 'enable_15' executed the 'name 10.1.1.1 one' command.\n")
    assert received.startswith("<165>")
    assert "Invalid input" in term.configure("logging host inside 10.0.0.2 sctp/9")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(packets=st.lists(st.tuples(st.sampled_from([6, 17]), st.integers(0, 65535), st.binary(max_size=80),
                                  st.booleans()), max_size=25))
def test_fuzzed_segments_and_datagrams_at_the_unit_change_nothing(tmp_path_factory, packets):
    """Random TCP and UDP at the unit's inside address, through the segment, with right
    checksums or as garbage: nothing escapes, the unit keeps no state for them, its counters
    say what it dropped, and it still answers ping."""
    from vpix.features.endpoint import Endpoint
    from vpix.net.packets import ip_bytes
    from vpix.net.tcp import Handlers

    unit = make_unit(tmp_path_factory.mktemp("fuzz"), {"pix-7.2(1)": _image(tmp_path_factory.mktemp("img"))},
                     config=CONFIG)
    unit.services[22] = lambda space, conn: Handlers()      # something listens, keeping nothing
    segment = Segment("inside", unit.clock)
    segment.attach(unit.ports[1])
    host = Host("fuzzer", mac_bytes("0050.5600.0002"), "10.0.0.2", unit.clock)
    host.plug(segment)
    unit.power_on()
    unit.clock.advance(1)
    pongs = []
    host.stack.ping("10.0.0.1", 1, 1.0, pongs.append)
    unit.clock.advance(1)
    for proto, port, body, garbage in packets:
        if garbage:
            payload = body
        elif proto == 17:
            payload = Udp(port, port, body).encode(ip_bytes("10.0.0.2"), ip_bytes("10.0.0.1"))
        else:
            payload = Tcp(port, 22 if port % 2 else port, port * 7919, port, port % 64, body).encode(
                ip_bytes("10.0.0.2"), ip_bytes("10.0.0.1"))
        host.stack.send_ip("10.0.0.1", proto, payload)
    unit.clock.advance(300)
    endpoint = unit.system.feature(Endpoint)
    assert not endpoint.tcp.connections and not endpoint.tcp.half_open.get(22)
    udp = sum(1 for proto, *_ in packets if proto == 17)
    assert endpoint.counters["udp malformed"] + endpoint.counters["udp no port"] == udp
    host.stack.ping("10.0.0.1", 1, 1.0, pongs.append)
    unit.clock.advance(1)
    assert pongs == [True, True]


async def test_a_command_and_its_whole_output_leave_in_one_ssh_packet(lab):
    """Echo, output and prompt of `show version` come in one turn of the loop: one SSH data
    message, not one a piece (four: the echo, its newline, the output, the prompt)."""
    unit, term, host, files, heard = lab
    pieces: list[str] = []

    class Session(asyncssh.SSHClientSession):
        def data_received(self, data, datatype):
            pieces.append(data)

    theirs = await connected_socket(host, "10.0.0.1", 22)
    async with ticking(unit.clock):
        async with asyncssh.connect("10.0.0.1", sock=theirs, username="admin", password="admin", known_hosts=None,
                                    preferred_auth="password", **ASYNCSSH) as conn:
            channel, _ = await conn.create_session(Session, term_type="vt100")
            await until(unit.clock, lambda: "".join(pieces).endswith("fw> "))
            channel.write("terminal pager 0\n")
            await until(unit.clock, lambda: "".join(pieces).endswith("pager 0\r\nfw> "))
            pieces.clear()
            channel.write("show version\n")
            await until(unit.clock, lambda: "".join(pieces).endswith("fw> "))
            channel.close()
    assert "Software Version 7.2(1)" in "".join(pieces) and len(pieces) <= 2, len(pieces)
