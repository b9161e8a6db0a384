"""Shared fixtures: images, unit directories and booted units in virtual time.

The suite runs in a network namespace of its own with only loopback (it re-executes itself
under `unshare --net` where it may): tests type addresses such as 10.0.0.2 into units, and
were a regression ever to send the unit's traffic from the host, it would go nowhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.legacy_ssh import paramiko_speaks_old_ssh
from helpers.watch import watched  # noqa: F401 (a fixture: the sockets a test opens)

from vpix.clock import VirtualClock
from vpix.hardware import unitdir
from vpix.image import format as image_format
from vpix.unit import Unit

_KEY: bytes | None = None
JAILED = "VPIX_TESTS_NETJAIL"


def _jail() -> None:
    """Re-run this pytest in a new network namespace (loopback up), once, if one can be made."""
    if os.environ.get(JAILED) or not shutil.which("unshare"):
        return
    if subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode != 0:
        return                                   # not allowed here: the suite runs as it is
    os.environ[JAILED] = "1"
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "--net", "--", sys.executable, "-m", "pytest", *sys.argv[1:]])


def _loopback_up() -> None:
    """Loopback up in the new namespace, with a second loopback address: glibc's
    AI_ADDRCONFIG (in.tftpd resolves its address so) takes 127.0.0.1 alone for no IPv4."""
    if os.environ.get(JAILED):
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "addr", "add", "127.0.0.2/8", "dev", "lo"], capture_output=True)   # or there already


def pytest_configure(config) -> None:
    if not hasattr(config, "workerinput"):       # the main process; xdist's workers inherit its namespace
        _jail()
        _loopback_up()
    paramiko_speaks_old_ssh()                    # Netmiko and paramiko reach 7.x/8.0 units as users of them do


def host_key() -> bytes:
    """One RSA key pair per test process, for every unit it makes: making them takes time."""
    global _KEY
    if _KEY is None:
        from vpix.features import keypair
        _KEY = keypair.generate()
    return _KEY


@pytest.fixture(scope="session")
def images(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("images")
    made = {}
    for version, line in (("6.3(5)", "pix"), ("7.2(1)", "pix"), ("7.2(1)", "asa"), ("8.0(4)", "asa"), ("8.0(4)", "pix"),
                          ("6.2(2)", "pix")):
        path = root / image_format.default_name(image_format.Version.parse(version), line)
        image_format.build(path, version, line, size_mb=0.25)
        made[f"{line}-{version}"] = path
    return made


class Terminal:
    """A person at the console of a unit: types, and reads what the console shows."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.buffer: list[str] = []
        unit.console.listeners.append(self.buffer.append)

    def read(self) -> str:
        text = "".join(self.buffer)
        self.buffer.clear()
        return text

    def type(self, data: str) -> str:
        self.read()
        self.unit.console.input(data)
        self.unit.clock.advance(0)
        return self.read()

    def wait(self, seconds: float) -> str:
        """Let ``seconds`` of the unit's time pass; what the console showed meanwhile."""
        self.unit.clock.advance(seconds)
        return self.read()

    def configure(self, *lines: str) -> str:
        """`configure terminal`, the lines, `end`: what the lines answered."""
        self.cmd("configure terminal")
        answers = "".join(self.cmd(line) for line in lines)
        self.cmd("end")
        return answers

    def cmd(self, line: str) -> str:
        """Type a line; the output between the echoed line and the next prompt, paged through."""
        from vpix.cli.output import ERASE_MORE, MORE

        text = self.type(line + "\n")
        while text.endswith(MORE):
            text = text[: -len(MORE)] + self.type(" ").replace(ERASE_MORE, "", 1)
        body = text.split("\n", 1)[1] if "\n" in text else ""
        prompt = self.unit.console_session.prompt() if self.unit.console_session else ""
        if prompt and body.endswith(prompt):
            body = body[: -len(prompt)]
        return body


def tftp_host(unit, root: Path, address: str, images_to_build: dict[str, tuple[str, str, float]],
              faults=None):
    """A lab host serving ``root`` over TFTP on a segment with the unit's second interface;
    ``images_to_build`` maps file names to (version, line, size in MB)."""
    from vpix.net.fabric import Segment
    from vpix.net.host import Host
    from vpix.net.packets import mac_bytes

    segment = Segment("inside", unit.clock)
    segment.attach(unit.ports[1])
    host = Host("tftp", mac_bytes("0050.5600.0001"), address, unit.clock)
    host.plug(segment)
    root.mkdir(exist_ok=True)
    for name, (version, line, size) in images_to_build.items():
        image_format.build(root / name, version, line, size_mb=size)
    host.serve_tftp(root, faults)
    return host


def make_unit(tmp_path: Path, images, platform="PIX-515E", image_key="pix-7.2(1)", config=None,
              name="unit", break_window=0.0) -> Unit:
    directory = tmp_path / name
    unitdir.create(directory, platform, serial=None, image=images[image_key] if image_key else None,
                   break_window=break_window, host_key=host_key(), startup_config=config)
    return Unit(directory, VirtualClock(1000.0))


@pytest.fixture
def boot(tmp_path, images):
    """boot(platform=..., image_key=..., config=...) -> (unit, terminal) at the user prompt."""

    def booted(**kwargs) -> tuple[Unit, Terminal]:
        unit = make_unit(tmp_path, images, **kwargs)
        term = Terminal(unit)
        unit.power_on()
        unit.clock.advance(0)
        return unit, term

    return booted


@pytest.fixture
def pix7(boot):
    unit, term = boot()
    term.cmd("enable")
    term.cmd("")
    return unit, term


@pytest.fixture
def pix6(boot):
    unit, term = boot(image_key="pix-6.3(5)")
    term.cmd("enable")
    term.cmd("")
    return unit, term


@pytest.fixture
def tftpd_hpa_writable(tmp_path):
    """tftpd-hpa that creates files (-c) in a directory anyone may write: (directory, port)."""
    from helpers.servers import tftpd_hpa

    root = tmp_path / "up"
    root.mkdir()
    root.chmod(0o777)
    tmp_path.chmod(0o755)
    with tftpd_hpa(root, writable=True) as port:
        yield root, port
