"""`show interface`, `show interface ip brief`, `show ip address`, `show nameif`."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.features.interfaces import Interface, Interfaces
from vpix.net.packets import mac_text
from vpix.versions import Version

_HELP = {
    "detail": "Show detailed interface information",
    "interface": "Show interface status and configuration",
    "ip": "Show IP address information",
    "address": "Show IP addresses of all interfaces",
    "brief": "Show brief information of IP addresses",
    "nameif": "Show interface names and security levels",
    "which": "Hardware interface or interface name",
}


def _status(iface: Interface) -> tuple[str, str]:
    if iface.shutdown:
        return "administratively down", "down"
    return ("up", "up") if iface.link else ("down", "down")


def _bandwidth(iface: Interface) -> int:
    if iface.speed != "auto":
        return int(iface.speed)
    return 1000 if iface.hw_id.startswith("Gigabit") else 100


def interface_lines(system, iface: Interface) -> list[str]:
    if system.family == "6.x":
        return _interface6(iface)
    link, proto = _status(iface)
    c = iface.counters
    bw = _bandwidth(iface)
    dly = " DLY 10 usec" if bw == 1000 else " DLY 100 usec"
    eight = system.version >= Version(8, 0, 0)
    hw_line = f"  Hardware is {system.hw.nic}, BW {bw} Mbps" + ("," + dly if eight else "")
    duplex = "Full-duplex" if iface.duplex in ("auto", "full") else "Half-duplex"
    speed_mode = f"Auto-Speed({bw} Mbps)" if iface.speed == "auto" else f"{bw} Mbps({bw} Mbps)"
    duplex_mode = f"Auto-Duplex({duplex})" if iface.duplex == "auto" else f"{duplex}({duplex})"
    lines = [f'Interface {iface.hw_id} "{iface.nameif or ""}", is {link}, line protocol is {proto}',
             hw_line, f"\t{duplex_mode}, {speed_mode}"]
    if iface.description:
        lines.append(f"\tDescription: {iface.description}")
    if not iface.nameif and eight:
        lines.append("\tAvailable but not configured via nameif")
        return lines
    lines.append(f"\tMAC address {iface.mac}, MTU {iface.mtu if iface.nameif else 'not set'}")
    lines.append(f"\tIP address {iface.ip}, subnet mask {iface.mask}" if iface.ip
                 else "\tIP address unassigned")
    lines += [
        f"\t{c.packets_in} packets input, {c.bytes_in} bytes, 0 no buffer",
        f"\tReceived {c.broadcasts} broadcasts, 0 runts, 0 giants",
        "\t0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
        "\t0 L2 decode drops",
        f"\t{c.packets_out} packets output, {c.bytes_out} bytes, 0 underruns",
        "\t0 output errors, 0 collisions, 0 interface resets",
        "\t0 late collisions, 0 deferred",
        "\t0 lost carrier, 0 no carrier",
        "\tinput queue (curr/max packets): hardware (0/0) software (0/0)",
        "\toutput queue (curr/max packets): hardware (0/0) software (0/0)",
    ]
    if iface.nameif:
        lines += [
            f'\tTraffic Statistics for "{iface.nameif}":',
            f"\t{c.packets_in} packets input, {c.bytes_in} bytes",
            f"\t{c.packets_out} packets output, {c.bytes_out} bytes",
            f"\t{c.drops} packets dropped",
            *rate_lines(system, iface),
        ]
    return lines


def rate_lines(system, iface: Interface) -> list[str]:
    """What the interface carried a second over the last minute and the last five."""
    lines = []
    for minutes in (1, 5):
        pps_in, bps_in, pps_out, bps_out, drops = system.feature(Interfaces).rates(iface, minutes * 60)
        lines += [f"      {minutes} minute input rate {pps_in} pkts/sec,  {bps_in} bytes/sec",
                  f"      {minutes} minute output rate {pps_out} pkts/sec,  {bps_out} bytes/sec",
                  f"      {minutes} minute drop rate, {drops} pkts/sec"]
    return lines


def _interface6(iface: Interface) -> list[str]:
    link, proto = _status(iface)
    c = iface.counters
    bw = _bandwidth(iface) * 1000
    duplex = "full duplex" if iface.duplex != "half" else "half duplex"
    lines = [f'interface {iface.name6} "{iface.nameif or ""}" is {link}, line protocol is {proto}',
             f"  Hardware is i82559 ethernet, address is {iface.mac}"]
    if iface.ip:
        lines.append(f"  IP address {iface.ip}, subnet mask {iface.mask}")
    lines += [
        f"  MTU {iface.mtu} bytes, BW {bw} Kbit {duplex}",
        f"\t{c.packets_in} packets input, {c.bytes_in} bytes, 0 no buffer",
        f"\tReceived {c.broadcasts} broadcasts, 0 runts, 0 giants",
        "\t0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
        f"\t{c.packets_out} packets output, {c.bytes_out} bytes, 0 underruns",
        "\t0 output errors, 0 collisions, 0 interface resets",
        "\t0 babbles, 0 late collisions, 0 deferred",
        "\t0 lost carrier, 0 no carrier",
        "\tinput queue (curr/max blocks): hardware (128/128) software (0/1)",
        "\toutput queue (curr/max blocks): hardware (0/1) software (0/1)",
    ]
    return lines


@command("show interface [<which:WORD>]", priv=1, help=_HELP)
@command("show interface [<which:WORD>] detail", priv=1, versions="7.x", help=_HELP)
def show_interface(ctx: Ctx):
    ifaces = ctx.system.feature(Interfaces)
    chosen = ifaces.all
    if "which" in ctx.args:
        one = ifaces.by_hw(ctx.args["which"]) or ifaces.by_name(ctx.args["which"])
        if one is None:
            raise ctx.invalid("which")
        chosen = [one]
    for iface in chosen:
        ctx.print("\n".join(interface_lines(ctx.system, iface)))
        if ctx.args.get("detail"):
            state = "active" if iface.up else "not active"
            ctx.print("\tControl Point Interface States:")
            ctx.print(f"\t\tInterface number is {iface.index + 1}")
            ctx.print(f"\t\tInterface config status is {'active' if not iface.shutdown else 'not active'}")
            ctx.print(f"\t\tInterface state is {state}")


@command("show arp", priv=1, help={**_HELP, "arp": "Show the ARP table"})
def show_arp(ctx: Ctx):
    """Each named interface's ARP entries, with the seconds since each was last confirmed (a
    static entry: -)."""
    interfaces = ctx.system.feature(Interfaces)
    now = ctx.system.unit.clock.monotonic()
    for iface in interfaces.named():
        stack = interfaces.stations.stack(iface)
        if stack is None:
            continue
        for address, mac in stack.arp.items():
            age = "-" if address in stack.pinned else int(now - stack.arp_at.get(address, now))
            ctx.print(f"\t{iface.nameif} {address} {mac_text(mac)} {age}")


@command("show interface ip brief", priv=1, versions="7.x", help=_HELP)
def show_interface_ip_brief(ctx: Ctx):
    ctx.print("Interface                  IP-Address      OK? Method Status                Protocol")
    for iface in ctx.system.feature(Interfaces).all:
        link, proto = _status(iface)
        ip, method = (iface.ip, "CONFIG") if iface.ip else ("unassigned", "unset ")
        ctx.print(f"{iface.hw_id:<27}{ip:<16}YES {method} {link:<22}{proto}")


@command("show ip address", priv=1, help=_HELP)
def show_ip_address(ctx: Ctx):
    named = [i for i in ctx.system.feature(Interfaces).named() if i.ip]
    if ctx.system.family == "6.x":
        for title in ("System IP Addresses:", "Current IP Addresses:"):
            ctx.print(title)
            for i in ctx.system.feature(Interfaces).named():
                ctx.print(f"\tip address {i.nameif} {i.ip or '127.0.0.1'} {i.mask or '255.255.255.255'}")
        return
    header = f"{'Interface':<25}{'Name':<23}{'IP address':<16}{'Subnet mask':<16}Method"
    standby = not ctx.system.feature(Interfaces).stations.active
    for title in ("System IP Addresses:", "Current IP Addresses:"):
        ctx.print(title)
        ctx.print(header)
        for i in named:
            held = i.standby if standby and title.startswith("Current") and i.standby else i.ip
            ctx.print(f"{i.hw_id:<25}{i.nameif:<23}{held:<16}{i.mask:<16}CONFIG")


@command("show nameif", priv=1, help=_HELP)
def show_nameif(ctx: Ctx):
    named = ctx.system.feature(Interfaces).named()
    if ctx.system.family == "6.x":
        for i in named:
            ctx.print(f"nameif {i.name6} {i.nameif} security{i.security}")
        return
    ctx.print(f"{'Interface':<25}{'Name':<25}Security")
    for i in named:
        ctx.print(f"{i.hw_id:<25}{i.nameif:<25}{i.security or 0:>3}")


@command("show traffic", priv=1, versions="7.x", help={**_HELP, "traffic": "Show interface traffic statistics"})
def show_traffic(ctx: Ctx):
    """What each named interface received and sent since the unit booted."""
    elapsed = max(ctx.system.unit.clock.monotonic() - ctx.system.root.booted_at, 0.001)
    for iface in ctx.system.feature(Interfaces).named():
        c = iface.counters
        ctx.print(f"{iface.nameif}:")
        for way, packets, octets in (("received", c.packets_in, c.bytes_in),
                                     ("transmitted", c.packets_out, c.bytes_out)):
            ctx.print(f"\t{way} (in {elapsed:.3f} secs):")
            ctx.print(f"\t\t{packets} packets\t{octets} bytes")
            ctx.print(f"\t\t{int(packets / elapsed)} pkts/sec\t{int(octets / elapsed)} bytes/sec")
        for line in rate_lines(ctx.system, iface):
            ctx.print(line)
