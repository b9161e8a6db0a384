"""What containerlab does for a pair of `vpix node`s, done by the tests themselves (as root):
a network namespace per node, eth0 of each on a management bridge here, eth4 of one to eth4
of the other (the failover link), eth1…eth3 with nothing behind; and asking a node over SSH
what its failover state is."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.legacy_ssh import OPENSSH
from helpers.real_hosts import ip

PASSWORD = "CiscoAsa1!"

PRIMARY = """hostname pair
interface Ethernet3
 no shutdown
interface Ethernet5
 nameif management
 security-level 100
 ip address 10.99.1.2 255.255.255.0 standby 10.99.1.3
 no shutdown
username admin password CiscoAsa1! privilege 15
aaa authentication ssh console LOCAL
ssh 0.0.0.0 0.0.0.0 management
failover lan unit primary
failover lan interface failover Ethernet3
failover lan enable
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover polltime unit msec 200 holdtime msec 800
failover key k3y
failover
"""
SECONDARY = """interface Ethernet3
 no shutdown
failover lan unit secondary
failover lan interface failover Ethernet3
failover lan enable
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover key k3y
failover
"""
ACTIVE, STANDBY = "10.99.1.2", "10.99.1.3"       # the management addresses
# The serial cable instead of the LAN link: the cable names the primary, the secondary needs
# nothing but `failover`.
CABLED = "".join(line + "\n" for line in PRIMARY.splitlines()
                 if not line.startswith(("failover lan", "failover interface ip", "failover polltime", "failover key")))


@dataclass
class Wired:
    nodes: list[str]                       # the two node namespaces
    inside: str | None = None              # with ``hosts``: the inside host's (192.168.1.50)
    outside: str | None = None             # and the outside host's (172.16.1.50)

    def __iter__(self):
        return iter(self.nodes)

    def __getitem__(self, index: int) -> str:
        return self.nodes[index]


@contextlib.contextmanager
def pair_namespaces(prefix: str = "vpix", cable: bool = False, hosts: bool = False):
    """Two node namespaces, as containerlab would leave them: eth0 of each on a management
    bridge here (10.99.1.1), eth4 of one to eth4 of the other (the failover link), eth1…eth3
    with nothing behind; ``cable``: eth5 of one to eth5 of the other too; ``hosts``: eth1 of
    both on an outside bridge with an outside host, eth2 on an inside one with an inside host."""
    tag = secrets.token_hex(3)             # names of their own: what an earlier test leaves behind may linger
    bridges = {name: f"vb{name[0]}{tag}" for name in ("mgmt", "outside", "inside")}
    wired = Wired([f"{prefix}-n{n}-{tag}" for n in (1, 2)])
    if hosts:
        wired.inside, wired.outside = f"{prefix}-in-{tag}", f"{prefix}-out-{tag}"
    namespaces = [*wired.nodes, *([wired.inside, wired.outside] if hosts else [])]
    try:
        for name, bridge in bridges.items():
            ip("link", "add", bridge, "type", "bridge")
            ip("link", "set", bridge, "up")
        ip("addr", "add", "10.99.1.1/24", "dev", bridges["mgmt"])
        for namespace in namespaces:
            ip("netns", "add", namespace)
            ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        for n, namespace in enumerate(wired.nodes, 1):
            behind = {"eth0": "mgmt", **({"eth1": "outside", "eth2": "inside"} if hosts else {})}
            for link, segment in behind.items():
                ip("link", "add", f"v{link[-1]}{n}{tag}", "type", "veth", "peer", "name", link, "netns", namespace)
                ip("link", "set", f"v{link[-1]}{n}{tag}", "master", bridges[segment], "up")
            ip("netns", "exec", namespace, "ip", "addr", "add", f"10.99.1.{n + 1}/24", "dev", "eth0")
            ip("netns", "exec", namespace, "ip", "link", "set", "eth0", "up")
            for link in range(len(behind), 4):
                ip("netns", "exec", namespace, "ip", "link", "add", f"eth{link}", "type", "veth", "peer", "name",
                   f"far{link}")
        shared = ["eth4", "eth5"] if cable else ["eth4"]
        for name in shared:
            ip("netns", "exec", wired.nodes[0], "ip", "link", "add", name, "type", "veth", "peer", "name", name,
               "netns", wired.nodes[1])
        for namespace in wired.nodes:
            for link in range(1, 4 + len(shared)):
                ip("netns", "exec", namespace, "ip", "link", "set", f"eth{link}", "up")
        for host, segment, address, gateway in ((wired.inside, "inside", "192.168.1.50/24", "192.168.1.1"),
                                                (wired.outside, "outside", "172.16.1.50/16", "172.16.1.1")):
            if host is None:
                continue
            ip("link", "add", f"vh{segment[0]}{tag}", "type", "veth", "peer", "name", "h0", "netns", host)
            ip("link", "set", f"vh{segment[0]}{tag}", "master", bridges[segment], "up")
            for argv in (("addr", "add", address, "dev", "h0"), ("link", "set", "h0", "up"),
                         ("route", "add", "default", "via", gateway)):
                ip("netns", "exec", host, "ip", *argv)
        yield wired
    finally:
        for bridge in bridges.values():
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        for namespace in namespaces:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


async def ssh(address: str, command: str, connect_timeout: int = 5) -> tuple[int, str]:
    """``command`` over OpenSSH at a node's address, with the kind's login: (exit code, output)."""
    proc = await asyncio.create_subprocess_exec(
        "sshpass", "-p", PASSWORD, "ssh", *OPENSSH, "-o", "StrictHostKeyChecking=no", "-o",
        "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", f"ConnectTimeout={connect_timeout}",
        f"admin@{address}", command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode()


async def failover_seen_from(address: str) -> str:
    """`show failover | include host`, as the node at ``address`` answers it."""
    return (await ssh(address, "show failover | include host"))[1]


async def formed() -> None:
    """Until the pair has formed: Primary Active, Secondary Standby Ready."""
    for _ in range(120):
        active, standby = await failover_seen_from(ACTIVE), await failover_seen_from(STANDBY)
        if "This host: Primary - Active" in active and "This host: Secondary - Standby Ready" in standby:
            break
        await asyncio.sleep(0.5)
    assert "This host: Primary - Active" in active and "This host: Secondary - Standby Ready" in standby, \
        (active, standby)


async def formed_then_taken_over(kill) -> None:
    """The pair forms; after ``kill()`` (the primary node dies, as at a power loss) the
    secondary answers on the active address as Active."""
    await formed()
    await kill()
    for _ in range(60):
        now = await failover_seen_from(ACTIVE)
        if "This host: Secondary - Active" in now:
            break
        await asyncio.sleep(0.5)
    assert "This host: Secondary - Active" in now, now


@contextlib.asynccontextmanager
async def running_pair(tmp_path: Path, namespaces: list[str], configs: tuple[str, str], *options: tuple[str, ...]):
    """`vpix node` in each namespace (PIX-515E on 7.2(1)) with its configuration and options;
    yields ``kill()``, which kills the first, as at a power loss. The rest are stopped after."""
    started = []
    for n, (namespace, config, extra) in enumerate(zip(namespaces, configs, options or ((), ())), 1):
        (tmp_path / f"node{n}.cfg").write_text(config)
        started.append(await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", namespace, sys.executable, "-m", "vpix", "node", "--workdir",
            str(tmp_path / f"flash{n}"), "--platform", "PIX-515E", "--version", "7.2(1)",
            "--config", str(tmp_path / f"node{n}.cfg"), *extra,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))

    async def kill() -> None:
        started[0].kill()
        await started[0].wait()

    try:
        yield kill
    finally:
        for node in started:
            if node.returncode is None:
                node.terminate()
                await asyncio.wait_for(node.wait(), 30)
