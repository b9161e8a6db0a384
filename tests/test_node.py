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
from helpers.legacy_ssh import OPENSSH

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
    proc = await asyncio.create_subprocess_exec(
        "sshpass", "-p", "CiscoAsa1!", "ssh", *OPENSSH, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=2", "admin@10.99.0.2", command,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode()


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
