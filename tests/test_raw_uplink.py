"""A segment bound to an existing Linux interface (`raw:IFNAME`, AF_PACKET), as a container's
`eth1` would be: a namespace on the far end of a veth pair pings the unit, fetches a file
through it by HTTP from a namespace on a TAP, and logs in to it by SSH (as root)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from helpers.real_hosts import HTTP_SERVER, NEEDS, ip
from helpers.legacy_ssh import OPENSSH
from traffic import CONFIG as TRAFFIC

from vpix.lab import model, runner

pytestmark = [NEEDS, pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass: scripts/setup-tests.sh")]

CONFIG = TRAFFIC + """username admin password admin privilege 15
aaa authentication ssh console LOCAL
ssh 192.168.1.0 255.255.255.0 inside
access-list in extended permit tcp any any
access-group in in interface outside
"""


@pytest.fixture
def veth():
    """A veth pair: one end here for the lab, the other in a namespace of its own at 192.168.1.60."""
    tag = f"{os.getpid() % 100000}"
    here, there, namespace = f"vr{tag}a", f"vr{tag}b", f"vpix-raw-{tag}"
    ip("netns", "add", namespace)
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        ip("link", "set", there, "netns", namespace)
        ip("link", "set", here, "up")
        for argv in (("addr", "add", "192.168.1.60/24", "dev", there), ("link", "set", there, "up"),
                     ("link", "set", "lo", "up"), ("route", "add", "default", "via", "192.168.1.1")):
            ip("netns", "exec", namespace, "ip", *argv)
        yield here, namespace
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


async def _in(namespace: str, *argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec("ip", "netns", "exec", namespace, *argv,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode()


async def test_a_unit_on_a_linux_interface(tmp_path, veth):
    here, namespace = veth
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "page.txt").write_text("through the unit\n")
    lab = {"name": f"raw{os.getpid() % 10000}", "workdir": str(tmp_path / "lab"),
           "units": {"fw": {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2,
                            "config": CONFIG}},
           "hosts": {"web": {"address": "172.16.1.50", "mask": "255.255.0.0", "gateway": "172.16.1.1",
                             "namespace": True}},
           "segments": {"inside": ["fw:Ethernet1", f"raw:{here}"], "outside": ["fw:Ethernet0", "web"]}}
    (tmp_path / "lab.yaml").write_text(yaml.safe_dump(lab))
    running = await runner.start(model.load(tmp_path / "lab.yaml"))
    web = None
    try:
        unit = running.units["fw"].unit
        while unit.system is None or not unit.system.running():
            await asyncio.sleep(0.05)
        code, out = await _in(namespace, "ping", "-c", "2", "-W", "2", "192.168.1.1")
        assert code == 0, out
        web = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", f"vpix-{lab['name']}-web", sys.executable, "-c", HTTP_SERVER, "172.16.1.50", "8080",
            str(tmp_path / "www"), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        for path in (tmp_path, tmp_path / "www", tmp_path / "www" / "page.txt"):
            path.chmod(0o755)
        for _ in range(50):
            code, out = await _in(namespace, "curl", "-sS", "--max-time", "5", "http://172.16.1.50:8080/page.txt")
            if code == 0:
                break
            await asyncio.sleep(0.1)
        assert out == "through the unit\n"
        code, out = await _in(namespace, "sshpass", "-p", "admin", "ssh", *OPENSSH, "-o", "StrictHostKeyChecking=no",
                              "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                              "admin@192.168.1.1", "show version")
        assert code == 0 and "Software Version 7.2(1)" in out, out
    finally:
        if web is not None and web.returncode is None:
            web.kill()
            await web.wait()
        await runner.stop(running)
