"""vpix's own command line: images, unit directories, running units and labs, the console."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
import tomllib

import pexpect
import pytest
from click.testing import CliRunner

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
    assert b"PRIVATE KEY" in (a / "ssh_host_key").read_bytes()
    assert (a / "ssh_host_key").read_bytes() != (b / "ssh_host_key").read_bytes()
    again = runner.invoke(main, ["unit", "create", str(a), "--platform", "PIX-515E"])
    assert again.exit_code != 0 and "already holds a unit" in again.output


def test_unit_create_builds_the_platform_default_image(tmp_path):
    result = CliRunner().invoke(main, ["unit", "create", str(tmp_path / "old"), "--platform", "PIX-501",
                                       "--serial", "80012345"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old" / "flash" / "pix635.bin").exists()
    assert "80012345" in (tmp_path / "old" / "unit.toml").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def _serve_and_ask(args: list[str], console: int, expect: bytes, sig=signal.SIGTERM) -> str:
    """Run `vpix ARGS`, press Return on the console port, check the answer, stop it with SIG."""
    proc = subprocess.Popen([sys.executable, "-m", "vpix", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_port(console)
        with socket.create_connection(("127.0.0.1", console), timeout=5) as s:
            time.sleep(0.7)
            s.sendall(b"\r\nshow curpriv\r\n")
            time.sleep(0.5)
            assert expect in s.recv(65536)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_unit_run_serves_and_stops_cleanly(tmp_path, images, sig):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-7.2(1)"])])
    console = _free_port()
    out = _serve_and_ask(["unit", "run", str(tmp_path / "u"), "--console-port", str(console)], console,
                         b"Current privilege level : 1", sig)
    assert f"127.0.0.1:{console}" in out


def test_lab_up_with_a_lab_file(tmp_path):
    lab = tmp_path / "lab.yaml"
    console = _free_port()
    lab.write_text(f"""
name: t
workdir: {tmp_path / 'work'}
units:
  a:
    platform: ASA5510
    version: "8.0(4)"
    image_size_mb: 0.2
    host_key: ed25519
    console_port: {console}
    config: |
      hostname lab-a
""")
    _serve_and_ask(["lab", "up", str(lab)], console, b"lab-a>")
    assert (tmp_path / "work" / "a" / "flash" / "asa804-k8.bin").exists()


def test_lab_up_default_lab_serves_ssh_with_its_credentials(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "vpix", "lab", "up", "--workdir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_port(5022, timeout=60)
        import paramiko

        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect("127.0.0.1", 5022, "admin", "admin", look_for_keys=False, allow_agent=False)
        _, stdout, _ = client.exec_command("show version")
        text = stdout.read().decode()
        assert "Cisco PIX Security Appliance Software Version 7.2(1)" in text
        assert "Hardware:   PIX-515E" in text
        for _ in range(100):                       # a failover pair whose state link carries state
            _, stdout, _ = client.exec_command("show failover")
            failover = stdout.read().decode()
            if "Other host: Secondary - Standby Ready" in failover:
                break
            time.sleep(0.2)
        client.close()
        assert "This host: Primary - Active" in failover and "Link : state Ethernet2 (up)" in failover
        assert re.search(r"sys cmd\s+[1-9]\d*\s+0\s+[1-9]\d*\s+0", failover), failover
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert "127.0.0.1:5022" in out and "admin/admin" in out


def test_lab_file_errors_are_reported(tmp_path):
    lab = tmp_path / "bad.yaml"
    lab.write_text("units:\n  a:\n    platform: PIX-999\n")
    result = CliRunner().invoke(main, ["lab", "up", str(lab)])
    assert result.exit_code != 0 and "unknown platform" in str(result.exception or result.output)


def test_console_on_stdio(tmp_path, images):
    CliRunner().invoke(main, ["unit", "create", str(tmp_path / "u"), "--platform", "PIX-515E",
                              "--image", str(images["pix-6.3(5)"])])
    child = pexpect.spawn(sys.executable, ["-m", "vpix", "console", str(tmp_path / "u")],
                          timeout=20, encoding="utf-8")
    try:
        child.expect("Cisco PIX Firewall Version 6.3\\(5\\)")
        child.expect("pixfirewall> ")
        child.sendline("enable")
        child.expect("Password: ")
        child.sendline("")
        child.expect("pixfirewall# ")
        child.sendline("show curpriv")
        child.expect("Current privilege level : 15")
        child.send("\x1d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
