"""The unit is sealed: its only doors are the device's. Each test is an attack that once worked
(issue "Seal the unit"): a way from a session to the host's files, a shared image, a way into
flash that skipped the image check."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import paramiko
import pytest

from conftest import host_key, make_unit
from helpers.served import Line, serve, telnet_login
from helpers.users import as_nobody
from helpers.legacy_ssh import OPENSSH

from vpix.cli.lineedit import BELL, MAX_LINE
from vpix.features.aaa import FAILURE_DELAY
from vpix.features.logging import Logging
from vpix.hardware import unitdir
from vpix.lab.background import BackgroundUnit
from vpix.image import format as image_format
from vpix.features.aaa.terminal import SESSIONS, RemoteTerminal


@pytest.fixture(scope="module")
def pix(tmp_path_factory, images):
    served = serve(tmp_path_factory.mktemp("seal") / "fw1", images["pix-7.2(1)"])
    served.run(lambda: served.unit.system.apply_config(
        "ssh scopy enable\nusername viewer password viewer privilege 1\nlogging enable\nlogging buffered debugging"))
    yield served
    served.stop()


def _ssh(served, user="admin", password="admin") -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", served.ports.ssh, user, password, allow_agent=False, look_for_keys=False)
    return client


def _scp(served, *args: str, user: str = "admin", password: str = "admin") -> subprocess.CompletedProcess:
    if not shutil.which("sshpass"):
        pytest.skip("sshpass is installed by scripts/setup-tests.sh")
    return subprocess.run(["sshpass", "-p", password, "scp", "-O", "-P", str(served.ports.ssh), *OPENSSH,
                           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "LogLevel=ERROR", *[a.replace("@U:", f"{user}@127.0.0.1:") for a in args]],
                          capture_output=True, text=True, timeout=60)


# ---------------------------------------------------------------- no SFTP


def test_there_is_no_sftp_server(pix):
    client = _ssh(pix)
    try:
        with pytest.raises(paramiko.SSHException):
            client.open_sftp()
    finally:
        client.close()


# ---------------------------------------------------------------- flash never leads out


def test_a_symlink_in_flash_is_neither_listed_nor_followed(pix7):
    unit, term = pix7
    (unit.flash.root / "root").symlink_to("/")
    (unit.flash.root / "shadow").symlink_to("/etc/hostname")
    listing = term.cmd("dir")
    assert "root" not in listing and "shadow" not in listing
    assert "No such file or directory" in term.cmd("more flash:/shadow")
    assert "No such file or directory" in term.cmd("more flash:/root/etc/hostname")
    assert "etc" not in term.cmd("dir flash:/root")
    term.cmd("copy /noconfirm flash:/shadow flash:/stolen")
    assert not unit.flash.exists("stolen")


def test_a_hard_link_to_a_host_file_is_not_read(pix7, tmp_path):
    unit, term = pix7
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret\n")
    os.link(secret, unit.flash.root / "linked.txt")
    assert "host secret" not in term.cmd("more flash:/linked.txt")
    assert "linked.txt" not in term.cmd("dir")


def test_a_planted_temporary_link_is_not_written_through(pix7, tmp_path):
    unit, term = pix7
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    (unit.flash.root / ".tmp-copy.txt").symlink_to(victim)
    unit.flash.write("copy.txt", b"new bytes")
    assert victim.read_text() == "untouched\n"
    assert unit.flash.read("copy.txt") == b"new bytes"


def test_units_never_share_image_bytes(tmp_path, images):
    a = make_unit(tmp_path, images, name="a")
    b = make_unit(tmp_path, images, name="b")
    image = images["pix-7.2(1)"].name
    inodes = {os.stat(u.flash.root / image).st_ino for u in (a, b)} | {os.stat(images["pix-7.2(1)"]).st_ino}
    assert len(inodes) == 3
    assert os.stat(a.flash.root / image).st_nlink == 1


def test_modes_do_not_depend_on_the_umask(tmp_path, images):
    old = os.umask(0)
    try:
        directory = tmp_path / "open"
        unitdir.create(directory, "PIX-515E", image=images["pix-7.2(1)"], startup_config="hostname x\n")
    finally:
        os.umask(old)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(directory) == 0o700
    assert mode(directory / "flash") == 0o700
    assert mode(directory / "flash" / ".private") == 0o700
    assert mode(directory / "flash" / ".private" / "startup-config") == 0o600
    assert mode(directory / "flash" / ".private" / "rsa-keypair") == 0o600


# ---------------------------------------------------------------- SCP as the device has it


def test_scp_refuses_a_damaged_image_and_keeps_the_old_file(pix, tmp_path):
    good = tmp_path / "up.bin"
    image_format.build(good, "7.2(1)", "pix", size_mb=0.1)
    assert _scp(pix, str(good), "@U:flash:/up.bin").returncode == 0
    before = pix.run(lambda: pix.unit.flash.read("up.bin"))
    bad = bytearray(good.read_bytes())
    bad[len(bad) // 2] ^= 0xFF
    corrupt = tmp_path / "corrupt.bin"
    corrupt.write_bytes(bytes(bad))
    refused = _scp(pix, str(corrupt), "@U:flash:/up.bin")
    assert refused.returncode != 0
    assert "Checksum verification failed" in refused.stderr
    assert pix.run(lambda: pix.unit.flash.read("up.bin")) == before


def test_scp_needs_a_user_allowed_to_copy(pix, tmp_path):
    source = tmp_path / "x.txt"
    source.write_text("x\n")
    refused = _scp(pix, str(source), "@U:flash:/x.txt", user="viewer", password="viewer")
    assert refused.returncode != 0
    assert not pix.run(lambda: pix.unit.flash.exists("x.txt"))


@pytest.mark.parametrize("path", ["flash:/../x.txt", "flash:/a/b.txt", "/etc/passwd", "flash:/.private/startup-config"])
def test_scp_names_only_files_at_the_top_of_flash(pix, tmp_path, path):
    source = tmp_path / "x.txt"
    source.write_text("x\n")
    up = _scp(pix, str(source), f"@U:{path}")
    down = _scp(pix, f"@U:{path}", str(tmp_path / "back.txt"))
    assert up.returncode != 0 and down.returncode != 0
    for said in (up.stderr, down.stderr):
        assert str(pix.unit.flash.root) not in said and str(pix.unit.directory) not in said
    assert not (tmp_path / "back.txt").exists()


def test_scp_copies_both_ways(pix, tmp_path):
    source = tmp_path / "both.txt"
    source.write_bytes(os.urandom(300_000))
    assert _scp(pix, str(source), "@U:flash:").returncode == 0
    back = tmp_path / "back.bin"
    done = _scp(pix, "@U:flash:/both.txt", str(back))
    assert done.returncode == 0, done.stderr
    assert back.read_bytes() == source.read_bytes()


# ---------------------------------------------------------------- no brute force


def _wrong_logins(term, user: str, times: int) -> None:
    for _ in range(times):
        term.type("login\n")
        term.type(user + "\n")
        term.type("wrong\n")
        term.wait(FAILURE_DELAY)


def test_max_fail_locks_a_local_user_out_until_cleared(pix7):
    unit, term = pix7
    term.configure("username ops password opspass privilege 3", "username boss password bosspass privilege 15",
                   "aaa local authentication attempts max-fail 3", "logging enable", "logging buffered debugging")
    _wrong_logins(term, "ops", 3)
    _wrong_logins(term, "boss", 3)
    term.type("login\n")
    term.type("ops\n")
    term.type("opspass\n")
    assert "Invalid password" in term.wait(FAILURE_DELAY)          # the right password no longer helps
    term.cmd("enable")
    shown = term.cmd("show aaa local user locked")
    assert "ops" in shown and "boss" not in shown                   # an administrator is never locked out
    log = term.cmd("show logging")
    assert "%PIX-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : " \
           "user = ops" in log
    assert "%PIX-6-113006: User 'ops' locked out on exceeding '3' successive failed authentication attempts" in log
    term.cmd("clear aaa local user lockout username ops")
    assert term.cmd("show aaa local user locked").strip() == "No users in the database are locked out"
    term.type("login\n")
    term.type("ops\n")
    term.type("opspass\n")
    assert term.cmd("show curpriv").startswith("Username : ops\nCurrent privilege level : 3\n")
    assert "aaa local authentication attempts max-fail 3" in unit.system.running_config()


def test_an_ssh_connection_takes_three_passwords_then_closes(pix):
    transport = paramiko.Transport(("127.0.0.1", pix.ports.ssh))
    transport.start_client()
    try:
        for _ in range(2):
            with pytest.raises(paramiko.AuthenticationException):
                transport.auth_password("admin", "wrong")
        with pytest.raises(paramiko.SSHException):          # the third: refused, and the line closed
            transport.auth_password("admin", "wrong")
        with pytest.raises((paramiko.SSHException, EOFError, OSError)):
            transport.auth_password("admin", "admin")
    finally:
        transport.close()
    log = "\n".join(pix.run(lambda: list(pix.unit.system.feature(Logging).buffer)))
    assert '%PIX-6-605004: Login denied from 127.0.0.1/' in log and 'for user "admin"' in log


def test_a_telnet_line_pays_for_each_wrong_password(boot):
    """Sans-IO: the next question comes only once the pause has passed on the unit's clock."""
    unit, _ = boot()
    said: list[str] = []
    terminal = RemoteTerminal(unit.system, "telnet", said.append, lambda: said.append("<hangup>"))
    terminal.start()
    said.clear()
    terminal.feed("wrong\r\n")
    assert "Invalid password" not in "".join(said)
    unit.clock.advance(FAILURE_DELAY)
    assert "".join(said).endswith("Invalid password\nPassword: ")


# ---------------------------------------------------------------- no flood from one client


def test_a_megabyte_at_the_password_prompt_is_one_write_and_one_bell(boot):
    unit, _ = boot()
    said: list[str] = []
    terminal = RemoteTerminal(unit.system, "telnet", said.append, lambda: None)
    terminal.start()
    said.clear()
    for _ in range(256):                       # as the transport hands it over: 4 KiB at a time
        terminal.feed("A" * 4096)
    assert len(said) <= 256
    assert "".join(said).count(BELL) <= 256 and "".join(said).count("*") == MAX_LINE


def test_the_device_takes_five_sessions_a_door(pix):
    held = [telnet_login(pix.ports.telnet) for _ in range(SESSIONS)]
    try:
        with Line(pix.ports.telnet) as line:
            assert "Password" not in line.until_closed()
        clients = [_ssh(pix) for _ in range(SESSIONS)]
        try:
            with pytest.raises((paramiko.SSHException, EOFError, OSError)):
                _ssh(pix)
        finally:
            for client in clients:
                client.close()
    finally:
        for line in held:
            line.close()


# ---------------------------------------------------------------- filters cannot stall the unit


@pytest.mark.parametrize("pattern", [r"^M(\w*\s*)*!", r"(\w*\s*)*!", r"^(a|aa)*$", r"(.*)*z"])
def test_a_catastrophic_filter_costs_the_length_of_the_text(pattern):
    """RE2 has no backtracking: lines on which a backtracking engine takes longer than the test
    run (exponential in the words) are matched in one pass each."""
    from vpix.cli.output import split_filter

    text = ["Maximum Physical Interfaces " + "word " * 40 + "a" * 60 + "b"] * 50
    _, found = split_filter("show version | include " + pattern)
    assert found.apply(text) == []


def test_a_pattern_re2_cannot_take_is_refused_as_invalid_input(pix7):
    unit, term = pix7
    assert "Invalid input" in term.cmd(r"show version | include (a)\1")


# ---------------------------------------------------------------- the console


def test_the_console_asks_for_a_local_user_when_told_to(pix7):
    unit, term = pix7
    term.configure("username ops password opspass privilege 15", "aaa authentication serial console LOCAL",
                   "console timeout 1")
    term.cmd("write memory")
    unit.reload()
    unit.clock.advance(60)
    assert unit.console.text().endswith("User Access Verification\n\nUsername: ")
    assert term.type("ops\n").endswith("Password: ")
    term.type("wrong\n")
    assert term.wait(FAILURE_DELAY).endswith("Error: Authentication failed\nUsername: ")
    term.type("ops\n")
    assert term.type("opspass\n").endswith("pixfirewall> ")
    assert term.cmd("show curpriv").startswith("Username : ops\n")
    term.wait(59)
    assert unit.console_session is not None
    term.type("\n")                                       # activity starts the minute again
    term.wait(59)
    assert unit.console_session is not None
    assert term.wait(2).endswith("Username: ")           # `console timeout 1`: idle a minute, logged out
    assert unit.console_session is None


def test_the_console_listens_on_loopback_only(tmp_path, images):
    """Whoever reaches the console port is at the console, as with the cable: only this host."""
    unitdir.create(tmp_path / "fw1", "PIX-515E", image=images["pix-7.2(1)"], host_key=host_key())
    served = BackgroundUnit(tmp_path / "fw1", host="127.0.0.2")
    try:
        console, telnet, ssh = served.host._servers
        assert {sock.getsockname()[0] for sock in console.sockets} == {"127.0.0.1"}
        assert {sock.getsockname()[0] for sock in telnet.sockets} == {"127.0.0.2"}
    finally:
        served.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="trying another user's access needs root to become one")
def test_the_console_port_takes_only_its_owner(pix):
    """Another user of the host connects to the console port: refused, the unit untouched."""

    def connect() -> str:
        with Line(pix.ports.console) as line:
            return line.until_closed()

    said = as_nobody(connect)
    assert "The console belongs to another user" in said and "fw1" not in said
    with Line(pix.ports.console) as line:           # its owner still gets in
        line.send(b"\r\n").expect("fw1")


def test_monitor_mode_erase_removes_links_not_what_they_point_at(pix7, tmp_path):
    unit, term = pix7
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("host file\n")
    (unit.flash.root / "dir-link").symlink_to(outside)
    (unit.flash.root / "file-link").symlink_to(outside / "keep.txt")
    unit.flash.erase()
    assert (outside / "keep.txt").read_text() == "host file\n"
    assert not (unit.flash.root / "dir-link").exists() and not (unit.flash.root / "file-link").is_symlink()
