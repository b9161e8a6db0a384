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


async def lab_exec(lab_file: Path, host: str, *argv: str, timeout: float = 30) -> tuple[int, bytes]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "vpix", "lab", "exec", host, "--lab",
                                                str(lab_file), "--", *argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out
