"""TFTP download of a 16 MiB image from tftpd-hpa on 127.0.0.1: vpix's client side by side
with tftp-hpa's client (512-byte blocks) and atftp's (blksize 1428 and the largest tftpd-hpa
grants), medians of interleaved runs; windowsize against vpix's own server (tftpd-hpa does
not grant it). Goal: at least as fast as each peer at equal options.
Needs the Debian packages tftpd-hpa, tftp-hpa and atftp.  Run: python bench/tftp_download.py [runs]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vpix.transfer import tftp
from vpix.transfer.tftp_io import download
from vpix.transfer.tftp_server import TftpServer

SIZE = 16 * 1024 * 1024
LARGEST = 65464


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ours(port: int, blksize: int, windowsize: int = 1) -> float:
    tftp.TFTP_PORT = port
    received = bytearray()
    started = time.perf_counter()
    outcome, _ = asyncio.run(download("127.0.0.1", "image.bin", received.extend, blksize=blksize,
                                      windowsize=windowsize))
    elapsed = time.perf_counter() - started
    assert outcome.code is None and len(received) == SIZE, outcome
    return elapsed


def peer(command: list[str], out: Path, stdin: str | None = None) -> float:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(command, input=stdin, text=True, check=True, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    assert out.stat().st_size == SIZE
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for tool in ("in.tftpd", "tftp", "atftp"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install tftpd-hpa tftp-hpa atftp")
    root = Path(tempfile.mkdtemp())
    root.chmod(0o755)                       # tftpd-hpa serves as the unprivileged `tftp` user
    (root / "image.bin").write_bytes(os.urandom(SIZE))
    (root / "image.bin").chmod(0o644)
    out = root / "copy.bin"
    port = free_udp_port()
    server = subprocess.Popen(["in.tftpd", "-L", "-s", str(root), "-a", f"127.0.0.1:{port}"])
    time.sleep(0.3)
    rows = {}
    try:
        cases = {
            "512-byte blocks": (lambda: ours(port, 512),
                                lambda: peer(["tftp", "127.0.0.1", str(port)], out,
                                             f"binary\nget image.bin {out}\nquit\n"), "tftp-hpa"),
            "blksize 1428": (lambda: ours(port, 1428),
                             lambda: peer(["atftp", "--option", "blksize 1428", "-g", "-r", "image.bin",
                                           "-l", str(out), "127.0.0.1", str(port)], out), "atftp"),
            f"blksize {LARGEST}": (lambda: ours(port, LARGEST),
                                   lambda: peer(["atftp", "--option", f"blksize {LARGEST}", "-g", "-r",
                                                 "image.bin", "-l", str(out), "127.0.0.1", str(port)], out),
                                   "atftp"),
        }
        for name, (mine, theirs, who) in cases.items():
            a, b = [], []
            for _ in range(runs):
                a.append(mine())
                b.append(theirs())
            rows[name] = (statistics.median(a), statistics.median(b), who)
    finally:
        server.terminate()
        server.wait()

    async def windowed(size: int, window: int) -> float:
        ours_server = TftpServer(root)
        own_port = await ours_server.start()
        try:
            return await asyncio.to_thread(ours, own_port, size, window)
        finally:
            ours_server.close()

    print(f"TFTP download of {SIZE >> 20} MiB on 127.0.0.1, medians of {runs} interleaved runs (s)")
    print(f"{'options':22}{'vpix':>8}{'peer':>8}  peer")
    for name, (mine, theirs, who) in rows.items():
        print(f"{name:22}{mine:>8.2f}{theirs:>8.2f}  {who} ({theirs / mine:.2f}x)")
    for window in (4, 16):
        seconds = statistics.median(asyncio.run(windowed(1428, window)) for _ in range(runs))
        print(f"{'1428, windowsize ' + str(window):22}{seconds:>8.2f}{'':>8}  vpix's own server")


if __name__ == "__main__":
    main()
