"""The unit as a host on its own networks, with real software in network namespaces (as root):
OpenSSH (ssh and scp), Netmiko and scrapli from an admin host reach the unit's inside address, the permit
lines' interface counts, the unit copies an image from tftpd-hpa, vsftpd and an HTTP server
on that host and sends its syslog there. Nothing of it uses a socket of the host machine towards those addresses."""

from __future__ import annotations

import asyncio
import shutil
import sys

import pytest
from helpers.real_hosts import HTTP_SERVER, NEEDS, lab_exec, one_unit_lab, running
from helpers.served import vsftpd_config
from helpers.legacy_ssh import OPENSSH, PARAMIKO
from traffic import CONFIG

from vpix.features.logging import Logging
from vpix.image import format as image_format
from vpix.lab import runner

pytestmark = [NEEDS, pytest.mark.skipif(not (shutil.which("sshpass") and shutil.which("in.tftpd")),
                                        reason="needs sshpass and tftpd-hpa (scripts/setup-tests.sh)")]

MGMT = CONFIG + """enable password cisco
username admin password admin privilege 15
aaa authentication ssh console LOCAL
ssh 192.168.1.0 255.255.255.0 inside
ssh scopy enable
telnet 192.168.1.0 255.255.255.0 inside
logging trap informational
logging host inside 192.168.1.50 udp/5514
"""

SSH = ["sshpass", "-p", "admin", "ssh", *OPENSSH, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
       "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", "-o", "PreferredAuthentications=password,keyboard-interactive"]

NETMIKO = PARAMIKO + """
from netmiko import ConnectHandler
c = ConnectHandler(device_type="cisco_asa", host="192.168.1.1", username="admin", password="admin", secret="cisco")
print(c.send_command("show version"))
c.disconnect()
"""

SCRAPLI = """
from scrapli import Scrapli
c = Scrapli(platform="cisco_asa", host="192.168.1.1", auth_username="admin", auth_password="admin",
            auth_secondary="cisco", auth_strict_key=False, transport="system", timeout_ops=20,
            transport_options={"open_cmd": %r})
c.open()
print(c.send_command("show version").result)
c.close()
""" % (OPENSSH,)

SYSLOG = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.1.50", 5514))
s.settimeout(60)
print("listening", flush=True)
while True:
    data, addr = s.recvfrom(4096)
    if b"111008" in data:
        print(addr[0], data.decode(), flush=True)
"""


async def test_ssh_clients_from_an_admin_host_reach_the_inside_address(tmp_path):
    lab_file = one_unit_lab(tmp_path, MGMT, inside="admin", outside="outsider")
    lab, unit = await running(lab_file)
    try:
        code, out = await lab_exec(lab_file, "admin", *SSH, "admin@192.168.1.1", "show version")
        assert code == 0 and "Cisco PIX Security Appliance Software Version 7.2(1)" in out.decode(), out.decode()
        for client in (NETMIKO, SCRAPLI):
            code, out = await lab_exec(lab_file, "admin", sys.executable, "-c", client, timeout=60)
            assert code == 0 and "Software Version 7.2(1)" in out.decode(), out.decode()
        (tmp_path / "notes.txt").write_text("by scp from the admin host\n")
        code, out = await lab_exec(lab_file, "admin", "sshpass", "-p", "admin", "scp", "-O", *SSH[4:],
                                   str(tmp_path / "notes.txt"), "admin@192.168.1.1:flash:/notes.txt")
        assert code == 0 and unit.flash.read("notes.txt") == b"by scp from the admin host\n", out.decode()
        # the permit lines name the inside: from the outside the unit does not answer
        code, out = await lab_exec(lab_file, "outsider", *SSH, "admin@172.16.1.1", "show version")
        assert code != 0
        assert "710003: TCP access denied by ACL from 172.16.1.50/" in "\n".join(unit.system.feature(Logging).buffer)
    finally:
        await runner.stop(lab)


async def _in_admin(lab_file, *argv, **kwargs):
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "vpix", "lab", "exec", "admin", "--lab",
                                                str(lab_file), "--", *argv, **kwargs)


async def _copied(unit, said: list[str], url: str) -> str:
    """`copy /noconfirm URL flash:` at the console (enabled), until it has ended."""
    said.clear()
    unit.console.input(f"copy /noconfirm {url} flash:\n")
    for _ in range(600):
        if "bytes copied in" in "".join(said) or "%Error" in "".join(said):
            break
        await asyncio.sleep(0.05)
    return "".join(said)


async def test_the_unit_copies_from_real_servers_on_a_lab_host_and_logs_there(tmp_path):
    """tftpd-hpa, vsftpd (passive and active) and an HTTP server in the admin host serve the
    unit's copies through its inside interface; a syslog listener there hears the unit."""
    lab_file = one_unit_lab(tmp_path, MGMT, inside="admin", outside="outsider")
    root = tmp_path / "served"
    root.mkdir()
    image_format.build(root / "pix722.bin", "7.2(2)", "pix", size_mb=1)
    for path in (tmp_path, root, root / "pix722.bin"):
        path.chmod(0o755)
    (tmp_path / "vsftpd.conf").write_text(vsftpd_config(root, "192.168.1.50", 21, range(30000, 30010)))
    lab, unit = await running(lab_file)
    servers = []
    try:
        servers.append(await _in_admin(lab_file, "in.tftpd", "--foreground", "--address", "192.168.1.50:69",
                                       "--secure", str(root)))
        servers.append(await _in_admin(lab_file, "vsftpd", str(tmp_path / "vsftpd.conf")))
        servers.append(await _in_admin(lab_file, sys.executable, "-c", HTTP_SERVER, "192.168.1.50", "8080", str(root),
                                       stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        listener = await _in_admin(lab_file, sys.executable, "-c", SYSLOG, stdout=asyncio.subprocess.PIPE)
        servers.append(listener)
        assert (await asyncio.wait_for(listener.stdout.readline(), 20)) == b"listening\n"
        for _ in range(50):                                   # the servers answer
            code, _ = await lab_exec(lab_file, "admin", "sh", "-c", "ss -ltn | grep -q 192.168.1.50:8080 && "
                                     "ss -ltn | grep -q 192.168.1.50:21")
            if code == 0:
                break
            await asyncio.sleep(0.1)
        said: list[str] = []
        unit.console.listeners.append(said.append)
        unit.console.input("enable\ncisco\n")
        for url in ("tftp://192.168.1.50/pix722.bin", "ftp://192.168.1.50/pix722.bin",
                    "http://192.168.1.50:8080/pix722.bin"):
            assert "bytes copied in" in await _copied(unit, said, url), "".join(said)
            assert image_format.inspect(unit.flash.path("pix722.bin")).version.maint == 2
            unit.flash.delete("pix722.bin")
        unit.console.input("configure terminal\nftp mode passive\nend\n")
        assert "bytes copied in" in await _copied(unit, said, "ftp://192.168.1.50/pix722.bin"), "".join(said)
        unit.console.input("configure terminal\nhostname logged\nend\n")        # 111008: a command executed
        while True:
            source, message = (await asyncio.wait_for(listener.stdout.readline(), 20)).decode().split(" ", 1)
            if "hostname logged" in message:
                break
        assert source == "192.168.1.1" and message.startswith("<") and "%PIX-5-111008:" in message
    finally:
        for proc in servers:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await runner.stop(lab)
