"""vpix's own command line: images, unit directories, running units and labs, the console."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from contextlib import contextmanager

import pexpect
import pytest
from click.testing import CliRunner

from helpers.served import Line, wait_until

from vpix.image import format as image_format
from vpix.tools.cli import main


def test_help_lists_every_command():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"]).output
    for word in ("image", "unit", "lab", "console", "platforms"):
        assert word in top
    for sub in (["image", "build"], ["unit", "create"], ["unit", "run"], ["lab", "up"], ["console"]):
        result = runner.invoke(main, sub + ["--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_image_build_and_inspect(tmp_path):
    runner = CliRunner()
    out = tmp_path / "pix635.bin"
    result = runner.invoke(main, ["image", "build", "--version", "6.3(5)", "--output", str(out),
                                  "--size-mb", "0.5"])
    assert result.exit_code == 0, result.output
    info = image_format.inspect(out)
    assert (str(info.version), info.family, info.line) == ("6.3(5)", "6.x", "pix")
    assert info.payload == 512 * 1024
    assert "checksum OK" in runner.invoke(main, ["image", "inspect", str(out)]).output
    data = bytearray(out.read_bytes())
    data[-40] ^= 1
    out.write_bytes(bytes(data))
    bad = runner.invoke(main, ["image", "inspect", str(out)])
    assert bad.exit_code != 0 and "checksum mismatch" in bad.output
    assert runner.invoke(main, ["image", "build", "--version", "7.x", "--output", str(out)]).exit_code != 0


def test_unit_create_writes_identity_flash_and_key(tmp_path, images):
    runner = CliRunner()
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        result = runner.invoke(main, ["unit", "create", str(d), "--platform", "PIX-515E",
                                      "--image", str(images["pix-7.2(1)"])])
        assert result.exit_code == 0, result.output
    ident_a = tomllib.loads((a / "unit.toml").read_text())
    ident_b = tomllib.loads((b / "unit.toml").read_text())
    assert ident_a["platform"] == "PIX-515E" and len(ident_a["macs"]) == 6
    assert ident_a["serial"] != ident_b["serial"]
    assert (a / "flash" / "pix721.bin").exists()
    key_a, key_b = (d / "flash" / ".private" / "rsa-keypair" for d in (a, b))
    assert b"PRIVATE KEY" in key_a.read_bytes() and key_a.read_bytes() != key_b.read_bytes()
    again = runner.invoke(main, ["unit", "create", str(a), "--platform", "PIX-515E"])
    assert again.exit_code != 0 and "already holds a unit" in again.output


def test_unit_create_builds_the_platform_default_image(tmp_path):
    result = CliRunner().invoke(main, ["unit", "create", str(tmp_path / "old"), "--platform", "PIX-501",
                                       "--serial", "80012345"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old" / "flash" / "pix635.bin").exists()
    assert "80012345" in (tmp_path / "old" / "unit.toml").read_text()


class _Vpix:
    """`python -m vpix ARGS` running: what it printed up to "Serving", and its ports."""

    def __init__(self, args: list[str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "vpix", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.printed = ""
        for line in self.proc.stdout:
            self.printed += line
            if line.startswith("Serving"):
                return
        raise AssertionError(f"vpix stopped before serving: {self.printed}")

    def ports(self, unit: str) -> tuple[int, int, int]:
        """console, telnet, ssh of ``unit``, as the table printed them."""
        row = re.search(rf"{unit}\b.*?127\.0\.0\.1:(\d+).*?127\.0\.0\.1:(\d+).*?127\.0\.0\.1:(\d+)", self.printed)
        return int(row[1]), int(row[2]), int(row[3])

    def stop(self, sig=signal.SIGTERM) -> str:
        self.proc.send_signal(sig)
        out = self.proc.stdout.read()         # through the reader's buffer: communicate() would skip it
        self.proc.wait(30)
        assert self.proc.returncode == 0, self.printed + out
        return self.printed + out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def _serve_and_ask(args: list[str], unit: str, expect: str, sig=signal.SIGTERM) -> str:
    """Run `vpix ARGS`, press Return on the unit's console port, check the answer, stop it with SIG."""
    served = _Vpix(args)
    try:
        with Line(served.ports(unit)[0]) as line:
            line.send(b"\r\nshow curpriv\r\n").expect(expect)
        return served.stop(sig)
    finally:
        served.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_unit_run_serves_and_stops_cleanly(tmp_path, images, sig):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"])])
    out = _serve_and_ask(["unit", "run", str(tmp_path / "u")], "u", "Current privilege level : 1", sig)
    assert "Serving" in out


def test_lab_up_with_a_lab_file(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text(f"""
name: t
workdir: {tmp_path / 'work'}
units:
  a:
    platform: ASA5510
    version: "8.0(4)"
    image_size_mb: 0.2
    config: |
      hostname lab-a
""")
    _serve_and_ask(["lab", "up", str(lab)], "a", "lab-a>")
    assert (tmp_path / "work" / "a" / "flash" / "asa804-k8.bin").exists()


def test_lab_up_default_lab_serves_ssh_with_its_credentials(tmp_path):
    served = _Vpix(["lab", "up", "--workdir", str(tmp_path), "--any-port"])
    try:
        import paramiko

        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())

        def logged_in() -> bool:           # the units take their break window (3 s) before they boot
            try:
                client.connect("127.0.0.1", served.ports("pix1")[2], "admin", "admin", look_for_keys=False,
                               allow_agent=False)
                return True
            except (paramiko.SSHException, OSError):
                return False

        wait_until(logged_in, attempts=200, interval=0.1)

        def ask(command: str) -> str:
            _, stdout, _ = client.exec_command(command)
            return stdout.read().decode()

        text = ask("show version")
        assert "Cisco PIX Security Appliance Software Version 7.2(1)" in text
        assert "Hardware:   PIX-515E" in text
        wait_until(lambda: "Other host: Secondary - Standby Ready" in ask("show failover"), interval=0.1)
        failover = ask("show failover")            # a failover pair whose state link carries state
        client.close()
        assert "This host: Primary - Active" in failover and "Link : state Ethernet2 (up)" in failover
        assert re.search(r"sys cmd\s+[1-9]\d*\s+0\s+[1-9]\d*\s+0", failover), failover
        out = served.stop(signal.SIGINT)
    finally:
        served.kill()
    assert "Credentials (default lab): SSH admin/admin" in out
    assert re.search(r"pix1:  vpix console pix1    ssh -oKexAlgorithms=\+diffie-hellman-group1-sha1 "
                     r"-oHostKeyAlgorithms=\+ssh-rsa -oCiphers=\+aes128-cbc -p \d+ USER@127.0.0.1    "
                     r"telnet 127.0.0.1 \d+", out)
    assert re.search(r"\d\d:\d\d:\d\d pix2: .* -> Secondary Standby Ready", out), out     # the lab living


def test_lab_file_errors_are_reported(tmp_path):
    lab = tmp_path / "bad.yaml"
    lab.write_text("units:\n  a:\n    platform: PIX-999\n")
    result = CliRunner().invoke(main, ["lab", "up", str(lab)])
    assert result.exit_code == 1 and "unknown platform" in result.output and "Traceback" not in result.output
    lab.write_text("units: [\n")
    result = CliRunner().invoke(main, ["lab", "up", str(lab)])
    assert result.exit_code == 1 and result.output.startswith(f"Error: {lab}: line") and "not YAML" in result.output
    lab.chmod(0)
    result = CliRunner().invoke(main, ["lab", "status", "--lab", str(lab)])
    if os.geteuid() != 0:                          # root reads it anyway
        assert result.exit_code == 1 and "Permission denied" in result.output


def test_a_unit_runs_in_one_process_at_a_time(tmp_path, images):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"])])
    first = _Vpix(["unit", "run", str(tmp_path / "u")])
    try:
        second = subprocess.run([sys.executable, "-m", "vpix", "unit", "run", str(tmp_path / "u")],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr.strip() == f"Error: {tmp_path / 'u'} is in use by process {first.proc.pid}"
        first.stop()
    finally:
        first.kill()


def test_a_port_in_use_is_one_line(tmp_path, images):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"])])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "vpix", "unit", "run", str(tmp_path / "u"), "--ssh-port",
                               str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: 127.0.0.1:{port} is in use (Address already in use)"


def test_console_on_stdio(tmp_path, images):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-6.3(5)"])])
    with _console(str(tmp_path / "u")) as child:
        child.expect("Cisco PIX Firewall Version 6.3\\(5\\)")
        child.expect("pixfirewall> ")
        child.sendline("enable")
        child.expect("Password: ")
        child.sendline("")
        child.expect("pixfirewall# ")
        child.sendline("show curpriv")
        child.expect("Current privilege level : 15")


@contextmanager
def _console(*args: str):
    """`vpix console ARGS` on a terminal of its own; Ctrl-] ends it."""
    child = pexpect.spawn(sys.executable, ["-m", "vpix", "console", *args], timeout=30, encoding="utf-8")
    try:
        yield child
        child.send("\x1d")
        child.expect(pexpect.EOF)
    finally:
        child.close()


def test_console_attaches_to_a_unit_another_process_runs(tmp_path, images):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"])])
    served = _Vpix(["unit", "run", str(tmp_path / "u")])
    try:
        with _console(str(tmp_path / "u")) as child:
            child.expect("attached to the console at 127.0.0.1:")
            child.send("\r")
            child.expect("pixfirewall> ")
            child.send("show curpriv\r")
            child.expect("Current privilege level : 1")
        with Line(served.ports("u")[0]) as line:          # the unit still runs
            line.send(b"\r\n").expect("pixfirewall> ")
        served.stop()
    finally:
        served.kill()


def test_console_finds_a_unit_of_a_running_lab(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text(f"""
name: c
workdir: {tmp_path / 'work'}
units:
  a:
    version: "7.2(1)"
    image_size_mb: 0.2
    config: |
      hostname lab-a
""")
    served = _Vpix(["lab", "up", str(lab)])
    try:
        with _console("a", "--lab", str(lab)) as child:
            child.expect("attached")
            child.send("\r")
            child.expect("lab-a> ")
        served.stop()
    finally:
        served.kill()
    missing = CliRunner().invoke(main, ["console", "zz", "--lab", str(lab)])
    assert missing.exit_code == 1 and "neither a unit directory nor a unit of lab c" in missing.output


async def test_unit_run_with_a_gateway_copies_from_a_server_on_this_machine(tmp_path, images):
    """`--gateway Ethernet1:10.0.0.254`: the unit reaches a TFTP server on 127.0.0.1:PORT at
    10.0.0.254:PORT, through its inside interface; a bad option is one line."""
    import asyncio

    from vpix.image import format as image_format
    from vpix.transfer.tftp_server import TftpServer

    config = tmp_path / "startup.cfg"
    config.write_text("interface Ethernet1\n nameif inside\n security-level 100\n"
                      " ip address 10.0.0.1 255.255.255.0\n no shutdown\n")
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"]), "--config", str(config)])
    bad = subprocess.run([sys.executable, "-m", "vpix", "unit", "run", str(tmp_path / "u"), "--gateway",
                          "Ethernet9:10.0.0.254"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "has no interface Ethernet9" in bad.stderr and "Traceback" not in bad.stderr
    served_dir = tmp_path / "served"
    served_dir.mkdir()
    image_format.build(served_dir / "pix722.bin", "7.2(2)", "pix", size_mb=0.3)
    server = TftpServer(served_dir)
    port = await server.start()
    served = await asyncio.to_thread(_Vpix, ["unit", "run", str(tmp_path / "u"), "--gateway",
                                             "Ethernet1:10.0.0.254"])
    try:
        def copy() -> str:
            with Line(served.ports("u")[0]) as line:
                line.send(b"\r\nenable\r\n\r\n").expect("# ")
                line.send(f"copy /noconfirm tftp://10.0.0.254:{port}/pix722.bin flash:\r\n".encode())
                return line.expect("# ")
        said = await asyncio.to_thread(copy)
        assert "bytes copied in" in said, said
        await asyncio.to_thread(served.stop)
    finally:
        served.kill()
        server.close()
