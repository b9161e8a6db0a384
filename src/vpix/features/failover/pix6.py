"""PIX OS 6.x failover: `failover ip address`, `failover poll`, `failover timeout`, `failover
link`, `failover lan interface`, the configuration lines 6.x writes, and `show failover` in the
6.x layout of 004_2a656957be61c6b2.txt, with the serial cable's status. The commands both
families share, and the 6.x forms of 7.x commands (`failover lan key`, `failover replicate
http`, …), are in __init__.py."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.clock import hms, parse_hms
from vpix.cli.session import CommandError, Ctx
from vpix.failover.machine import ACTIVE_STATES, FAILED, NOT_DETECTED
from vpix.features.failover import _HELP, FailoverConfig, Poll, _fo, _licensed
from vpix.features.failover.show import cable_status, hosts, stateful_statistics
from vpix.features.interfaces import Interfaces
from vpix.features.interfaces.commands import named_interface

# What `show failover` counts on the state link, in the 6.x order: (shown as, kind of update)
STATEFUL_OBJECTS = [("General", "General"), ("sys cmd", "sys cmd"), ("up time", "up time"), ("xlate", "xlate"),
                    ("tcp conn", "TCP conn"), ("udp conn", "UDP conn"), ("ARP tbl", "ARP tbl"),
                    ("RIP Tbl", "RIP Tbl")]

HELP = {**_HELP, "ip": "Set the failover IP address of an interface",
        "address": "Set the failover IP address of an interface",
        "poll": "Set the time between failover hello packets",
        "seconds": "Poll time in seconds, 3 to 15",
        "timeout": "Set the reconnect timeout of static translations after a failover",
        "time": "hh[:mm[:ss]]",
        "ifname": "Name of the interface"}


def polls(seconds: int) -> tuple[Poll, Poll]:
    """`failover poll N`: hellos every N seconds on the failover link and every interface; the
    mate is lost after 3 silent polls, an interface is tested after 3 (half its hold time)."""
    return Poll(seconds * 1000, 3 * seconds * 1000), Poll(seconds * 1000, 6 * seconds * 1000)


def render(fo: FailoverConfig) -> list[tuple[str, list[str]]]:
    interfaces = fo.system.feature(Interfaces)
    lines = ["failover" if fo.enabled else "no failover", f"failover timeout {fo.reconnect_timeout}",
             f"failover poll {fo.unit_poll.poll_ms // 1000}"]
    if fo.replicate_http:
        lines.append("failover replicate http")
    for iface in interfaces.named():
        lines.append(f"failover ip address {iface.nameif} {iface.standby}" if iface.standby
                     else f"no failover ip address {iface.nameif}")
    for hw, (active, standby) in sorted(fo.mac.items()):
        iface = interfaces.by_hw(hw)
        if iface is not None and iface.nameif:
            lines.append(f"failover mac address {iface.nameif} {active} {standby}")
    if fo.state_link:
        lines.append(f"failover link {fo.state_link[0]}")
    if fo.primary is not None:
        lines.append(f"failover lan unit {'primary' if fo.primary else 'secondary'}")
    if fo.lan_interface:
        lines.append(f"failover lan interface {fo.lan_interface[0]}")
    if fo.key:
        lines.append(f"failover lan key {fo.key}")
    if fo.lan_enabled:
        lines.append("failover lan enable")
    return [("failover", lines)]


# ---------------------------------------------------------------- commands

@command("failover ip address <ifname:WORD> <addr:IP>", mode="config", versions="6.x", config=True, help=HELP)
def ip_address(ctx: Ctx):
    named_interface(ctx).standby = ctx.args["addr"]


@command("no failover ip address <ifname:WORD> [<addr:IP>]", mode="config", versions="6.x", config=True,
         help=HELP)
def no_ip_address(ctx: Ctx):
    named_interface(ctx).standby = None


@command("failover poll <seconds:INT:3-15>", mode="config", versions="6.x", config=True, help=HELP)
def poll(ctx: Ctx):
    _fo(ctx).unit_poll, _fo(ctx).interface_poll = polls(ctx.args["seconds"])


@command("no failover poll [<seconds:INT:3-15>]", mode="config", versions="6.x", config=True, help=HELP)
def no_poll(ctx: Ctx):
    _fo(ctx).unit_poll, _fo(ctx).interface_poll = _fo(ctx).defaults()


@command("failover timeout <time:WORD>", mode="config", versions="6.x", config=True, help=HELP)
def timeout(ctx: Ctx):
    try:
        _fo(ctx).reconnect_timeout = hms(parse_hms(ctx.args["time"]))
    except ValueError:
        raise ctx.invalid("time") from None


@command("no failover timeout [<time:WORD>]", mode="config", versions="6.x", config=True, help=HELP)
def no_timeout(ctx: Ctx):
    _fo(ctx).reconnect_timeout = "0:00:00"


@command("failover link [<ifname:WORD>]", mode="config", versions="6.x", config=True, help=HELP)
def link(ctx: Ctx):
    """The state link; without a name, the highest interface with a failover address."""
    _licensed(ctx)
    if "ifname" in ctx.args:
        iface = named_interface(ctx)
    else:
        candidates = [i for i in ctx.system.feature(Interfaces).named() if i.standby]
        if not candidates:
            raise CommandError("ERROR: No interface has a failover IP address")
        iface = candidates[-1]
    _fo(ctx).state_link = (iface.nameif, iface.hw_id)


@command("failover lan interface <ifname:WORD>", mode="config", versions="6.x", config=True, help=HELP)
def lan_interface(ctx: Ctx):
    _licensed(ctx)
    iface = named_interface(ctx)
    _fo(ctx).lan_interface = (iface.nameif, iface.hw_id)
    _fo(ctx).run()


# ---------------------------------------------------------------- show failover

def state_word(state: str) -> str:
    """6.x knows a unit as Active, Standby, or Standby (Failed)."""
    if state in ACTIVE_STATES:
        return "Active"
    return "Standby (Failed)" if state in (FAILED, NOT_DETECTED) else "Standby"


@command("show failover", priv=1, versions="6.x", help={"failover": "Show failover status"})
def show_failover(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    view = fo.view
    on = fo.enabled and view is not None and view.machine.enabled
    ctx.print(f"Failover {'On' if on else 'Off'}")
    ctx.print(f"Cable status: {cable_status(fo)}")
    ctx.print(f"Reconnect timeout {fo.reconnect_timeout}")
    ctx.print(f"Poll frequency {fo.unit_poll.poll_ms // 1000} seconds")
    if fo.replicate_http:
        ctx.print("failover replicate http")
    if not on:
        return
    now = view.now()
    hosts(ctx, fo, " " * 16, state_word,
          (f"                Active time: {int(view.machine.active_total(now))} (sec)",
           f"                Active time: {int(view.unit_role.mate_active_total(now))} (sec)"))
    ctx.print("")
    stateful_statistics(ctx, fo, STATEFUL_OBJECTS, fo.state_link[0] if fo.state_link else "Unconfigured.")
    if fo.lan_enabled and fo.lan_interface:
        _lan_status(ctx, fo)


def _lan_status(ctx: Ctx, fo: FailoverConfig) -> None:
    iface = ctx.system.feature(Interfaces).by_name(fo.lan_interface[0])
    address = fo.link_address(fo.lan_interface[0])
    if iface is None or address is None:
        return
    own, peer = address.ends(fo.is_primary())
    machine = fo.view.machine
    ctx.print("")
    ctx.print(f"LAN-based Failover is {'Active' if machine.mate_heard else 'Inactive'}")
    ctx.print(f"        interface {iface.nameif} ({own}): {'Normal' if iface.link else 'Link Down'}, "
              f"peer ({peer}): {'Normal' if machine.mate_heard else 'Unknown'}")

