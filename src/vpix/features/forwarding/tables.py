"""The rows of the connection and translation tables as `show conn`, `show xlate` and
`show local-host` print them."""

from __future__ import annotations

import ipaddress

from vpix.clock import hms
from vpix.dataplane.conns import Conn
from vpix.dataplane.nat import PAT, STATIC, Xlate
from vpix.dataplane.pipeline import PROTO_NAMES

XLATE_FLAGS = ["Flags: D - DNS, d - dump, I - identity, i - dynamic, n - no random,",
               "       o - outside, r - portmap, s - static"]


def address(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def xlate_line(x: Xlate, detail: bool = False) -> str:
    if detail:
        return _xlate_detail(x)
    if x.proto:
        return f"PAT Global {address(x.mapped)}({x.mapped_port}) Local {address(x.real)}({x.real_port})"
    return f"Global {address(x.mapped)} Local {address(x.real)}"


def _xlate_detail(x: Xlate) -> str:
    flags = {STATIC: "sr" if x.proto else "s", PAT: "ri", "identity": "iI"}.get(x.kind, "i")
    if x.proto:
        mark = "PAT" if x.kind == PAT else "static"
        return (f"{PROTO_NAMES.get(x.proto, x.proto)} {mark} from {x.real_iface}:{address(x.real)}/{x.real_port} "
                f"to {x.mapped_iface}:{address(x.mapped)}/{x.mapped_port} flags {flags}")
    return f"NAT from {x.real_iface}:{address(x.real)} to {x.mapped_iface}:{address(x.mapped)} flags {flags}"


def conn_line(conn: Conn, now: float, family: str, detail: bool = False) -> str:
    """A connection, its outside end first; ``detail``: as `show conn detail` writes it."""
    outside, inside = conn.outside, conn.inside
    far = f"{address(outside.ip)}:{outside.port}"
    near = f"{address(inside.ip)}:{inside.port}"
    idle = hms(now - conn.last)
    name = PROTO_NAMES[conn.proto]
    if family == "6.x":
        return f"{name} out {far} in {near} idle {idle} Bytes {conn.bytes} flags {conn.flags()}"
    if detail:
        return (f"{name} {outside.iface}:{address(outside.ip)}/{outside.port} "
                f"{inside.iface}:{address(inside.ip)}/{inside.port} flags {conn.flags()}")
    return (f"{name} {outside.iface} {far} {inside.iface} {near}, idle {idle}, "
            f"bytes {conn.bytes}, flags {conn.flags()}")
