"""Real hosts in a lab (network namespaces on TAP devices, the kernel's TCP/IP), as root: what
the tests that use them need, the unit they go through and how to run a command in one."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
from traffic import CONFIG as TRAFFIC_CONFIG

NEEDS = pytest.mark.skipif(
    not (os.geteuid() == 0 and os.path.exists("/dev/net/tun") and shutil.which("vsftpd") and shutil.which("curl")),
    reason="needs root, /dev/net/tun, vsftpd and curl (scripts/setup-tests.sh)")

CONFIG = TRAFFIC_CONFIG + """access-list OUTSIDE extended permit icmp any any echo-reply
access-list OUTSIDE extended permit tcp any host 192.168.1.50 eq ftp
access-group OUTSIDE in interface outside
class-map inspection_default
 match default-inspection-traffic
policy-map global_policy
 class inspection_default
  inspect ftp
service-policy global_policy global
"""


# Python's http.server asks DNS for its own name at start; a namespace host has none to ask, so
# this one does not: `python -c HTTP_SERVER ADDRESS PORT DIRECTORY`.
HTTP_SERVER = """
import functools, http.server, socketserver, sys
class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[3])
Server((sys.argv[1], int(sys.argv[2])), handler).serve_forever()
"""


def ip(*argv: str) -> None:
    """`ip ARGV`, which must work."""
    import subprocess
    subprocess.run(["ip", *argv], check=True, capture_output=True)


async def lab_exec(lab_file: Path, host: str, *argv: str, timeout: float = 30) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "vpix", "lab", "exec", host, "--lab",
                                                str(lab_file), "--", *argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out


def one_unit_lab(tmp_path: Path, config: str, inside: str = "pc", outside: str = "server") -> Path:
    """A lab file: unit fw (PIX-515E on 7.2(1), ``config``) between the namespace hosts
    ``inside`` (192.168.1.50) and ``outside`` (172.16.1.50)."""
    import yaml

    lab = {
        "name": f"rh{os.getpid()}", "workdir": str(tmp_path / "lab"),
        "units": {"fw": {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2,
                         "config": config}},
        "hosts": {inside: {"address": "192.168.1.50", "gateway": "192.168.1.1", "namespace": True},
                  outside: {"address": "172.16.1.50", "mask": "255.255.0.0", "gateway": "172.16.1.1",
                            "namespace": True}},
        "segments": {"inside": ["fw:Ethernet1", inside], "outside": ["fw:Ethernet0", outside]},
    }
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(lab))
    return path


async def running(lab_file: Path):
    """The lab up, its unit fw running: (the running lab, the unit)."""
    from vpix.lab import model, runner

    lab = await runner.start(model.load(lab_file))
    unit = lab.units["fw"].unit
    for _ in range(200):
        if unit.system is not None and unit.system.running():
            break
        await asyncio.sleep(0.05)
    return lab, unit
