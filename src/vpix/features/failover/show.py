"""`show failover` (7.x layout of the seed and REFERENCE.md) and `show failover history`."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.failover.machine import ACTIVE_STATES, NOT_DETECTED
from vpix.features.device.commands import clock_text
from vpix.features.failover import FailoverConfig
from vpix.features.interfaces import Interfaces

STATEFUL_OBJECTS = ["General", "sys cmd", "up time", "RPC services", "TCP conn", "UDP conn", "ARP tbl",
                    "Xlate_Timeout", "VPN IKE upd", "VPN IPSEC upd", "VPN CTCP upd", "VPN SDI upd",
                    "VPN DHCP upd"]


def _seconds(ms: int) -> str:
    return f"{ms} milliseconds" if ms < 1000 else f"{ms // 1000} seconds"


@command("show failover", priv=1, versions="7.x", help={"failover": "Show failover status"})
def show_failover(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    runtime = fo.runtime
    machine = runtime.machine if runtime else None
    on = fo.enabled and machine is not None and machine.enabled
    ctx.print(f"Failover {'On' if on else 'Off'}")
    unit_name = "Primary" if fo.primary is not False else "Secondary"
    ctx.print(f"Failover unit {unit_name}")
    if fo.lan_interface and fo.lan_enabled:
        iface = ctx.system.feature(Interfaces).by_hw(fo.lan_interface[1])
        up = "up" if iface and iface.line_up else "down"
        ctx.print(f"Failover LAN Interface: {fo.lan_interface[0]} {fo.lan_interface[1]} ({up})")
    else:
        ctx.print("Failover LAN Interface: N/A - Serial-based failover enabled")
    ctx.print(f"Unit Poll frequency {_seconds(fo.unit_poll.poll_ms)}, holdtime {_seconds(fo.unit_poll.hold_ms)}")
    ctx.print(f"Interface Poll frequency {_seconds(fo.interface_poll.poll_ms)}, "
              f"holdtime {_seconds(fo.interface_poll.hold_ms)}")
    ctx.print(f"Interface Policy {fo.interface_policy}")
    monitored = _monitored(ctx, fo)
    ctx.print(f"Monitored Interfaces {len(monitored)} of 250 maximum")
    if fo.replicate_http:
        ctx.print("failover replication http")
    if not on:
        return
    mate_version = runtime.mate_version or str(ctx.system.version)
    ctx.print(f"Version: Ours {ctx.system.version}, Mate {mate_version}")
    if runtime.last_failover is not None:
        ctx.print(f"Last Failover at: {clock_text(runtime.last_failover).split('.')[0].split(' ', 1)[0]} "
                  f"UTC {runtime.last_failover:%b} {runtime.last_failover.day} {runtime.last_failover.year}")
    mate_name = "Secondary" if unit_name == "Primary" else "Primary"
    now = ctx.system.unit.clock.monotonic()
    own_time = machine.active_time + (now - machine.active_since if machine.active_since is not None else 0)
    ctx.print(f"        This host: {unit_name} - {machine.state}")
    ctx.print(f"                Active time: {int(own_time)} (sec)")
    for iface in monitored:
        ctx.print(f"                  Interface {iface.nameif} ({_address(iface, fo, mine=True)}): "
                  f"{runtime.monitoring.status(iface.nameif)}")
    mate_state = machine.mate_state if machine.mate_state != NOT_DETECTED else "Not Detected"
    ctx.print(f"        Other host: {mate_name} - {mate_state}")
    ctx.print("                Active time: 0 (sec)" if mate_state not in ACTIVE_STATES else
              f"                Active time: {int(now - (runtime.mate_active_since or now))} (sec)")
    for iface in monitored:
        ctx.print(f"                  Interface {iface.nameif} ({_address(iface, fo, mine=False)}): "
                  f"{runtime.monitoring.mate_status.get(iface.nameif, 'Normal (Waiting)')}")
    ctx.print("")
    ctx.print("Stateful Failover Logical Update Statistics")
    if fo.state_link:
        link = ctx.system.feature(Interfaces).by_hw(fo.state_link[1])
        ctx.print(f"        Link : {fo.state_link[0]} {fo.state_link[1]} ({'up' if link and link.line_up else 'down'})")
    else:
        ctx.print("        Link : Unconfigured.")
    ctx.print("        Stateful Obj    xmit       xerr       rcv        rerr")
    for name in STATEFUL_OBJECTS:
        ctx.print(f"        {name:<16}0          0          0          0")
    ctx.print("")
    ctx.print("        Logical Update Queue Information")
    ctx.print("                        Cur     Max     Total")
    ctx.print("        Recv Q:         0       0       0")
    ctx.print("        Xmit Q:         0       0       0")


def _monitored(ctx: Ctx, fo: FailoverConfig):
    dedicated = {fo.lan_interface[0] if fo.lan_interface else None, fo.state_link[0] if fo.state_link else None}
    return [i for i in ctx.system.feature(Interfaces).named()
            if i.nameif not in dedicated and i.nameif not in fo.unmonitored]


def _address(iface, fo: FailoverConfig, mine: bool) -> str:
    """The address each unit holds on an interface: the active one or the standby one."""
    runtime = fo.runtime
    active_here = runtime.machine.active if runtime else True
    holds_active = active_here if mine else not active_here
    address = iface.ip if holds_active else (iface.standby or "0.0.0.0")
    return address or "0.0.0.0"


@command("show failover history", priv=1, versions="7.x", help={"history": "Show failover switching history"})
def show_failover_history(ctx: Ctx):
    fo = ctx.system.feature(FailoverConfig)
    ctx.print("==========================================================================")
    ctx.print("From State                 To State                   Reason")
    ctx.print("==========================================================================")
    if fo.runtime is None:
        return
    for change in fo.runtime.machine.history:
        when = ctx.system.now()
        ctx.print(f"{when:%H:%M:%S} UTC {when:%b} {when.day} {when.year}")
        ctx.print(f"{change.old:<27}{change.new:<27}{change.reason}")
        ctx.print("")
