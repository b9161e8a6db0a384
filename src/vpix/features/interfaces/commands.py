"""Interface configuration commands, 7.x sub-mode and 6.x global forms."""

from __future__ import annotations

import ipaddress
import re

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import PLATFORM, TRAFFIC
from vpix.features.interfaces import ARP_TIMEOUT, SPEEDS6, Interface, Interfaces
from vpix.numbers import is_number

_HELP = {
    "interface": "Select an interface to configure",
    "hw": "Hardware interface name",
    "nameif": "Assign name to interface",
    "name": "Name of the interface (up to 48 characters)",
    "security-level": "Specify the security level of this interface",
    "level": "Security level (0 is lowest, 100 is highest)",
    "ip": "Configure IP address",
    "address": "Configure an IP address",
    "addr": "IP address",
    "mask": "Subnet mask",
    "standby": "Configure standby IP address",
    "sby": "Standby IP address",
    "shutdown": "Shutdown the selected interface",
    "management-only": "Dedicate this interface to management traffic only",
    "speed": "Configure speed operation",
    "duplex": "Configure duplex operation",
    "description": "Interface specific description",
    "text": "Up to 240 characters describing this interface",
    "mtu": "Specify MTU(Maximum Transmission Unit) for an interface",
    "ifname": "The name of the interface",
    "bytes": "MTU bytes",
    "hwspeed": "auto, 10baset, 100basetx, 100full, 1000full, 1000auto or aui/bnc",
}


def _ifaces(ctx: Ctx) -> Interfaces:
    return ctx.system.feature(Interfaces)


def hardware_interface(ctx: Ctx, arg: str = "hw") -> Interface:
    """The interface a hardware-id argument names; the caret under it when there is none."""
    iface = _ifaces(ctx).by_hw(ctx.args[arg])
    if iface is None:
        raise ctx.invalid(arg)
    return iface


def _licensed(ctx: Ctx, iface: Interface) -> None:
    """Interfaces past the license's `Maximum Physical Interfaces` cannot be named."""
    from vpix.features.license import Licensing

    limit = ctx.system.feature(Licensing).running.physical_interfaces
    if isinstance(limit, int) and iface.index >= limit:
        raise CommandError(f"ERROR: This platform is licensed for {limit} physical interfaces; "
                           f"{iface.hw_id} cannot be used")


def named_interface(ctx: Ctx, arg: str = "ifname") -> Interface:
    iface = _ifaces(ctx).by_name(ctx.args[arg])
    if iface is None:
        raise CommandError(f"ERROR: interface name \"{ctx.args[arg]}\" is not configured")
    return iface


def _check_subnet(ctx: Ctx, iface: Interface, ip: str, mask: str) -> None:
    net = ipaddress.IPv4Network(f"{ip}/{mask}", strict=False)
    if ip in (str(net.network_address), str(net.broadcast_address)) and net.prefixlen < 31:
        raise CommandError(f"ERROR: Invalid IP address {ip}")
    for other in _ifaces(ctx).all:
        if other is not iface and other.ip and \
                ipaddress.IPv4Network(f"{other.ip}/{other.mask}", strict=False).overlaps(net):
            raise CommandError(f"ERROR: Failed to set IP address {ip} on interface "
                               f"{iface.nameif or iface.hw_id}: network overlaps with "
                               f"interface {other.nameif or other.hw_id}")


# ---------------------------------------------------------------- 7.x: interface sub-mode


@command("interface <hw:WORD>", mode="config", versions="7.x", help=_HELP)
def interface(ctx: Ctx):
    iface = hardware_interface(ctx)
    iface.configured = True
    ctx.session.enter("config-if", iface)


@command("nameif <name:WORD>", mode="config-if", versions="7.x", config=True, spaces=TRAFFIC, help=_HELP)
def nameif(ctx: Ctx):
    name = ctx.args["name"]
    if len(name) > 48:
        raise ctx.invalid("name")
    owner = _ifaces(ctx).by_name(name)
    iface: Interface = ctx.session.target
    _licensed(ctx, iface)
    if owner is not None and owner is not iface:
        raise CommandError(f"ERROR: Name \"{name}\" is already used by interface {owner.hw_id}")
    iface.nameif = name
    if iface.security is None:
        iface.security = 100 if name == "inside" else 0
        ctx.print(f'INFO: Security level for "{name}" set to {iface.security} by default.')


@command("no nameif [<name:WORD>]", mode="config-if", versions="7.x", config=True, spaces=TRAFFIC, help=_HELP)
def no_nameif(ctx: Ctx):
    iface: Interface = ctx.session.target
    iface.nameif = None


@command("security-level <level:INT:0-100>", mode="config-if", versions="7.x", config=True, spaces=TRAFFIC, help=_HELP)
def security_level(ctx: Ctx):
    ctx.session.target.security = ctx.args["level"]


@command("no security-level [<level:INT:0-100>]", mode="config-if", spaces=TRAFFIC, versions="7.x", config=True,
         help=_HELP)
def no_security_level(ctx: Ctx):
    ctx.session.target.security = None


@command("ip address <addr:IP> <mask:MASK> [standby <sby:IP>]", mode="config-if", spaces=TRAFFIC, versions="7.x",
         config=True, help=_HELP)
def ip_address(ctx: Ctx):
    iface: Interface = ctx.session.target
    _check_subnet(ctx, iface, ctx.args["addr"], ctx.args["mask"])
    iface.ip, iface.mask, iface.standby = ctx.args["addr"], ctx.args["mask"], ctx.args.get("sby")


@command("no ip address [<addr:IP> <mask:MASK> [standby <sby:IP>]]", mode="config-if", spaces=TRAFFIC,
         versions="7.x", config=True, help=_HELP)
def no_ip_address(ctx: Ctx):
    iface: Interface = ctx.session.target
    iface.ip = iface.mask = iface.standby = None


@command("shutdown", mode="config-if", versions="7.x", config=True, help=_HELP)
def shutdown(ctx: Ctx):
    ctx.session.target.shutdown = True


@command("no shutdown", mode="config-if", versions="7.x", config=True, help=_HELP)
def no_shutdown(ctx: Ctx):
    ctx.session.target.shutdown = False


@command("management-only", mode="config-if", versions="7.x", config=True, spaces=TRAFFIC, help=_HELP)
def management_only(ctx: Ctx):
    ctx.session.target.management_only = True


@command("no management-only", mode="config-if", versions="7.x", config=True, spaces=TRAFFIC, help=_HELP)
def no_management_only(ctx: Ctx):
    ctx.session.target.management_only = False


@command("speed {auto|10|100|1000}", mode="config-if", versions="7.x", config=True, spaces=PLATFORM, help=_HELP)
def speed(ctx: Ctx):
    ctx.session.target.speed = next(k for k in ("auto", "10", "100", "1000") if ctx.args.get(k))


@command("no speed [{auto|10|100|1000}]", mode="config-if", versions="7.x", config=True, spaces=PLATFORM, help=_HELP)
def no_speed(ctx: Ctx):
    ctx.session.target.speed = "auto"


@command("duplex {auto|full|half}", mode="config-if", versions="7.x", config=True, spaces=PLATFORM, help=_HELP)
def duplex(ctx: Ctx):
    ctx.session.target.duplex = next(k for k in ("auto", "full", "half") if ctx.args.get(k))


@command("no duplex [{auto|full|half}]", mode="config-if", versions="7.x", config=True, spaces=PLATFORM, help=_HELP)
def no_duplex(ctx: Ctx):
    ctx.session.target.duplex = "auto"


@command("description <text:LINE>", mode="config-if", versions="7.x", config=True, help=_HELP)
def description(ctx: Ctx):
    ctx.session.target.description = ctx.args["text"][:240]


@command("no description [<text:LINE>]", mode="config-if", versions="7.x", config=True, help=_HELP)
def no_description(ctx: Ctx):
    ctx.session.target.description = None


# ---------------------------------------------------------------- 6.x: global forms

@command("interface <hw:WORD> [<hwspeed:WORD>] [shutdown]", mode="config", versions="6.x",
         config=True, help=_HELP)
def interface6(ctx: Ctx):
    iface = hardware_interface(ctx)
    hwspeed = ctx.args.get("hwspeed", "auto").lower()
    if hwspeed == "shutdown":
        hwspeed, ctx.args["shutdown"] = "auto", True
    if hwspeed not in SPEEDS6:
        raise ctx.invalid("hwspeed")
    iface.speed, iface.duplex = SPEEDS6[hwspeed]
    iface.shutdown = bool(ctx.args.get("shutdown"))


@command("nameif <hw:WORD> <name:WORD> <level:WORD>", mode="config", versions="6.x", config=True,
         help=_HELP)
def nameif6(ctx: Ctx):
    iface = hardware_interface(ctx)
    _licensed(ctx, iface)
    level = ctx.args["level"].lower()
    if not level.startswith("security") or not is_number(level[8:]) or int(level[8:]) > 100:
        raise ctx.invalid("level")
    iface.nameif, iface.security = ctx.args["name"], int(level[8:])


@command("ip address <ifname:WORD> <addr:IP> <mask:MASK>", mode="config", versions="6.x",
         config=True, help=_HELP)
def ip_address6(ctx: Ctx):
    iface = named_interface(ctx)
    _check_subnet(ctx, iface, ctx.args["addr"], ctx.args["mask"])
    iface.ip, iface.mask = ctx.args["addr"], ctx.args["mask"]


@command("no ip address <ifname:WORD> [<addr:IP> <mask:MASK>]", mode="config", spaces=TRAFFIC, versions="6.x",
         config=True, help=_HELP)
def no_ip_address6(ctx: Ctx):
    iface = named_interface(ctx)
    iface.ip = iface.mask = None


# ---------------------------------------------------------------- both


@command("mtu <ifname:WORD> <bytes:INT:64-65535>", mode="config", config=True, spaces=TRAFFIC, help=_HELP)
def mtu(ctx: Ctx):
    named_interface(ctx).mtu = ctx.args["bytes"]


@command("no mtu <ifname:WORD> [<bytes:INT:64-65535>]", mode="config", config=True, spaces=TRAFFIC, help=_HELP)
def no_mtu(ctx: Ctx):
    named_interface(ctx).mtu = 1500


# ---------------------------------------------------------------- ARP

_MAC = re.compile(r"^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$")


@command("arp <if:WORD> <ip:IP> <mac:WORD> [alias]", mode="config", versions="7.x", config=True, spaces=TRAFFIC,
         help={**_HELP, "arp": "Change or view ARP table, set ARP timeout value", "mac": "MAC address: H.H.H",
               "alias": "Enable proxy ARP for this entry"})
def arp(ctx: Ctx):
    iface = named_interface(ctx, "if")
    if not _MAC.match(ctx.args["mac"]):
        raise ctx.invalid("mac")
    _ifaces(ctx).static_arp[(iface.nameif, ctx.args["ip"])] = ctx.args["mac"].lower()


@command("no arp <if:WORD> <ip:IP> [<mac:WORD>] [alias]", mode="config", versions="7.x", config=True,
         spaces=TRAFFIC, help=_HELP)
def no_arp(ctx: Ctx):
    _ifaces(ctx).static_arp.pop((ctx.args["if"], ctx.args["ip"]), None)


@command("arp timeout <seconds:INT:60-4294967>", mode="config", versions="7.x", config=True, spaces=TRAFFIC,
         help={**_HELP, "timeout": "Set the ARP cache timeout", "seconds": "Seconds an entry lives"})
def arp_timeout(ctx: Ctx):
    _ifaces(ctx).arp_timeout = ctx.args["seconds"]


@command("no arp timeout [<seconds:INT:60-4294967>]", mode="config", versions="7.x", config=True, spaces=TRAFFIC,
         help=_HELP)
def no_arp_timeout(ctx: Ctx):
    _ifaces(ctx).arp_timeout = ARP_TIMEOUT
