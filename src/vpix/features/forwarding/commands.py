"""`timeout …`, `show conn`, `clear conn`, `show xlate`, `clear xlate`, `show local-host`,
`clear local-host`, `show asp drop`, `clear asp drop`."""

from __future__ import annotations

import ipaddress

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.clock import hms, parse_hms
from vpix.features.forwarding import TIMEOUTS, Forwarding, asp
from vpix.features.inspection import Inspection
from vpix.features.interfaces import Interfaces
from vpix.features.interfaces.commands import named_interface

_HELP = {"timeout": "Configure maximum idle times", "spec": "timeout name and hh:mm:ss, one or more",
         "conn": "Show connection information", "clear": "Reset functions",
         "xlate": "Show current translation information", "detail": "Show the translations with their flags",
         "count": "Display the number of connections in use",
         **asp.HELP,
         "local-host": "Show or clear the hosts with connections or translations through the unit",
         "ip": "A host's IP address"}


def _settings(ctx: Ctx) -> list[tuple[str, str]]:
    """`NAME hh:mm:ss …` pairs, each name known and each time a valid one (0 or at least the
    shortest the name allows); `absolute`/`inactivity` may follow uauth's time."""
    words = ctx.args["spec"].split()
    pairs, index = [], 0
    while index < len(words):
        name = words[index].lower()
        if name in ("absolute", "inactivity") and pairs and pairs[-1][0] == "uauth":
            pairs.append((name, ""))
            index += 1
            continue
        if name not in TIMEOUTS or index + 1 >= len(words):
            raise ctx.invalid("spec")
        try:
            value = parse_hms(words[index + 1])
        except ValueError:
            raise ctx.invalid("spec") from None
        if value and value < TIMEOUTS[name][1]:
            raise ctx.invalid("spec")
        pairs.append((name, hms(value)))
        index += 2
    return pairs


@command("timeout <spec:LINE>", mode="config", config=True, help=_HELP)
def timeout(ctx: Ctx):
    forwarding = ctx.system.feature(Forwarding)
    for name, value in _settings(ctx):
        if name in ("absolute", "inactivity"):
            forwarding.uauth_absolute = name == "absolute"
        else:
            forwarding.timeouts[name] = value


@command("no timeout <spec:LINE>", mode="config", config=True, help=_HELP)
def no_timeout(ctx: Ctx):
    forwarding = ctx.system.feature(Forwarding)
    for name in ctx.args["spec"].split():
        if name.lower() in TIMEOUTS:
            forwarding.timeouts[name.lower()] = TIMEOUTS[name.lower()][0]


@command("show conn", priv=1, help=_HELP)
def show_conn(ctx: Ctx):
    for line in ctx.system.feature(Forwarding).conn_lines():
        ctx.print(line)


@command("show conn count", priv=1, help=_HELP)
def show_conn_count(ctx: Ctx):
    ctx.print(ctx.system.feature(Forwarding).conn_lines()[0])


@command("show conn detail", priv=1, versions="7.x", help=_HELP)
def show_conn_detail(ctx: Ctx):
    lines = ctx.system.feature(Forwarding).conn_lines(detail=True)
    ctx.print("\n".join(lines[:1] + CONN_FLAGS + lines[1:]))


# The legend `show conn detail` prints before the connections
CONN_FLAGS = [
    "Flags: A - awaiting inside ACK to SYN, a - awaiting outside ACK to SYN,",
    "       B - initial SYN from outside, C - CTIQBE media, D - DNS, d - dump,",
    "       E - outside back connection, F - outside FIN, f - inside FIN,",
    "       G - group, g - MGCP, H - H.323, h - H.225.0, I - inbound data,",
    "       i - incomplete, J - GTP, j - GTP data, K - GTP t3-response",
    "       k - Skinny media, M - SMTP data, m - SIP media, n - GUP",
    "       O - outbound data, P - inside back connection,",
    "       q - SQL*Net data, R - outside acknowledged FIN,",
    "       R - UDP SUNRPC, r - inside acknowledged FIN, S - awaiting inside SYN,",
    "       s - awaiting outside SYN, T - SIP, t - SIP transient, U - up,",
    "       X - inspected by service module",
]


@command("clear conn", help=_HELP)
def clear_conn(ctx: Ctx):
    ctx.system.feature(Forwarding).clear()


@command("show xlate [detail]", priv=1, help=_HELP)
def show_xlate(ctx: Ctx):
    for line in ctx.system.feature(Forwarding).xlate_lines("detail" in ctx.args):
        ctx.print(line)


@command("clear xlate", help=_HELP)
def clear_xlate(ctx: Ctx):
    ctx.system.feature(Forwarding).clear(xlates=True)


@command("show asp drop [{frame|flow}]", versions="7.x", help=_HELP)
def show_asp_drop(ctx: Ctx):
    for line in ctx.system.feature(Forwarding).asp_drop_lines(asp.kinds(ctx.args)):
        ctx.print(line)


@command("clear asp drop [{frame|flow}]", versions="7.x", help=_HELP)
def clear_asp_drop(ctx: Ctx):
    ctx.system.feature(Forwarding).clear_asp_drop(asp.kinds(ctx.args), ctx.session.username)


def _host(ctx: Ctx) -> int | None:
    return int(ipaddress.IPv4Address(ctx.args["ip"])) if "ip" in ctx.args else None


@command("show local-host [<ip:IP>] [detail]", priv=1, help=_HELP)
def show_local_host(ctx: Ctx):
    for line in ctx.system.feature(Forwarding).local_host_lines(_host(ctx), "detail" in ctx.args):
        ctx.print(line)


@command("clear local-host [<ip:IP>]", help=_HELP)
def clear_local_host(ctx: Ctx):
    ctx.system.feature(Forwarding).clear_local_host(_host(ctx))


@command("same-security-traffic permit {inter-interface|intra-interface}", mode="config", versions="7.x", config=True,
         help={"same-security-traffic": "Enable same security level interfaces communication",
               "permit": "Permit communication", "inter-interface": "Between different interfaces",
               "intra-interface": "In and out of the same interface"})
def same_security_traffic(ctx: Ctx):
    ctx.system.feature(Forwarding).same_security.add(
        "inter-interface" if ctx.args.get("inter-interface") else "intra-interface")


@command("no same-security-traffic permit {inter-interface|intra-interface}", mode="config", versions="7.x",
         config=True)
def no_same_security_traffic(ctx: Ctx):
    ctx.system.feature(Forwarding).same_security.discard(
        "inter-interface" if ctx.args.get("inter-interface") else "intra-interface")


@command("show service-policy", priv=1, versions="7.x", help={**_HELP, "service-policy": "Show the service policies"})
def show_service_policy(ctx: Ctx):
    """Each applied policy, its classes and their inspections with the packets each saw."""
    feature = ctx.system.feature(Inspection)
    seen = ctx.system.feature(Forwarding).pipeline.inspected
    for where, name in feature.service_policies.items():
        policy = feature.policy_maps.get(name)
        ctx.print("Global policy: " if where == "global" else f"Interface {where}:")
        ctx.print(f"  Service-policy: {name}")
        for class_name, actions in (policy.classes.items() if policy is not None else ()):
            ctx.print(f"    Class-map: {class_name}")
            for line in actions.inspects:
                ctx.print(f"      Inspect: {line}, packet {seen[line.split()[0]]}, drop 0, reset-drop 0")


@command("ip verify reverse-path interface <if:WORD>", mode="config", config=True,
         help={"ip": "Configure IP", "verify": "Verify packets", "reverse-path": "Reverse path verification",
               "interface": "Name of the interface", "if": "Name of the interface"})
def ip_verify_reverse_path(ctx: Ctx):
    ctx.system.feature(Forwarding).rpf.add(named_interface(ctx, "if").nameif)


@command("no ip verify reverse-path interface <if:WORD>", mode="config", config=True)
def no_ip_verify_reverse_path(ctx: Ctx):
    ctx.system.feature(Forwarding).rpf.discard(ctx.args["if"])


@command("show ip verify statistics", priv=1, help={"verify": "Show ip verify statistics",
                                                   "statistics": "Unicast RPF drops by interface"})
def show_ip_verify_statistics(ctx: Ctx):
    drops = ctx.system.feature(Forwarding).pipeline.rpf_drops
    for iface in ctx.system.feature(Interfaces).named():
        ctx.print(f"interface {iface.nameif}: {drops[iface.nameif]} unicast rpf drops")


@command("clear ip verify statistics", help={"verify": "Clear ip verify statistics"})
def clear_ip_verify_statistics(ctx: Ctx):
    ctx.system.feature(Forwarding).pipeline.rpf_drops.clear()
