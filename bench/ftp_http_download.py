"""FTP and HTTP downloads of the same 16 MiB image against curl: from vsftpd (passive) and a
local HTTP server, side by side, medians of interleaved runs. Goal: within 0.8x of curl.
vpix's FTP client also checks the file first (RETR + ABOR) as the device does; the figure
includes that. Needs vsftpd and curl.  Run: python bench/ftp_http_download.py [runs]
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
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from vpix.transfer import ftp, http

SIZE = 16 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def ours_ftp(port: int) -> None:
    got = bytearray()
    asyncio.run(ftp.fetch("127.0.0.1", "image.bin", got.extend, port=port, passive=True))
    assert len(got) == SIZE


def ours_http(url: str) -> None:
    got = bytearray()
    asyncio.run(http.fetch(url, got.extend))
    assert len(got) == SIZE


def curl(url: str, out: Path) -> None:
    subprocess.run(["curl", "-s", "-o", str(out), url], check=True, timeout=60)
    assert out.stat().st_size == SIZE


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for tool in ("vsftpd", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install vsftpd curl")
    root = Path(tempfile.mkdtemp())
    root.chmod(0o755)
    (root / "image.bin").write_bytes(os.urandom(SIZE))
    (root / "image.bin").chmod(0o644)
    out = root / "copy.bin"
    Path("/var/run/vsftpd/empty").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = root / "vsftpd.conf"
    conf.write_text(f"listen=YES\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n"
                    f"anonymous_enable=YES\nno_anon_password=YES\nanon_root={root}\nlocal_enable=NO\n"
                    "pasv_enable=YES\npasv_address=127.0.0.1\nseccomp_sandbox=NO\n"
                    "secure_chroot_dir=/var/run/vsftpd/empty\nxferlog_enable=NO\n")
    ftpd = subprocess.Popen(["vsftpd", str(conf)])
    web = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    time.sleep(0.3)
    url = f"http://127.0.0.1:{web.server_address[1]}/image.bin"
    try:
        results = {}
        for name, mine, theirs in (
                ("FTP (passive) from vsftpd", lambda: ours_ftp(port),
                 lambda: curl(f"ftp://127.0.0.1:{port}/image.bin", out)),
                ("HTTP from a local server", lambda: ours_http(url), lambda: curl(url, out))):
            a, b = [], []
            for _ in range(runs):
                a.append(timed(mine))
                b.append(timed(theirs))
            results[name] = (statistics.median(a), statistics.median(b))
    finally:
        ftpd.terminate()
        web.shutdown()
    print(f"Download of {SIZE >> 20} MiB on 127.0.0.1, medians of {runs} interleaved runs (ms)")
    print(f"{'':28}{'vpix':>8}{'curl':>8}")
    for name, (mine, theirs) in results.items():
        print(f"{name:28}{mine * 1000:>8.0f}{theirs * 1000:>8.0f}  vpix at {theirs / mine:.2f}x of curl "
              "(goal >= 0.8x)")


if __name__ == "__main__":
    main()
