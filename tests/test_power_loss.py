"""Killing the process (kill -9, a power cut to the host) in the middle of a write leaves every
flash file whole: the old one or the new one, never a mix, and the unit boots.

Each scenario runs in a child process that writes again and again (`write memory`, `write
memory all`, `copy tftp`, SCP uploads); the child is killed at a random moment after its
writes began, several times over, and the files are checked each time."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from conftest import Terminal, make_unit
from helpers.served import serve, serve_multiple
from helpers.legacy_ssh import OPENSSH

from vpix.clock import VirtualClock
from vpix.image import format as image_format
from vpix.unit import Unit

KILLS = 6

CHILD = textwrap.dedent("""
    import os, subprocess, sys, time
    from pathlib import Path

    scenario, directory, flag, files = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    OPENSSH_OPTIONS = sys.argv[5:]

    def started():
        flag.write_text("writing")

    if scenario in ("write memory", "write memory all"):
        from vpix.clock import VirtualClock
        from vpix.unit import Unit
        unit = Unit(directory, VirtualClock())
        unit.power_on()
        unit.clock.advance(0)
        session = unit.system.config_session()
        for n in range(10**6):
            if scenario == "write memory all":
                session.execute("changeto context ctx1")
                session.execute(f"hostname ctx-{n}")
                session.execute("changeto system")
            session.execute(f"hostname fw-{n}")
            session.execute(scenario)
            started()
    elif scenario == "copy tftp":
        import asyncio
        from vpix.lab.background import BackgroundUnit
        from vpix.transfer import tftp
        from vpix.transfer.tftp_server import TftpServer
        served = BackgroundUnit(directory)
        server = TftpServer(files)
        port = served.call(server.start())
        tftp.TFTP_PORT = port
        system = served.unit.system
        for n in range(10**6):
            done = []
            def go(name=("a.bin", "b.bin")[n % 2]):
                session = system.open_session("ssh", priv=15)
                session.submit(f"copy /noconfirm tftp://127.0.0.1/{name} flash:/image.bin", lambda: done.append(1))
            served.loop.call_soon_threadsafe(go)
            started()
            while not done:
                time.sleep(0.001)
    elif scenario == "scp":
        from vpix.lab.background import BackgroundUnit
        served = BackgroundUnit(directory)
        served.run(lambda: served.unit.system.apply_config("ssh scopy enable"))
        for n in range(10**6):
            started()
            subprocess.run(["sshpass", "-p", "admin", "scp", "-O", "-P", str(served.ports.ssh), *OPENSSH_OPTIONS,
                            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "LogLevel=ERROR", str(files / ("a.bin", "b.bin")[n % 2]),
                            "admin@127.0.0.1:flash:/image.bin"], check=True)
""")


def _kill_while_writing(scenario: str, directory: Path, files: Path, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    flag.unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD, scenario, str(directory), str(flag), str(files), *OPENSSH],
                             start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        while not flag.exists():                          # its first write is done
            if child.poll() is not None:
                raise AssertionError(f"the child ended before it wrote: {child.stderr.read()}")
            threading.Event().wait(0.005)
        threading.Event().wait(random.uniform(0, 0.2))    # the random moment of the kill, not a synchronisation
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)


def _boots(directory: Path) -> Unit:
    unit = Unit(directory, VirtualClock())
    Terminal(unit)
    unit.power_on()
    unit.clock.advance(0)
    assert unit.state == "running"
    assert not list(directory.rglob(".tmp-*"))           # the half-written files are swept
    return unit


def _whole_config(text: str) -> bool:
    return text.startswith(": Saved\n") and text.endswith(": end\n") and "Cryptochecksum:" in text


def test_kill_during_write_memory_keeps_startup_whole(tmp_path, images):
    unit = make_unit(tmp_path, images, config="hostname old-name\n" + "name 10.0.0.1 n\n" * 2000)
    for _ in range(KILLS):
        _kill_while_writing("write memory", unit.directory, tmp_path, tmp_path)
        startup = (unit.directory / "flash" / ".private" / "startup-config").read_text()
        assert startup == "hostname old-name\n" + "name 10.0.0.1 n\n" * 2000 or _whole_config(startup)
        assert _boots(unit.directory).system.prompt_name().startswith(("fw-", "old-name"))


def test_kill_during_write_memory_all_keeps_every_context_whole(tmp_path, images):
    served = serve_multiple(tmp_path / "fw1", images["pix-7.2(1)"])
    served.stop()
    flash = tmp_path / "fw1" / "flash"
    first = (flash / "admin.cfg").read_text()
    for _ in range(KILLS):
        _kill_while_writing("write memory all", tmp_path / "fw1", tmp_path, tmp_path)
        assert (flash / "admin.cfg").read_text() == first or _whole_config((flash / "admin.cfg").read_text())
        assert _whole_config((flash / "ctx1.cfg").read_text())           # written at the first save
        assert _whole_config((flash / ".private" / "startup-config").read_text())
        _boots(tmp_path / "fw1")


def _images(files: Path) -> tuple[bytes, bytes]:
    files.mkdir(exist_ok=True)
    image_format.build(files / "a.bin", "7.2(1)", "pix", size_mb=2)
    image_format.build(files / "b.bin", "7.2(2)", "pix", size_mb=2.5)
    return (files / "a.bin").read_bytes(), (files / "b.bin").read_bytes()


def test_kill_during_copy_tftp_keeps_the_image_whole(tmp_path, images):
    unit = make_unit(tmp_path, images)
    versions = _images(tmp_path / "files")
    for _ in range(KILLS):
        _kill_while_writing("copy tftp", unit.directory, tmp_path / "files", tmp_path)
        written = unit.directory / "flash" / "image.bin"
        assert not written.exists() or written.read_bytes() in versions
        _boots(unit.directory)


@pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass is installed by scripts/setup-tests.sh")
def test_kill_during_scp_keeps_the_image_whole(tmp_path, images):
    served = serve(tmp_path / "fw1", images["pix-7.2(1)"])
    served.stop()
    versions = _images(tmp_path / "files")
    for _ in range(KILLS):
        _kill_while_writing("scp", tmp_path / "fw1", tmp_path / "files", tmp_path)
        written = tmp_path / "fw1" / "flash" / "image.bin"
        assert not written.exists() or written.read_bytes() in versions
        _boots(tmp_path / "fw1")
