"""Real servers for the transfer tests, on 127.0.0.1 ports the OS hands out, each waited for
until it answers (never a fixed sleep): tftpd-hpa and vsftpd."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.served import vsftpd_config, wait_until


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tftp_answers(port: int) -> bool:
    """A read request for a file nobody has: any answer means the server is up."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        probe.sendto(struct.pack("!H", 1) + b"vpix-probe-none\0octet\0", ("127.0.0.1", port))
        try:
            return bool(probe.recv(516))
        except OSError:
            return False


@contextmanager
def tftpd_hpa(root: Path, writable: bool = False):
    """in.tftpd serving ``root`` (creating files with ``writable``); yields its port."""
    if not shutil.which("in.tftpd"):
        pytest.skip("tftpd-hpa is installed by scripts/setup-tests.sh")
    port = free_port(socket.SOCK_DGRAM)
    proc = subprocess.Popen(["in.tftpd", "-L", *(["-c"] if writable else []), "-s", str(root),
                             "-a", f"127.0.0.1:{port}"])
    try:
        wait_until(lambda: _tftp_answers(port), attempts=100)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def _listens(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@contextmanager
def vsftpd(root: Path, tmp: Path, async_abor: bool = False, uploads: bool = False):
    """vsftpd, anonymous on ``root``; yields its port."""
    if not shutil.which("vsftpd"):
        pytest.skip("vsftpd is installed by scripts/setup-tests.sh")
    port = free_port()
    low = 30000 + (port % 1000) * 20
    conf = tmp / f"vsftpd-{port}.conf"
    conf.write_text(vsftpd_config(root, "127.0.0.1", port, range(low, low + 20), async_abor=async_abor,
                                  uploads=uploads))
    proc = subprocess.Popen(["vsftpd", str(conf)])
    try:
        wait_until(lambda: _listens(port), attempts=400, interval=0.025)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)
