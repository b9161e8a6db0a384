"""`vpix node`: what containerlab does to a node, done here (as root): a network namespace with
eth0 on a management network and eth1 added after the node has started. The node waits for
eth1, takes eth0's address, and answers SSH there with the kind's default login."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys

import pytest
from helpers import nodes
from helpers.real_hosts import NEEDS, ip

pytestmark = [NEEDS, pytest.mark.skipif(not shutil.which("sshpass"), reason="sshpass: scripts/setup-tests.sh")]


@pytest.fixture
def node_namespace():
    """Namespace NODE with eth0 at 10.99.0.2/24 (gateway 10.99.0.1, this side of the veth)."""
    tag = f"{os.getpid() % 100000}"
    namespace, here = f"vpix-node-{tag}", f"vn{tag}h"
    ip("netns", "add", namespace)
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        ip("addr", "add", "10.99.0.1/24", "dev", here)
        ip("link", "set", here, "up")
        for argv in (("link", "set", "lo", "up"), ("addr", "add", "10.99.0.2/24", "dev", "eth0"),
                     ("link", "set", "eth0", "up"), ("route", "add", "default", "via", "10.99.0.1")):
            ip("netns", "exec", namespace, "ip", *argv)
        yield namespace
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


async def _ssh(command: str) -> tuple[int, str]:
    return await nodes.ssh("10.99.0.2", command, connect_timeout=2)


async def test_a_node_waits_for_its_links_and_answers_on_eth0(tmp_path, node_namespace):
    node = await asyncio.create_subprocess_exec(
        "ip", "netns", "exec", node_namespace, sys.executable, "-m", "vpix", "node", "--workdir",
        str(tmp_path / "flash"), "--links", "1", env=dict(os.environ, HOSTNAME="asa1"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert (await _ssh("show version"))[0] != 0            # not before its data link is there
        ip("link", "add", "eth1", "netns", node_namespace, "type", "veth", "peer", "name", "peer1",
            "netns", node_namespace)
        for _ in range(60):
            code, out = await _ssh("show version")
            if code == 0:
                break
            await asyncio.sleep(0.5)
        assert code == 0 and "Hardware:   ASA5520" in out, out
        code, out = await _ssh("show interface ip brief")
        assert re.search(r"Management0/0 +10\.99\.0\.2 +YES CONFIG up +up", out), out
        saved = (tmp_path / "flash" / "flash" / ".private" / "startup-config").read_text()   # on the volume
        assert "hostname asa1\n" in saved and "route management 0.0.0.0 0.0.0.0 10.99.0.1 1" in saved
    finally:
        node.terminate()
        logged = (await asyncio.wait_for(node.communicate(), 30))[0].decode()
    assert "Cisco Adaptive Security Appliance Software Version 7.2(1)" in logged   # what `docker logs` shows
    assert "asa1> " in logged


@pytest.fixture
def pair_namespaces():
    with nodes.pair_namespaces() as names:
        yield names


async def test_a_failover_pair_of_nodes_forms_and_takes_over_when_a_node_dies(tmp_path, pair_namespaces):
    """The configuration (tens of kilobytes in a bulk sync) crosses the failover link in IP
    fragments, as on a real wire; the secondary takes the active address when the primary dies."""
    links = ("--links", "4")
    async with nodes.running_pair(tmp_path, pair_namespaces, (nodes.PRIMARY, nodes.SECONDARY), links, links) as kill:
        await nodes.formed_then_taken_over(kill)


async def test_a_pair_of_nodes_on_a_serial_cable_over_a_link(tmp_path):
    """The PIX serial cable between two nodes, carried over their eth5 link: the cable's
    primary end makes the primary, the secondary joins with nothing but `failover`, and when
    the primary node dies its silence is the mate's power loss."""
    with nodes.pair_namespaces("vpixs", cable=True) as namespaces:
        options = [("--links", "5", "--cable", end, "--cable-link", "eth5") for end in ("primary", "secondary")]
        async with nodes.running_pair(tmp_path, namespaces, (nodes.CABLED, "failover\n"), *options) as kill:
            await nodes.formed_then_taken_over(kill)


HOSTED = nodes.PRIMARY + """enable password cisco
interface Ethernet0
 nameif outside
 security-level 0
 ip address 172.16.1.1 255.255.0.0 standby 172.16.1.2
 no shutdown
interface Ethernet1
 nameif inside
 security-level 100
 ip address 192.168.1.1 255.255.255.0 standby 192.168.1.2
 no shutdown
access-list OUTSIDE extended permit icmp any any echo-reply
access-group OUTSIDE in interface outside
"""


async def _enabled(address: str, *lines: str, until: str) -> str:
    """Over SSH at the node's address: `enable`, then the lines, until ``until`` has been said."""
    import asyncssh
    from helpers.legacy_ssh import ASYNCSSH

    async with asyncssh.connect(address, username="admin", password=nodes.PASSWORD, known_hosts=None,
                                preferred_auth="password", **ASYNCSSH) as conn:
        shell = await conn.create_process(term_type="vt100")
        await shell.stdout.readuntil("> ")
        shell.stdin.write("enable\n")
        await shell.stdout.readuntil("Password: ")
        shell.stdin.write("cisco\n")
        await shell.stdout.readuntil("# ")
        shell.stdin.write("".join(line + "\n" for line in lines))
        said = await asyncio.wait_for(shell.stdout.readuntil(until), 120)
        shell.stdin.write("exit\n")
        return said


async def _version_at(address: str) -> str:
    return (await nodes.ssh(address, "show version | include Version", connect_timeout=2))[1]


def _pings(namespace: str, address: str) -> bool:
    """An answer to one of three pings (the first may wait on ARP, or on a takeover's)."""
    return subprocess.run(["ip", "netns", "exec", namespace, "ping", "-c", "3", "-W", "2", address],
                          capture_output=True).returncode == 0


@pytest.mark.skipif(not shutil.which("in.tftpd"), reason="tftpd-hpa: scripts/setup-tests.sh")
async def test_a_pair_of_nodes_carries_traffic_between_hosts_and_upgrades_from_a_tftp_host(tmp_path):
    """As in 000, with the pair's two nodes between an inside and an outside host: the inside
    host pings the outside one through the active node; the image of the next release comes
    from the inside host's TFTP server (the standby fetches it too), the standby reloads onto
    it; then the primary node dies and the traffic carries on through the secondary."""
    from vpix.image import format as image_format

    served = tmp_path / "tftp"
    served.mkdir()
    image_format.build(served / "pix722.bin", "7.2(2)", "pix", 0.5)
    with nodes.pair_namespaces("vpixh", hosts=True) as wired:
        tftpd = subprocess.Popen(["ip", "netns", "exec", wired.inside, shutil.which("in.tftpd"), "--foreground",
                                  "--listen", "--address", "192.168.1.50:69", "--secure", str(served)])
        links = ("--links", "4")
        try:
            async with nodes.running_pair(tmp_path, wired.nodes, (HOSTED, nodes.SECONDARY), links, links) as kill:
                await nodes.formed()
                assert await asyncio.to_thread(_pings, wired.inside, "172.16.1.50")
                said = await _enabled(nodes.ACTIVE, "copy /noconfirm tftp://192.168.1.50/pix722.bin flash:",
                                      until="bytes copied")
                assert "!" in said
                await _enabled(nodes.ACTIVE, "configure terminal", "boot system flash:/pix722.bin", "end",
                               "write memory", until="[OK]")
                await _enabled(nodes.ACTIVE, "failover reload-standby", until="# ")
                for _ in range(120):                        # the standby boots the new release
                    version = await _version_at(nodes.STANDBY)
                    if "Version 7.2(2)" in version:
                        break
                    await asyncio.sleep(0.5)
                assert "Version 7.2(2)" in version, version
                await nodes.formed()
                await kill()
                for _ in range(60):
                    seen = await nodes.failover_seen_from(nodes.ACTIVE)
                    if "This host: Secondary - Active" in seen:
                        break
                    await asyncio.sleep(0.5)
                assert "This host: Secondary - Active" in seen, seen
                assert await asyncio.to_thread(_pings, wired.inside, "172.16.1.50")
        finally:
            tftpd.terminate()
            tftpd.wait()
