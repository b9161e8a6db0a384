"""Real automation clients over real sockets are the judges."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess

import pytest
from ntc_templates.parse import parse_output

from helpers.legacy_ssh import OPENSSH
from helpers.served import Line, serve, serve_multiple, telnet_login, wait_until

from vpix.features.logging import Logging

pytestmark = pytest.mark.clients


@pytest.fixture(scope="module")
def pix(tmp_path_factory, images):
    served = serve(tmp_path_factory.mktemp("pix") / "fw1", images["pix-7.2(1)"])
    yield served
    served.stop()


@pytest.fixture(scope="module")
def asa(tmp_path_factory, images):
    served = serve(tmp_path_factory.mktemp("asa") / "asa1", images["asa-8.0(4)"], "ASA5520", "asa1")
    yield served
    served.stop()


@pytest.fixture(scope="module")
def multi(tmp_path_factory, images):
    served = serve_multiple(tmp_path_factory.mktemp("multi") / "fw1", images["pix-7.2(1)"])
    yield served
    served.stop()


def netmiko(served, **extra):
    from netmiko import ConnectHandler

    return ConnectHandler(device_type="cisco_asa", host="127.0.0.1", port=served.ports.ssh,
                          username="admin", password="admin", secret="cisco", fast_cli=True,
                          **extra)


def test_netmiko_full_cycle(pix):
    conn = netmiko(pix)
    try:
        assert conn.find_prompt() == "fw1#"
        out = conn.send_command("show version")
        assert "Cisco PIX Security Appliance Software Version 7.2(1)" in out
        assert conn.send_command("show curpriv").splitlines()[0] == "Username : admin"
        result = conn.send_config_set(["name 10.1.1.1 server1", "interface Ethernet2",
                                       "nameif dmz", "security-level 50"])
        assert "ERROR" not in result
        assert conn.find_prompt() == "fw1#"
        saved = conn.save_config()
        assert "[OK]" in saved
        run = conn.send_command("show running-config")
        assert "name 10.1.1.1 server1" in run and "nameif dmz" in run
        assert "terminal width 511" in run
    finally:
        conn.disconnect()
    startup = pix.run(lambda: pix.unit.system.read_startup())
    assert "nameif dmz" in startup


def test_netmiko_sees_errors_as_the_device_writes_them(pix):
    conn = netmiko(pix)
    try:
        out = conn.send_command("show frobnicate")
        assert "ERROR: % Invalid input detected at '^' marker." in out
    finally:
        conn.disconnect()


def test_scrapli_community_cisco_asa(pix):
    from scrapli import Scrapli

    conn = Scrapli(platform="cisco_asa", host="127.0.0.1", port=pix.ports.ssh, auth_username="admin",
                   auth_password="admin", auth_secondary="cisco", auth_strict_key=False,
                   transport="system", timeout_ops=10, transport_options={"open_cmd": OPENSSH})
    conn.open()
    try:
        # on_open leaves scrapli in configuration mode after `terminal width 511`, as on a device
        assert re.fullmatch(r"fw1(\(config\))?#", conn.get_prompt())
        response = conn.send_command("show version")
        assert not response.failed and "Version 7.2(1)" in response.result
        configs = conn.send_configs(["name 10.2.2.2 server2", "pager lines 30"])
        assert not configs.failed
        assert "name 10.2.2.2 server2" in conn.send_command("show running-config").result
        bad = conn.send_command("show nonsense")
        assert bad.failed
    finally:
        conn.close()


def test_ntc_templates_parse_show_version_interface_dir(asa):
    conn = netmiko(asa)
    try:
        version = conn.send_command("show version")
        interfaces = conn.send_command("show interface")
        listing = conn.send_command("dir")
    finally:
        conn.disconnect()
    parsed = parse_output(platform="cisco_asa", command="show version", data=version)[0]
    serial = asa.unit.identity.serial
    assert parsed["version"] == "8.0(4)"
    assert parsed["hostname"] == "asa1"
    assert parsed["hardware"].startswith("ASA5520")
    assert parsed["serial"] == [serial]
    assert parsed["image"] == "disk0:/asa804-k8.bin"
    assert parsed["interfaces"][:2] == ["GigabitEthernet0/0", "GigabitEthernet0/1"]
    rows = parse_output(platform="cisco_asa", command="show interface", data=interfaces)
    by_name = {r["interface"]: r for r in rows}
    assert by_name["GigabitEthernet0/0"]["interface_zone"] == "outside"
    assert by_name["GigabitEthernet0/0"]["ip_address"] == "192.0.2.1"
    assert by_name["GigabitEthernet0/0"]["link_status"] == "up"
    assert by_name["GigabitEthernet0/2"]["link_status"] == "administratively down"
    assert by_name["GigabitEthernet0/0"]["mac_address"] == asa.unit.identity.macs[0]
    files = parse_output(platform="cisco_asa", command="dir", data=listing)
    assert [f["name"] for f in files] == ["asa804-k8.bin"]
    assert files[0]["file_system"] == "disk0:/"
    assert int(files[0]["total_size"]) == 256 * 1024 * 1024


def _ssh_cmd(served, command):
    return ["sshpass", "-p", "admin", "ssh", "-p", str(served.ports.ssh), *OPENSSH, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "PreferredAuthentications=password,keyboard-interactive",
            "admin@127.0.0.1", command]


@pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass is installed by .ci/run")
def test_openssh_exec_channel(pix):
    done = subprocess.run(_ssh_cmd(pix, "show version"), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert "Cisco PIX Security Appliance Software Version 7.2(1)" in done.stdout


def test_pexpect_interactive_ssh(pix):
    import pexpect

    child = pexpect.spawn(
        f"ssh -p {pix.ports.ssh} {' '.join(OPENSSH)} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR -o PubkeyAuthentication=no admin@127.0.0.1", timeout=15, encoding="utf-8")
    try:
        child.expect("assword:")
        child.sendline("admin")
        child.expect(r"fw1> $")
        child.sendline("enable")
        child.expect("Password: ")
        child.sendline("cisco")
        child.expect(r"fw1# $")
        child.send("show ver")
        child.send("?")
        child.expect(r"version\r\nfw1# show ver")
        child.send("\t")
        child.expect("sion ")
        child.sendline("")
        child.expect(r"<--- More --->")
        child.send("q")
        child.expect(r"fw1# $")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close()


def test_telnet_login_and_wrong_passwords(pix):
    with Line(pix.ports.telnet) as line:
        assert "User Access Verification" in line.expect("Password: ")
        line.send(b"cisco\r\n").expect("fw1> ")
        assert "Username : enable_1" in line.send(b"show curpriv\r\n").expect("fw1> ")
    with Line(pix.ports.telnet) as line:
        assert "User Access Verification" in line.expect("Password: ")
        said = line.send(b"nope\r\nnope2\r\nnope3\r\n").until_closed()
    assert said.count("Invalid password") == 3 and "fw1>" not in said


def test_wrong_ssh_password_is_refused_and_changes_nothing(pix):
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException

    before = pix.run(lambda: pix.unit.system.running_config())
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(device_type="cisco_asa", host="127.0.0.1", port=pix.ports.ssh,
                       username="admin", password="wrong", secret="cisco")
    assert pix.run(lambda: pix.unit.system.running_config()) == before


def test_garbage_and_abrupt_disconnects_leave_the_unit_serving(pix):
    for port in (pix.ports.telnet, pix.ports.ssh, pix.ports.console):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(bytes(range(256)) * 40 + b"\xff\xfb\x01" * 50 + b"A" * 20000)
    with Line(pix.ports.console) as line:
        line.send(b"\x1b[A" * 100 + b"\r\n" + b"x" * 9000 + b"\r\nshow curpriv\r\n")
        line.expect("Current privilege level")
    assert pix.run(lambda: pix.unit.state) == "running"
    with telnet_login(pix.ports.telnet) as line:
        assert "Current privilege level : 1" in line.send(b"show curpriv\r\n").expect("fw1> ")


def test_many_concurrent_sessions_share_one_state(pix):
    conns = [netmiko(pix) for _ in range(4)]
    try:
        conns[0].send_config_set(["name 10.3.3.3 shared-name"])
        for conn in conns[1:]:
            assert "shared-name" in conn.send_command("show running-config | include shared-name")
    finally:
        for conn in conns:
            conn.disconnect()


@pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass is installed by .ci/run")
@pytest.mark.parametrize("method", ["password", "keyboard-interactive"])
def test_openssh_password_and_keyboard_interactive(pix, method):
    cmd = _ssh_cmd(pix, "show curpriv")
    cmd[cmd.index("PreferredAuthentications=password,keyboard-interactive")] = f"PreferredAuthentications={method}"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Username : admin" in done.stdout
    cmd[1] = "wrong"
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "Username" not in refused.stdout


def test_console_port_speaks_telnet_and_keeps_its_session(pix):
    with Line(pix.ports.console) as line:
        line.send(b"\r\nenable\r\n").expect("Password: ")
        line.send(b"cisco\r\n").expect("fw1# ")
        assert "Current privilege level : 15" in line.send(b"show curpriv\r\n").expect("fw1# ")
    with Line(pix.ports.console) as line:
        line.expect("fw1# ")                     # the serial line kept its state
        line.send(b"disable\r\n").expect("fw1> ")


def test_banners(pix):
    pix.run(lambda: pix.unit.system.apply_config(
        "banner motd Authorized access only\nbanner exec Welcome to fw1\nbanner login Log in now"))
    try:
        with Line(pix.ports.telnet) as line:
            text = line.expect("Password: ") + line.send(b"cisco\r\n").expect("fw1> ")
        assert text.index("Authorized access only") < text.index("Log in now") < \
            text.index("User Access Verification") < text.index("Welcome to fw1") < text.index("fw1>")
        run = pix.run(lambda: pix.unit.system.running_config())
        assert "banner motd Authorized access only" in run
    finally:
        pix.run(lambda: pix.unit.system.apply_config("no banner motd\nno banner exec\nno banner login"))


def test_netmiko_without_secret_reaches_level_15_by_login(pix):
    from netmiko import ConnectHandler

    conn = ConnectHandler(device_type="cisco_asa", host="127.0.0.1", port=pix.ports.ssh,
                          username="admin", password="admin", fast_cli=True)
    try:
        assert conn.find_prompt() == "fw1#"
        assert "Current privilege level : 15" in conn.send_command("show curpriv")
    finally:
        conn.disconnect()


def test_netmiko_scp_file_transfer_to_flash(pix, tmp_path):
    from netmiko import file_transfer

    source = tmp_path / "upload.bin"
    source.write_bytes(bytes(range(256)) * 4000)
    conn = netmiko(pix)
    try:
        conn.send_config_set(["ssh scopy enable"])
        result = file_transfer(conn, source_file=str(source), dest_file="upload.bin", file_system="flash:",
                               direction="put", overwrite_file=True)
        assert result["file_transferred"] and result["file_verified"]
        again = file_transfer(conn, source_file=str(source), dest_file="upload.bin", file_system="flash:",
                              direction="put", overwrite_file=True)
        assert again["file_exists"] and not again["file_transferred"]
    finally:
        conn.send_config_set(["no ssh scopy enable"])
        conn.disconnect()
    stored = pix.run(lambda: pix.unit.flash.path("upload.bin").read_bytes())
    assert stored == source.read_bytes()


@pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass is installed by .ci/run")
def test_openssh_scp_needs_scopy(pix, tmp_path):
    source = tmp_path / "cfg.txt"
    source.write_text("hello flash\n")
    base = ["sshpass", "-p", "admin", "scp", "-O", "-P", str(pix.ports.ssh), *OPENSSH, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
    refused = subprocess.run(base + [str(source), "admin@127.0.0.1:flash:/cfg.txt"], capture_output=True,
                             timeout=30)
    assert refused.returncode != 0
    pix.run(lambda: pix.unit.system.apply_config("ssh scopy enable"))
    try:
        done = subprocess.run(base + [str(source), "admin@127.0.0.1:flash:/cfg.txt"], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        back = tmp_path / "back.txt"
        done = subprocess.run(base + ["admin@127.0.0.1:flash:/cfg.txt", str(back)], capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert back.read_text() == "hello flash\n"
        hidden = subprocess.run(base + ["admin@127.0.0.1:flash:/.private/startup-config", str(back)],
                                capture_output=True, timeout=30)
        assert hidden.returncode != 0
    finally:
        pix.run(lambda: pix.unit.system.apply_config("no ssh scopy enable"))


def test_netmiko_across_security_contexts(multi):
    conn = netmiko(multi)
    try:
        assert conn.find_prompt() == "fw1/admin#"
        assert conn.send_command("show mode").strip() == "Security context mode: multiple"
        conn.send_command("changeto system")
        assert conn.find_prompt() == "fw1#"
        contexts = conn.send_command("show context")
        assert "*admin" in contexts and " ctx1 " in contexts
        conn.send_command("changeto context ctx1")
        assert conn.find_prompt() == "fw1/ctx1#"
        result = conn.send_config_set(["interface Ethernet2", "nameif dmz", "security-level 50",
                                       "ip address 10.9.9.1 255.255.255.0"])
        assert "ERROR" not in result and conn.find_prompt() == "fw1/ctx1#"
        assert "[OK]" in conn.save_config()
        conn.send_command("changeto system")
        saved = conn.send_command("more flash:/ctx1.cfg")
        assert "nameif dmz" in saved and "<context>" in saved
        admin = conn.send_command("changeto context admin") + conn.send_command("show running-config")
        assert "nameif dmz" not in admin and "nameif inside" in admin
    finally:
        conn.disconnect()


def test_a_contexts_resource_class_caps_its_telnet_and_ssh_sessions(tmp_path, images):
    import paramiko

    served = serve_multiple(tmp_path / "fw1", images["pix-7.2(1)"])
    try:
        system = served.run(lambda: served.unit.system)
        served.run(lambda: system.apply_config(
            "class one\n  limit-resource telnet 1\n  limit-resource ssh 1\ncontext admin\n  member one\n"))
        admin = served.run(lambda: served.unit.management_space())
        served.run(lambda: admin.apply_config("logging enable\nlogging buffered notifications\n"))
        first = telnet_login(served.ports.telnet)
        try:
            with Line(served.ports.telnet) as line:
                refused = line.until_closed()                                      # closed at once
            assert "Password" not in refused and "> " not in refused
            conn = netmiko(served)                                                 # SSH: a limit of its own
            try:
                client = paramiko.SSHClient()
                client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
                client.connect("127.0.0.1", served.ports.ssh, "admin", "admin", look_for_keys=False,
                               allow_agent=False)
                _, stdout, _ = client.exec_command("show version")
                assert stdout.read() == b"" and stdout.channel.recv_exit_status() == 1
                client.close()
            finally:
                conn.disconnect()
        finally:
            first.close()
        log = "\n".join(served.run(lambda: list(admin.feature(Logging).buffer)))
        assert "%PIX-5-321001: Resource 'telnet' limit of 1 reached for context 'admin'" in log
        assert "%PIX-5-321001: Resource 'ssh' limit of 1 reached for context 'admin'" in log
        wait_until(lambda: not served.run(lambda: [s for s in served.unit.system.sessions if s.transport == "telnet" and not s.closed]))
        with telnet_login(served.ports.telnet) as line:
            assert "Current privilege level : 1" in line.send(b"show curpriv\r\n").expect("> ")
    finally:
        served.stop()


async def test_a_client_that_resets_its_connection_has_hung_up():
    """A console or Telnet client that resets its connection (RST, not FIN) ends the session
    quietly, like any other hangup: no task dies with ConnectionResetError."""
    from vpix.mgmt.telnet import _pump

    class Resetting:
        def __init__(self):
            self.reads = [b"show version\r\n"]

        async def read(self, size):
            if self.reads:
                return self.reads.pop()
            raise ConnectionResetError(104, "Connection reset by peer")

    fed = []
    await _pump(Resetting(), fed.append)
    assert fed == [b"show version\r\n"]


def test_an_oxidized_backup_reads_without_an_error_line(asa):
    """The command sequence of Oxidized's `asa` model, as it backs a unit up."""
    conn = netmiko(asa)
    try:
        said = {command: conn.send_command(command) for command in
                ("show mode", "show version", "show inventory", "more system:running-config")}
    finally:
        conn.disconnect()
    assert not [c for c, out in said.items() if "ERROR" in out or "Invalid input" in out]
    assert said["show mode"].strip() == "Security context mode: single"
    assert said["show inventory"].startswith('Name: "Chassis", DESCR: "ASA 5520 Adaptive Security Appliance"')
    config = said["more system:running-config"]
    assert config.startswith(": Saved") and "ASA Version 8.0(4)" in config and config.rstrip().endswith(": end")
