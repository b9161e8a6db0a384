"""Multiple context mode: the conversion, the system execution space and its contexts, each
with its own configuration, interfaces and traffic."""

from __future__ import annotations

import pytest
from helpers.contexts import multiple, sharing
from helpers.served import settle, until
from helpers.watch import beyond_loopback
from traffic import Net

from vpix.features.contexts import Contexts
from vpix.image import format as image_format
from vpix.features.interfaces import Interfaces
from vpix.net.fabric import Segment
from vpix.net.gateway import Gateway
from vpix.net.packets import ACK, SYN, mac_bytes
from vpix.transfer.tftp_server import TftpServer


SERVERS = "192.168.1.254"          # the gateway to this machine's loopback, on the inside segment


@pytest.fixture
def net(tmp_path, images):
    net = Net(tmp_path, images)
    multiple(net)
    return net


def test_mode_multiple_asks_converts_and_reboots(tmp_path, images):
    net = Net(tmp_path, images)
    assert net.term.cmd("show mode") == "Security context mode: single\n"
    net.term.cmd("configure terminal")
    out = net.term.type("mode multiple\n")
    assert out.endswith("WARNING: This command will change the behavior of the device\n"
                        "WARNING: This command will initiate a Reboot\nProceed with change mode? [confirm]")
    assert net.term.type("\n").endswith("Convert the system configuration? [confirm]")
    out = net.term.type("\n")
    assert "The old running configuration file will be written to flash" in out
    assert "The admin context configuration will be written to flash" in out
    assert "Security context mode: multiple" in out
    net.run(1)
    booted = out + net.term.read()
    assert "Rebooting...." in booted and "Creating context 'admin'... Done. (1)" in booted
    assert "ERROR" not in booted
    net.term.cmd("enable")
    net.term.cmd("")
    assert net.term.cmd("show mode") == "Security context mode: multiple\n"
    assert net.unit.console_session.prompt() == "fw# "
    assert net.term.cmd("dir").count(".cfg") == 2
    old = net.term.cmd("more flash:/old_running.cfg")
    assert "PIX Version 7.2(1)\n" in old and " nameif inside" in old


def test_declining_changes_nothing(tmp_path, images):
    net = Net(tmp_path, images)
    net.term.cmd("configure terminal")
    net.term.type("mode multiple\n")
    net.term.type("n\n")
    net.run(1)
    assert "Rebooting" not in net.term.read()
    assert net.term.cmd("show mode") == "Security context mode: single\n"


def test_the_system_and_the_admin_context_split_the_configuration(net):
    system = net.term.cmd("show running-config")
    assert system.startswith(": Saved\n:\nPIX Version 7.2(1) <system>\n")
    assert "admin-context admin\ncontext admin\n  allocate-interface Ethernet0\n" in system
    assert "  config-url flash:/admin.cfg\n" in system
    assert "nameif" not in system and "route" not in system and "timeout xlate" not in system
    assert net.term.cmd("changeto context admin") == ""
    assert net.unit.console_session.prompt() == "fw/admin# "
    admin = net.term.cmd("show running-config")
    assert admin.startswith(": Saved\n:\nPIX Version 7.2(1) <context>\n!\nhostname admin\n")
    assert "interface Ethernet1\n nameif inside\n security-level 100\n ip address 192.168.1.1" in admin
    assert "route outside 0.0.0.0 0.0.0.0 172.16.1.254 1" in admin
    assert "failover" not in admin and "boot system" not in admin
    net.term.cmd("changeto system")
    assert net.unit.console_session.prompt() == "fw# "


def test_show_context_lists_the_admin_context_marked_with_its_class(net):
    net.term.configure("class gold", "exit", "context ctx1", "member gold", "allocate-interface Ethernet5",
                       "config-url flash:/ctx1.cfg")
    assert net.term.cmd("show context") == (
        "Context Name      Class                Interfaces           URL\n"
        "*admin            default              Ethernet0            flash:/admin.cfg\n"
        "                                       Ethernet1\n"
        "                                       Ethernet2\n"
        "                                       Ethernet3\n"
        "                                       Ethernet4\n"
        "                                       Ethernet5\n"
        " ctx1             gold                 Ethernet5            flash:/ctx1.cfg\n"
        "Total active Security Contexts: 2\n")


def test_before_7_2_show_context_has_no_class_column(tmp_path, images):
    path = tmp_path / image_format.default_name(image_format.Version.parse("7.0(8)"), "pix")
    image_format.build(path, "7.0(8)", "pix", size_mb=0.25)
    net = Net(tmp_path / "unit", {"pix-7.0(8)": path}, image_key="pix-7.0(8)")
    multiple(net)
    assert net.term.cmd("show context").startswith(
        "Context Name      Interfaces                    URL\n"
        "*admin            Ethernet0                     flash:/admin.cfg\n"
        "                  Ethernet1\n")
    assert "Invalid input" in net.term.configure("class gold")


def test_a_new_context_gets_its_interfaces_and_its_own_configuration(net):
    net.term.configure("context admin", "no allocate-interface Ethernet2", "no allocate-interface Ethernet3")
    out = net.term.configure("context ctx1", "description web farm", "allocate-interface Ethernet2",
                             "allocate-interface Ethernet3 dmz", "config-url flash:/ctx1.cfg")
    assert out == ("Creating context 'ctx1'... Done. (2)\n"
                   "WARNING: Could not fetch the URL flash:/ctx1.cfg\n"
                   "INFO: Creating context with default config\n")
    shown = net.term.cmd("show context")
    assert (" ctx1             default              Ethernet2            flash:/ctx1.cfg\n"
            "                                       Ethernet3\n") in shown
    assert shown.endswith("Total active Security Contexts: 2\n")
    net.term.cmd("changeto context ctx1")
    assert net.unit.console_session.prompt() == "fw/ctx1# "
    assert net.term.configure("interface dmz", "nameif dmz", "security-level 50",
                              "ip address 10.5.5.1 255.255.255.0") == \
        'INFO: Security level for "dmz" set to 0 by default.\n'
    assert net.unit.console_session.prompt() == "fw/ctx1# "
    assert "dmz                        10.5.5.1" in net.term.cmd("show interface ip brief")
    assert "Ethernet0" not in net.term.cmd("show interface ip brief")
    assert "Cryptochecksum" in net.term.cmd("write memory")
    saved = net.term.cmd("more flash:/ctx1.cfg")
    assert "PIX Version 7.2(1) <context>" in saved and "hostname ctx1" in saved
    assert "interface dmz\n nameif dmz\n security-level 50\n ip address 10.5.5.1 255.255.255.0" in saved
    net.term.cmd("changeto system")
    assert "Cryptochecksum" in net.term.cmd("write memory")
    net.reload()
    assert " ctx1 " in net.term.cmd("show context")
    net.term.cmd("changeto context ctx1")
    assert "ip address 10.5.5.1 255.255.255.0" in net.term.cmd("show running-config interface dmz")
    net.term.cmd("changeto context admin")
    assert "Ethernet2" not in net.term.cmd("show running-config")


def test_the_system_space_and_contexts_keep_to_their_own_commands(net):
    caret = "ERROR: % Invalid input detected at '^' marker."
    net.term.cmd("configure terminal")
    for line in ("route outside 0 0 172.16.1.254", "access-list A permit ip any any", "nat (inside) 1 0 0",
                 "timeout conn 2:00:00"):
        assert caret in net.term.cmd(line), line
    net.term.cmd("interface Ethernet0")
    assert caret in net.term.cmd("nameif outside")
    assert net.term.cmd("speed 100") == ""
    net.term.cmd("end")
    net.term.cmd("changeto context admin")
    net.term.cmd("configure terminal")
    for line in ("failover", "failover lan unit primary", "boot system flash:/image.bin", "context c9",
                 "admin-context c9", "mode single", "router ospf 1", "router rip", "multicast-routing",
                 "crypto isakmp enable outside"):
        assert caret in net.term.cmd(line), line
    net.term.cmd("interface Ethernet0")
    assert caret in net.term.cmd("speed 100")
    net.term.cmd("end")
    assert caret in net.term.cmd("reload")


def test_who_logs_in_to_a_context_stays_in_it(net):
    net.term.configure("context admin", "no allocate-interface Ethernet5",
                       "context ctx1", "allocate-interface Ethernet5", "config-url flash:/ctx1.cfg")
    net.term.cmd("changeto context ctx1")
    assert net.term.cmd("changeto system") == ""          # the system administrator came from the system
    assert net.unit.console_session.prompt() == "fw# "
    ctx1 = next(s for s in net.unit.system.feature(Contexts).defs.values() if s.name == "ctx1").space
    session = ctx1.open_session("telnet", priv=15, interactive=False)
    assert "ERROR: % Invalid input detected at '^' marker." in session.execute("changeto system")
    assert session.execute("show context count") == "Total active Security Contexts: 1\n"
    assert session.prompt() == "fw/ctx1# "
    assert net.term.cmd("changeto context nosuch") == "ERROR: Context 'nosuch' does not exist\n"


def test_the_license_limits_the_user_contexts(net):
    # PIX-515E UR: two security contexts besides the admin context
    out = net.term.configure("context c1", "exit", "context c2", "exit", "context c3")
    assert "Creating context 'c2'... Done. (3)" in out
    assert ("ERROR: Cannot create context 'c3': the license allows 2 security contexts besides the admin "
            "context") in out
    assert "context c3" not in net.term.cmd("show running-config context")


def test_the_admin_context_passes_traffic_and_answers_on_its_addresses(net):
    replies = []
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies == [True]
    net.tcp(net.pc, "172.16.1.50", 40000, 80, SYN)
    assert [seg.flags for kind, seg, _ in net.received["server"] if kind == "tcp"] == [SYN]
    net.tcp(net.server, "192.168.1.50", 80, 40000, SYN | ACK)
    assert [seg.flags for kind, seg, _ in net.received["pc"] if kind == "tcp"] == [SYN | ACK]
    assert "0 packets input" not in net.term.cmd("show interface Ethernet1")     # the system counts them too
    net.term.cmd("changeto context admin")
    assert net.term.cmd("show conn").startswith("1 in use")
    assert "%PIX-6-302013: Built outbound TCP connection" in net.term.cmd("show logging")


def test_an_interface_taken_from_a_context_stops_answering(net):
    net.term.configure("context admin", "no allocate-interface Ethernet1")
    replies = []
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies == [False]
    net.term.configure("context admin", "allocate-interface Ethernet1")
    net.term.cmd("changeto context admin")
    net.term.configure("interface Ethernet1", "nameif inside", "security-level 100",
                       "ip address 192.168.1.1 255.255.255.0")
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies == [False, True]


def test_mode_single_goes_back_and_boots_the_system_configuration(net):
    net.term.cmd("configure terminal")
    out = net.term.type("mode single\n")
    assert out.endswith("Proceed with change mode? [confirm]")
    booted = net.term.type("\n")
    net.run(1)
    booted += net.term.read()
    assert "Rebooting...." in booted
    assert "ERROR: % Invalid input detected at '^' marker." in booted     # context lines mean nothing now
    net.term.cmd("enable")
    net.term.cmd("")
    assert net.term.cmd("show mode") == "Security context mode: single\n"
    assert net.unit.console_session.prompt() == "fw# "


def test_oxidized_reads_each_context_from_the_system(net):
    net.term.cmd("changeto context admin")
    net.term.cmd("write memory")
    assert net.term.cmd("show mode") == "Security context mode: multiple\n"
    assert net.term.cmd("changeto system") == ""
    system = net.term.cmd("more system:running-config")
    urls = [line.split()[1] for line in system.splitlines() if line.startswith("  config-url ")]
    assert urls == ["flash:/admin.cfg"]
    admin = net.term.cmd(f"more {urls[0]}")
    assert admin.startswith(": Saved\n:\nPIX Version 7.2(1) <context>\n")
    assert admin.rstrip().endswith(": end")


def test_write_memory_all_saves_the_system_and_every_context(net):
    net.term.configure("context admin", "no allocate-interface Ethernet5",
                       "context ctx1", "allocate-interface Ethernet5", "config-url flash:/ctx1.cfg")
    net.term.cmd("changeto context ctx1")
    net.term.configure("interface Ethernet5", "nameif web", "security-level 40")
    net.term.cmd("changeto system")
    out = net.term.cmd("write memory all")
    assert out.startswith("Building configuration...\nSaving context :           system : (000/002 Contexts saved)")
    assert "Saving context :            admin : (001/002 Contexts saved)" in out
    assert "Saving context :             ctx1 : (002/002 Contexts saved)" in out
    assert out.count("Cryptochecksum:") == 3 and out.endswith("[OK]\n")
    assert "nameif web" in net.term.cmd("more flash:/ctx1.cfg")
    assert "context ctx1" in net.term.cmd("show startup-config")


def test_removing_a_context_ends_it(net):
    net.term.configure("context admin", "no allocate-interface Ethernet1",
                       "context ctx1", "allocate-interface Ethernet1", "config-url flash:/ctx1.cfg")
    net.term.cmd("changeto context ctx1")
    net.term.configure("interface Ethernet1", "nameif inside", "security-level 100",
                       "ip address 192.168.1.1 255.255.255.0")
    replies = []
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.run(1.5)
    net.term.cmd("changeto system")
    assert net.term.configure("no context admin") == "ERROR: Cannot remove the admin context\n"
    assert net.term.configure("no context ctx1") == ""
    net.pc.stack.ping("192.168.1.1", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies == [True, False]
    assert "ctx1" not in net.term.cmd("show context")
    assert net.term.cmd("changeto context ctx1") == "ERROR: Context 'ctx1' does not exist\n"


def test_a_license_without_contexts_keeps_single_mode(tmp_path, images):
    from vpix.features.license import grants, keys

    net = Net(tmp_path, images)
    key = keys.encode(net.unit.identity.serial, grants.grant("PIX-515E-R"))
    net.unit.flash.write_private("activation-key", (key + "\n").encode())
    net.reload()
    net.term.cmd("configure terminal")
    assert net.term.cmd("mode multiple noconfirm") == \
        "ERROR: Multiple context mode is not supported by the license on this platform\n"
    net.run(1)
    assert net.term.cmd("show mode") == "Security context mode: single\n"


CTX_FILE = """hostname web
interface Ethernet2
 nameif outside
 security-level 0
 ip address 10.5.5.1 255.255.255.0
"""


async def _settled(net) -> str:
    """What the console showed until the command waiting on a transfer finished."""
    await settle(net.unit)
    return net.term.read()


def _gateway(net) -> Gateway:
    """The way to servers on this machine's loopback, on the admin context's inside segment."""
    gateway = Gateway("gateway", mac_bytes("0050.56ff.0001"), SERVERS, net.clock)
    gateway.plug(net.segments["inside"])
    return gateway


async def _web_context(net, url: str) -> str:
    """Context web, with Ethernet2 taken from the admin context and its configuration at
    ``url``; what loading it said. Left in the context's configuration mode."""
    net.term.configure("context admin", "no allocate-interface Ethernet2")
    net.term.cmd("configure terminal")
    net.term.cmd("context web")
    net.term.cmd("allocate-interface Ethernet2")
    net.term.type(f"config-url {url}\n")
    return await _settled(net)


async def _served(root):
    server = TftpServer(root)
    port = await server.start()
    return server, port


async def test_config_url_on_a_server_loads_the_context_from_it_at_the_cli_and_at_boot(net, tmp_path, watched):
    root = tmp_path / "configs"
    root.mkdir()
    (root / "web.cfg").write_text(CTX_FILE)
    server, port = await _served(root)
    _gateway(net)
    try:
        url = f"tftp://{SERVERS}:{port}/web.cfg"
        assert "WARNING" not in await _web_context(net, url)
        net.term.cmd("context other")
        net.term.type(f"config-url tftp://{SERVERS}:{port}/missing.cfg\n")
        assert (f"WARNING: Could not fetch the URL tftp://{SERVERS}:{port}/missing.cfg\n"
                "INFO: Creating context with default config\n") in await _settled(net)
        net.term.cmd("no context other")
        net.term.cmd("end")
        shown = net.term.cmd("show context")
        assert f" web              default              Ethernet2            {url}\n" in shown and " other " not in shown
        net.term.cmd("changeto context web")
        assert "10.5.5.1" in net.term.cmd("show running-config interface Ethernet2")
        net.term.type("write memory\n")            # vpix's TFTP server takes no files
        assert (await _settled(net)).endswith(f"%Error opening {url} (Permission denied)\nfw/web# ")
        net.term.cmd("changeto system")
        net.term.type("write memory all\n")
        said = await _settled(net)
        assert f"%Error opening {url} (Permission denied)" in said and "[OK]" in said
        assert (root / "web.cfg").read_text() == CTX_FILE
        await _reloaded_context(net, "web")
        net.term.cmd("changeto context web")
        assert "ip address 10.5.5.1 255.255.255.0" in net.term.cmd("show running-config interface Ethernet2")
        assert any(event == "socket.sendto" for event, _ in watched)        # the watch sees the relays,
        assert beyond_loopback(watched) == []                                 # which went to loopback only
    finally:
        server.close()


async def _reloaded_context(net, name: str) -> None:
    """Reload the unit and wait for context ``name`` to come up (from its server)."""
    net.reload()

    def up() -> bool:
        d = net.unit.system.feature(Contexts).defs.get(name)
        return d is not None and d.space.started
    await until(net.clock, up)


async def test_a_context_kept_on_a_server_is_saved_there(net, tftpd_hpa_writable):
    """The seed's "startup configurations saved on external servers": write memory in the
    context and write memory all in the system put the file on the server; a reload reads it back."""
    root, port = tftpd_hpa_writable
    (root / "web.cfg").write_text(CTX_FILE)
    (root / "web.cfg").chmod(0o666)
    url = f"tftp://{SERVERS}:{port}/web.cfg"
    _gateway(net)
    await _web_context(net, url)
    net.term.cmd("end")
    net.term.cmd("changeto context web")
    net.term.configure("interface Ethernet2", "ip address 10.6.6.1 255.255.255.0")
    net.term.type("write memory\n")
    said = await _settled(net)
    words = " ".join(net.unit.system.feature(Contexts).defs["web"].space.checksum()[i:i + 8] for i in range(0, 32, 8))
    assert f"Cryptochecksum: {words} \n\n" in said and said.endswith("[OK]\nfw/web# ")
    assert "ip address 10.6.6.1 255.255.255.0" in (root / "web.cfg").read_text()
    net.term.cmd("changeto system")
    net.term.configure("interface Ethernet2", "no shutdown")
    net.term.cmd("changeto context web")
    own = Gateway("own", mac_bytes("0050.56ff.0002"), "10.6.6.254", net.clock)       # on web's own segment
    own.plug(Segment("web", net.clock))
    own.port.segment.attach(net.unit.ports[2])
    backup = f"tftp://10.6.6.254:{port}/web-backup.cfg"         # a context's copy goes by its own interfaces
    assert " bytes copied in " in net.term.type(f"copy /noconfirm running-config {backup}\n") + await _settled(net)
    assert "PIX Version 7.2(1) <context>\n!\nhostname web\n" in (root / "web-backup.cfg").read_text()
    assert "Invalid input" in net.term.cmd("copy /noconfirm running-config flash:/x.cfg")
    net.term.configure("access-list web-in extended permit tcp any any eq www")
    net.term.cmd("changeto system")
    said = net.term.type("write memory all\n") + await _settled(net)
    assert "Saving context :              web : (002/002 Contexts saved)" in said and "%Error" not in said
    assert "access-list web-in extended permit tcp any any eq www" in (root / "web.cfg").read_text()
    await _reloaded_context(net, "web")
    net.term.cmd("changeto context web")
    shown = net.term.cmd("show running-config")
    assert "ip address 10.6.6.1 255.255.255.0" in shown and "access-list web-in" in shown


# ---------------------------------------------------------------- shared interfaces

def test_contexts_sharing_an_interface_each_take_their_own_packets(net):
    web, got = sharing(net)
    shown = net.term.cmd("show context")
    assert "*admin            default              Ethernet0 " in shown
    assert " ctx1             default              Ethernet0 " in shown
    replies = []
    for address in ("172.16.1.1", "172.16.1.2"):           # each context answers on its own address
        net.server.stack.ping(address, 1, 1.0, replies.append)
        net.run(1.5)
    assert replies == [True, True]
    net.tcp(net.server, "172.16.1.100", 40000, 80, SYN)      # the static: ctx1's
    assert [(seg.flags, source) for seg, source in got] == [(SYN, "172.16.1.50")]
    net.tcp(web, "172.16.1.50", 80, 40000, SYN | ACK)
    assert [(seg.flags, source) for kind, seg, source in net.received["server"] if kind == "tcp"] == \
        [(SYN | ACK, "172.16.1.100")]
    net.term.cmd("changeto context ctx1")
    assert net.term.cmd("show conn").startswith("1 in use")
    net.term.cmd("changeto context admin")
    assert net.term.cmd("show conn").startswith("0 in use")
    # the admin context still passes its own traffic through the shared interface
    net.tcp(net.pc, "172.16.1.50", 40001, 80, SYN)
    assert [seg.flags for kind, seg, _ in net.received["server"] if kind == "tcp"][-1] == SYN


def test_a_packet_no_context_claims_on_a_shared_interface_is_dropped(net):
    web, got = sharing(net)
    net.term.cmd("changeto context admin")
    net.term.configure("route outside 10.2.2.0 255.255.255.0 172.16.1.2")
    share = net.unit.system.feature(Interfaces).by_hw("Ethernet0").share
    # to the units' shared MAC (the server's gateway), for an address neither context owns
    net.tcp(net.server, "10.2.2.50", 40000, 80, SYN)
    assert got == [] and share.unclassified == 1
    net.term.cmd("changeto system")
    assert "  Virtual firewall classification failed" in net.term.cmd("show asp drop frame")


def test_removing_a_context_frees_its_share_of_the_interface(net):
    sharing(net)
    share = net.unit.system.feature(Interfaces).by_hw("Ethernet0").share
    assert len(share.views) == 2
    net.term.configure("no context ctx1")
    assert len(share.views) == 1
    replies = []
    for address in ("172.16.1.2", "172.16.1.1"):
        net.server.stack.ping(address, 1, 1.0, replies.append)
        net.run(1.5)
    assert replies == [False, True]


def test_mac_address_auto_gives_each_shared_interface_its_own_mac(net):
    web, got = sharing(net)
    net.term.configure("mac-address auto")
    assert "mac-address auto\n!\ninterface Ethernet0\n" in net.term.cmd("show running-config")
    replies = []
    for address in ("172.16.1.1", "172.16.1.2"):
        net.server.stack.ping(address, 1, 1.0, replies.append)
        net.run(1.5)
    assert replies == [True, True]
    arp = net.server.stack.arp
    assert (arp["172.16.1.1"].hex(), arp["172.16.1.2"].hex()) == ("120000000001", "120000000002")
    assert net.unit.ports[2].mac == bytes.fromhex(net.unit.identity.macs[2].replace(".", ""))  # not shared
    net.tcp(net.server, "172.16.1.100", 40000, 80, SYN)          # ctx1's MAC: ctx1's packet
    assert [seg.flags for seg, _ in got] == [SYN]
    net.term.configure("no mac-address auto")                   # back to the interface's own MAC
    net.server.stack.ping("172.16.1.2", 1, 1.0, replies.append)
    net.run(1.5)
    assert replies[-1] and arp["172.16.1.2"] == bytes.fromhex(net.unit.identity.macs[0].replace(".", ""))


def test_a_config_url_flash_cannot_hold_is_refused_and_the_others_are_saved(net):
    long = "flash:/" + "a" * 300 + ".cfg"
    net.term.configure("context ctx1", "config-url " + long)
    net.term.cmd("changeto system")
    out = net.term.cmd("write memory all")
    assert f"%Error opening {long} (Invalid argument)" in out and "Internal error" not in out
    assert out.endswith("[OK]\n") and out.count("Cryptochecksum:") == 2
    for command in ("more", "dir", "delete /noconfirm", "mkdir /noconfirm"):
        assert "Internal error" not in net.term.cmd(f"{command} {long}")
