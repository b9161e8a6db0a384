"""Real hosts: each a Linux network namespace whose one interface is the kernel side of a TAP
device bridged to its segment, so real software (ping, curl, vsftpd, iperf3) talks through the
units with the kernel's own TCP/IP stack. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).

`vpix lab exec HOST -- CMD` runs a command in a host's namespace."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import os

from vpix.net.fabric import Segment
from vpix.net.links import TapUplink


def namespace_name(lab: str, host: str) -> str:
    return f"vpix-{lab}-{host}"


def tap_name(lab: str, host: str) -> str:
    """A device name within Linux's 15 characters, the same for the same lab and host."""
    return "vx" + hashlib.sha256(f"{lab}/{host}".encode()).hexdigest()[:10]


class NamespaceHost:
    """A namespace named for ``lab`` and ``name`` with an address (and a default route through a
    gateway) on ``segment``; made afresh by ``create``, removed by ``close``. Netlink work runs
    in a worker thread: pyroute2's synchronous API runs an event loop of its own."""

    def __init__(self, namespace: str, uplink: TapUplink):
        self.namespace, self.uplink = namespace, uplink

    @classmethod
    async def create(cls, lab: str, name: str, address: str, mask: str, gateway: str | None,
                     segment: Segment) -> "NamespaceHost":
        namespace, tap = namespace_name(lab, name), tap_name(lab, name)
        uplink = TapUplink(segment, tap)
        try:
            await asyncio.to_thread(_build, namespace, tap, address, mask, gateway)
        except BaseException:
            uplink.close()
            raise
        return cls(namespace, uplink)

    def close(self) -> None:
        from pyroute2 import netns

        self.uplink.close()
        if self.namespace in netns.listnetns():
            netns.remove(self.namespace)


def _build(namespace: str, tap: str, address: str, mask: str, gateway: str | None) -> None:
    from pyroute2 import IPRoute, netns

    if namespace in netns.listnetns():
        netns.remove(namespace)
    netns.create(namespace)
    try:
        with IPRoute() as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname=tap)[0], net_ns_fd=namespace)
        with IPRoute(netns=namespace) as ns:
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
            index = ns.link_lookup(ifname=tap)[0]
            ns.addr("add", index=index, address=address, prefixlen=ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen)
            ns.link("set", index=index, state="up")
            if gateway:
                ns.route("add", dst="0.0.0.0/0", gateway=gateway)
    except BaseException:
        netns.remove(namespace)
        raise


def enter(namespace: str) -> None:
    """Move this process into ``namespace`` (which must exist)."""
    from pyroute2 import netns

    if namespace not in netns.listnetns():
        raise LookupError(namespace)
    netns.setns(namespace, flags=0)


def run_in(namespace: str, argv: list[str]) -> None:
    """Replace this process by ``argv`` run in ``namespace``."""
    enter(namespace)
    os.execvp(argv[0], argv)
