"""SSH as each train speaks it, over real sockets: 7.x/8.0 say `SSH-1.99-Cisco-1.25` and offer
only the device's algorithms, once the unit has an RSA key pair; PIX OS 6.x speaks version 1
only and turns an SSH-2 client away at the version exchange."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess

import asyncssh
import pytest

from conftest import Terminal, make_unit
from helpers.legacy_ssh import ASYNCSSH, OPENSSH
from helpers.served import serve

from vpix.features.logging import Logging

CARET = "ERROR: % Invalid input detected at '^' marker."

pytestmark = pytest.mark.clients


def identification(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        return sock.recv(64)


def run_ssh(port: int, command: str, **options) -> str:
    async def go() -> str:
        async with asyncssh.connect("127.0.0.1", port, username="admin", password="admin", known_hosts=None,
                                    preferred_auth="password", **options) as conn:
            return (await conn.run(command)).stdout

    return asyncio.run(go())


@pytest.fixture
def asa(tmp_path, images):
    served = serve(tmp_path / "asa1", images["asa-8.0(4)"], "ASA5520", "asa1")
    yield served
    served.stop()


def test_a_7x_unit_says_1_99_and_offers_only_the_devices_algorithms(asa):
    assert identification(asa.ports.ssh) == b"SSH-1.99-Cisco-1.25\r\n"
    # No algorithm in common: the client gives up, or (when the unit's reset overtakes the
    # unit's offer on a busy machine) loses the connection
    refused = (asyncssh.KeyExchangeFailed, asyncssh.ConnectionLost, ConnectionError)
    with pytest.raises(refused):
        run_ssh(asa.ports.ssh, "show version", kex_algs=["curve25519-sha256"])
    with pytest.raises(refused):
        run_ssh(asa.ports.ssh, "show version", **{**ASYNCSSH, "encryption_algs": ["aes128-ctr"]})
    assert "Version 8.0(4)" in run_ssh(asa.ports.ssh, "show version", **ASYNCSSH)
    asa.run(lambda: asa.unit.system.apply_config("ssh version 2"))
    assert identification(asa.ports.ssh) == b"SSH-2.0-Cisco-1.25\r\n"
    assert "ssh version 2" in asa.run(lambda: "\n".join(asa.unit.system.running_config()))


@pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass is installed by scripts/setup-tests.sh")
def test_openssh_of_today_needs_the_old_algorithms_switched_on(asa):
    base = ["sshpass", "-p", "admin", "ssh", "-p", str(asa.ports.ssh), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null"]
    plain = subprocess.run([*base, "admin@127.0.0.1", "show version"], capture_output=True, text=True, timeout=30)
    assert plain.returncode != 0 and "no matching key exchange method found" in plain.stderr
    legacy = subprocess.run([*base, *OPENSSH, "admin@127.0.0.1", "show version"], capture_output=True, text=True,
                            timeout=30)
    assert legacy.returncode == 0 and "Version 8.0(4)" in legacy.stdout


def test_ssh_waits_for_an_rsa_key_pair(asa):
    def configure(text: str) -> list[str]:
        return asa.run(lambda: asa.unit.system.apply_config(text))

    configure("logging enable\nlogging buffered debugging\ncrypto key zeroize rsa noconfirm")
    with pytest.raises((ConnectionError, asyncssh.Error, OSError)):
        run_ssh(asa.ports.ssh, "show version", **ASYNCSSH)
    logged = asa.run(lambda: "\n".join(asa.unit.system.feature(Logging).buffer))
    assert "%ASA-3-315004: Fail to establish SSH session because RSA host key retrieval failed." in logged
    configure("crypto key generate rsa modulus 1024 noconfirm")
    assert "Version 8.0(4)" in run_ssh(asa.ports.ssh, "show version", **ASYNCSSH)


def test_the_key_pair_is_made_asked_shown_and_outlives_write_erase_and_reload(tmp_path, images):
    unit = make_unit(tmp_path, images, platform="ASA5520", image_key="asa-8.0(4)")
    term = Terminal(unit)
    unit.power_on()
    unit.clock.advance(0)
    term.cmd("enable")
    term.cmd("")
    before = term.cmd("show crypto key mypubkey rsa")
    shown = before.splitlines()
    assert shown[0].startswith("Key pair was generated at: ") and shown[1] == "Key name: <Default-RSA-Key>"
    assert shown[3] == " Modulus Size (bits): 1024" and shown[6].startswith("  30819f30 0d06092a 864886f7")
    term.cmd("configure terminal")
    assert term.type("crypto key generate rsa modulus 2048\n").endswith(
        "Do you really want to replace them? [yes/no]: ")
    term.type("no\n")
    assert term.cmd("show crypto key mypubkey rsa") == before
    assert CARET in term.cmd("crypto key generate rsa modulus 1000")
    term.cmd("end")
    term.type("write erase\n")
    term.type("\n")
    term.cmd("reload noconfirm")
    unit.clock.advance(1)
    term.cmd("enable")
    term.cmd("")
    assert term.cmd("show crypto key mypubkey rsa") == before
    assert "crypto key" not in term.cmd("show running-config")
    term.cmd("configure terminal")
    assert term.type("crypto key zeroize rsa\n").endswith("Do you really want to remove these keys? [yes/no]: ")
    term.type("yes\n")
    assert term.cmd("show crypto key mypubkey rsa") == ""
    out = term.cmd("crypto key generate rsa")
    assert out.startswith("INFO: The name for the keys will be: <Default-RSA-Key>\nKeypair generation process begin.")
    assert " Modulus Size (bits): 1024" in term.cmd("show crypto key mypubkey rsa")


def test_6x_speaks_ssh_version_1_only_and_turns_ssh_2_away(tmp_path, images):
    served = serve(tmp_path / "fw6", images["pix-6.3(5)"])
    try:
        with socket.create_connection(("127.0.0.1", served.ports.ssh), timeout=10) as sock:
            assert sock.recv(64) == b"SSH-1.5-Cisco-1.25\r\n"
            sock.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            assert sock.recv(64) == b"Protocol major versions differ.\n"
            assert sock.recv(64) == b""
        if shutil.which("ssh"):
            done = subprocess.run(["ssh", "-p", str(served.ports.ssh), "-o", "BatchMode=yes",
                                   "-o", "StrictHostKeyChecking=no", "admin@127.0.0.1", "show version"],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode != 0 and "Protocol major versions differ" in done.stderr
    finally:
        served.stop()


def test_a_unit_made_with_modern_ssh_also_takes_todays_clients(tmp_path, images):
    served = serve(tmp_path / "asa1", images["asa-8.0(4)"], "ASA5520", "asa1", modern_ssh=True)
    try:
        assert "Version 8.0(4)" in run_ssh(served.ports.ssh, "show version")
    finally:
        served.stop()
