"""`show failover` (7.x layout of the seed and REFERENCE.md; in Active/Active failover with a
section per failover group; inside a context, the context's own state), `show failover
group N|history|state|interface`, `show monitor-interface`; the host blocks and stateful
statistics 6.x shares."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.failover.machine import NOT_DETECTED
from vpix.features.failover.monitoring import monitored_interfaces
from vpix.features.failover.stateful import Counters
from vpix.features import CONTEXT, EVERYWHERE, SINGLE
from vpix.features.device.commands import moment_text
from vpix.features.failover import FailoverConfig
from vpix.features.interfaces import Interfaces

# The Logical Update Statistics lines: (shown as, the kind of update counted; General: them all)
STATEFUL_OBJECTS = [(name, name) for name in (
    "General", "sys cmd", "up time", "RPC services", "TCP conn", "UDP conn", "ARP tbl", "Xlate_Timeout",
    "VPN IKE upd", "VPN IPSEC upd", "VPN CTCP upd", "VPN SDI upd", "VPN DHCP upd")]


def cable_status(fo: FailoverConfig) -> str:
    """What the serial cable senses (REFERENCE.md's words), or N/A with LAN failover."""
    if fo.lan_enabled:
        return "N/A - LAN-based failover enabled"
    end = fo.view.cable if fo.view else None
    if end is None or not end.plugged:
        return "My side not connected"
    if not end.far.plugged:
        return "Other side is not connected"
    if not end.far.powered:
        return "Other side powered off"
    return "Normal"


def _names(fo: FailoverConfig) -> tuple[str, str]:
    """(this unit, its mate): Primary and Secondary, in the order that applies."""
    return ("Primary", "Secondary") if fo.is_primary() else ("Secondary", "Primary")


def _seconds(ms: int) -> str:
    return f"{ms} milliseconds" if ms < 1000 else f"{ms // 1000} seconds"


@command("show failover", priv=1, versions="7.x", spaces=EVERYWHERE,
         help={"failover": "Show failover status"})
def show_failover(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    view = fo.view
    machine = view.machine if view else None
    on = fo.enabled and machine is not None and machine.enabled
    ctx.print(f"Failover {'On' if on else 'Off'}")
    if ctx.system.context_name:
        if on:
            _context_section(ctx, fo)
        return
    pix = ctx.system.hw.line == "pix"
    if pix and not fo.lan_enabled:                  # failover on the PIX's serial cable (001)
        ctx.print(f"Cable status: {cable_status(fo)}")
    ctx.print(f"Failover unit {_names(fo)[0]}")
    if fo.lan_interface and fo.lan_enabled:
        iface = ctx.system.feature(Interfaces).by_hw(fo.lan_interface[1])
        up = "up" if iface and iface.line_up else "down"
        ctx.print(f"Failover LAN Interface: {fo.lan_interface[0]} {fo.lan_interface[1]} ({up})")
    else:
        ctx.print(f"Failover LAN Interface: {'N/A - Serial-based failover enabled' if pix else 'not Configured'}")
    ctx.print(f"Unit Poll frequency {_seconds(fo.unit_poll.poll_ms)}, holdtime {_seconds(fo.unit_poll.hold_ms)}")
    ctx.print(f"Interface Poll frequency {_seconds(fo.interface_poll.poll_ms)}, "
              f"holdtime {_seconds(fo.interface_poll.hold_ms)}")
    ctx.print(f"Interface Policy {fo.interface_policy}")
    ctx.print(f"Monitored Interfaces {_monitored_count(ctx, fo)} of 250 maximum")
    if fo.replicate_http:
        ctx.print("failover replication http")
    if not on:
        return
    ctx.print(f"Version: Ours {ctx.system.version}, Mate {view.mate_version or 'Unknown'}")
    if view.groups:
        _group_sections(ctx, fo)
    else:
        last = view.unit_role.last_failover or _settled(view)
        if last is not None:
            ctx.print(f"Last Failover at: {moment_text(last)}")
        now = view.now()
        hosts(ctx, fo, " " * 18, _state_word,
              (f"                Active time: {int(machine.active_total(now))} (sec)",
               f"                Active time: {int(view.unit_role.mate_active_total(now))} (sec)"))
        ctx.print("")
    stateful_statistics(ctx, fo, STATEFUL_OBJECTS, _state_link(ctx, fo))


def _settled(view) -> datetime | None:
    """A unit that has never been active: when it took the role it has (001's standby shows
    the moment it became standby)."""
    history = view.machine.history
    return view.when(history[-1].at) if history else None


def _context_section(ctx: Ctx, fo: FailoverConfig) -> None:
    """Inside a context: the role it follows here and on the mate, and its interfaces."""
    view, space = fo.view, ctx.system
    role = view.role_of(space)
    if role.last_failover is not None:
        ctx.print(f"Last Failover at: {moment_text(role.last_failover)}")
    now = view.now()
    for head, state, seconds, own in (
            ("This context:", role.machine.state, role.machine.active_total(now), True),
            ("Peer context:", role.machine.mate_state, role.mate_active_total(now), False)):
        ctx.print(f"        {head} {_state_word(state)}")
        ctx.print(f"                Active time: {int(seconds)} (sec)")
        for line in _interface_lines(ctx, fo, own, space):
            ctx.print(" " * 18 + line)
    ctx.print("")
    stateful_statistics(ctx, fo, STATEFUL_OBJECTS, _state_link(ctx, fo))


def _state_link(ctx: Ctx, fo: FailoverConfig) -> str:
    if fo.state_link:
        link = ctx.system.feature(Interfaces).by_hw(fo.state_link[1])
        return f"{fo.state_link[0]} {fo.state_link[1]} ({'up' if link and link.line_up else 'down'})"
    return "Unconfigured."


def _group_sections(ctx: Ctx, fo: FailoverConfig, only: int | None = None) -> None:
    """Active/Active: each unit's failover groups, their states and Active times, then the
    interfaces of the contexts (of group ``only``, if given)."""
    view = fo.view
    roles = [role for role in view.groups.values() if only in (None, role.group)]
    for role in roles:
        if role.last_failover is not None and only is None:
            ctx.print(f"Group {role.group} last failover at: {moment_text(role.last_failover)}")
    ctx.print("")
    now = view.now()
    for title, unit, own in (("This host:", _names(fo)[0], True), ("Other host:", _names(fo)[1], False)):
        ctx.print(f"  {title:<14}{unit}")
        for role in roles:
            state = role.machine.state if own else role.machine.mate_state
            seconds = role.machine.active_total(now) if own else role.mate_active_total(now)
            if only is None:
                ctx.print(f"  Group {role.group:<8}{'State:':<16}{_state_word(state)}")
                ctx.print(f"                Active time:    {int(seconds)} (sec)")
            else:
                ctx.print(f"  {'State:':<14}{_state_word(state)}")
                ctx.print(f"                Active time: {int(seconds)} (sec)")
        ctx.print("")
        for row in view.monitored():
            if only is None or row.group == only:
                ctx.print(f"                {_interface_line(row, own, row.label)}")
        ctx.print("")


@command("show failover group <number:INT:1-2>", priv=1, versions="7.x",
         help={"group": "Show failover group status", "number": "Failover group number"})
def show_failover_group(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    role = fo.view.groups.get(ctx.args["number"]) if fo.view is not None else None
    if role is None:
        raise CommandError(f"ERROR: Failover group {ctx.args['number']} is not configured")
    when = moment_text(role.last_failover) if role.last_failover is not None else "Never"
    ctx.print(f"Last Failover at: {when}")
    _group_sections(ctx, fo, role.group)
    stateful_statistics(ctx, fo, STATEFUL_OBJECTS, _state_link(ctx, fo))


def stateful_statistics(ctx: Ctx, fo: FailoverConfig, objects: list[tuple[str, str]], link: str) -> None:
    """What the state link carried, per kind of update, and its queues (updates go out and
    are applied as they come, so a queue never holds more than the one in hand)."""
    total, counted = fo.view.counters()
    ctx.print("Stateful Failover Logical Update Statistics")
    ctx.print(f"        Link : {link}")
    ctx.print("        Stateful Obj    xmit       xerr       rcv        rerr")
    for name, kind in objects:
        counters = total if kind == "General" else counted.get(kind, Counters())
        ctx.print(f"        {name:<16}{counters.xmit:<11}{counters.xerr:<11}{counters.rcv:<11}{counters.rerr}")
    ctx.print("")
    ctx.print("        Logical Update Queue Information")
    ctx.print("                        Cur     Max     Total")
    for queue, count in (("Recv Q:", total.rcv + total.rerr), ("Xmit Q:", total.xmit)):
        ctx.print(f"        {queue:<16}{0:<8}{min(count, 1):<8}{count}")


def _state_word(state: str) -> str:
    return state if state != NOT_DETECTED else "Not Detected"


def _monitored_count(ctx: Ctx, fo: FailoverConfig) -> int:
    """With failover not running, the single-mode interfaces that would be monitored."""
    if fo.view is None:
        return len(monitored_interfaces(fo, ctx.system.feature(Interfaces)))
    return len(fo.view.monitored())


def _interface_line(row, own: bool, label: str = "") -> str:
    """A monitored interface, the address this unit (``own``) or the mate holds there, its status."""
    address, status = (row.address, row.status) if own else (row.mate_address, row.mate_status)
    return f"{label}Interface {row.name} ({address}): {status}"


@command("show failover history", priv=1, versions="7.x", help={"history": "Show failover switching history"})
def show_failover_history(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    ctx.print("==========================================================================")
    ctx.print("From State                 To State                   Reason")
    ctx.print("==========================================================================")
    if fo.view is None:
        return
    changes = sorted(((change, role.label) for role in fo.view.roles for change in role.machine.history),
                     key=lambda entry: entry[0].at)
    for change, group in changes:
        ctx.print(moment_text(fo.view.when(change.at)))
        old, new = (f"{group} {state}".strip() for state in (change.old, change.new))
        ctx.print(f"{old:<27}{new:<27}{change.reason}")
        ctx.print("")


def hosts(ctx: Ctx, fo: FailoverConfig, indent: str, state_word: Callable[[str], str],
          times: tuple[str, str] = ("", ""), space=None, head_indent: str = " " * 8):
    """The This host / Other host blocks with their interfaces (after ``times``' line, if any);
    ``state_word`` says a unit's state in the version family's words. For a context ``space``:
    its interfaces, and the states of the role it follows."""
    space = space if space is not None and space.context_name else None
    machine = fo.view.role_of(space).machine if space is not None else fo.view.machine
    mine, other = _names(fo)
    blocks = ((f"This host: {mine} - {state_word(machine.state)}", times[0], True),
              (f"Other host: {other} - {state_word(machine.mate_state)}", times[1], False))
    for head, time_line, own in blocks:
        ctx.print(head_indent + head)
        if time_line:
            ctx.print(time_line)
        for line in _interface_lines(ctx, fo, own, space):
            ctx.print(indent + line)


def _interface_lines(ctx: Ctx, fo: FailoverConfig, own: bool, space=None) -> list[str]:
    """This unit's (``own``) or the mate's monitored interfaces and their states: all of them,
    named by context, or a context's own."""
    return [_interface_line(row, own, "" if space is not None else row.label)
            for row in fo.view.monitored() if space is None or row.space is space]


@command("show monitor-interface", priv=1, versions="7.x", spaces=frozenset({SINGLE, CONTEXT}),
         help={"monitor-interface": "Show monitored interface status"})
def show_monitor_interface(ctx: Ctx):
    """In multiple mode, inside a context: its interfaces and its failover group's states."""
    fo = ctx.system.feature(FailoverConfig)
    if fo.view is None:
        return
    hosts(ctx, fo, "  ", _state_word, space=ctx.system, head_indent="")      # 001's layout


STATE_HELP = {"state": "Show failover internal state information"}


@command("show failover state", priv=1, versions="7.0-7.2", help=STATE_HELP)
def show_failover_state_72(ctx: Ctx):
    """001's layout: each unit's role and state, the configuration and communication state,
    and the failure reasons."""
    fo = ctx.system.feature(FailoverConfig)
    view = fo.view
    if view and view.groups:                 # Active/Active: a line per failover group
        show_failover_state(ctx)
        return
    machine = view.machine if view else None
    mine, other = _names(fo)
    ctx.print("====My State====")
    ctx.print(f"{mine} | {_short(machine.state) if machine else 'Disabled'} |")
    ctx.print("====Other State====")
    ctx.print(f"{other} | {_short(machine.mate_state) if machine else 'Not Detected'} |")
    ctx.print("====Configuration State====")
    if machine and machine.state in ("Standby Ready", "Active") and machine.mate_state != NOT_DETECTED:
        ctx.print("      Sync Done" + ("" if machine.active else " - STANDBY"))
    ctx.print("====Communication State====")
    if view and view.mate_macs:
        ctx.print("      Mac set")
    ctx.print("=====Failed Reason=====")
    for label, key in (("My Fail Reason:", "this"), ("Other Fail Reason:", "other")):
        ctx.print(label)
        failure = view.unit_role.last_failure[key] if view else None
        if failure:
            ctx.print(f"      {failure[0]}")


def _short(state: str) -> str:
    """The word 7.2's state display has for a unit's state."""
    return "Standby" if state == "Standby Ready" else _state_word(state)


@command("show failover state", priv=1, versions="8.0-", help=STATE_HELP)
def show_failover_state(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    view = fo.view
    ctx.print("")
    ctx.print(f"{'':15}{'State':<15}{'Last Failure Reason':<25}Date/Time")
    roles = (list(view.groups.values()) or [view.unit_role]) if view else []
    for label, unit, key in (("This host  -", _names(fo)[0], "this"), ("Other host -", _names(fo)[1], "other")):
        ctx.print(f"{label:<15}{unit}")
        if view is None:
            ctx.print(f"{'':15}{'Disabled' if key == 'this' else 'Not Detected':<15}None")
        for role in roles:
            state = role.machine.state if key == "this" else role.machine.mate_state
            failure = role.last_failure[key]
            reason, when = (failure[0], moment_text(failure[1])) if failure else ("None", "")
            ctx.print(f"{'    ' + role.label:<15}{state:<15}{reason:<25}{when}".rstrip())
    ctx.print("")
    ctx.print("====Configuration State===")
    if view and view.machine.state in ("Standby Ready", "Active") and view.machine.mate_state != NOT_DETECTED:
        ctx.print("\tSync Done")
    ctx.print("====Communication State===")
    if view and view.mate_macs:
        ctx.print("\tMac set")
    ctx.print("")


@command("show failover interface", priv=1, versions="7.x",
         help={"interface": "Show failover interface information"})
def show_failover_interface(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    for name, hw in (link for link in (fo.lan_interface, fo.state_link) if link):
        address = fo.addresses.get(name)
        ctx.print(f"      interface {name} {hw}")                      # 001's layout
        if address is None:
            ctx.print("          System IP Address: 0.0.0.0 0.0.0.0")
            continue
        own, other = address.ends(fo.is_primary())
        ctx.print(f"          System IP Address: {address.address} {address.mask}")
        ctx.print(f"          My IP Address      : {own}")
        ctx.print(f"          Other IP Address   : {other}")
