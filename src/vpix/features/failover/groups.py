"""`failover group 1|2` in the system execution space (Active/Active failover) and the
commands of its sub-mode."""

from __future__ import annotations

from vpix.cli.registry import command, mode
from vpix.cli.session import CommandError, Ctx
from vpix.features import SYSTEM
from vpix.features.failover import (_HELP, FailoverConfig, FailoverGroup, interface_poll, policy_given,
                                    virtual_macs)
from vpix.features.interfaces.commands import hardware_interface
from vpix.features.license import Licensing

mode("config-fover-group", "(config-fover-group)")

SYSTEM_ONLY = frozenset({SYSTEM})
GROUP = "config-fover-group"

_GROUP_HELP = {
    **_HELP,
    "group": "Configure a failover group",
    "number": "Failover group number",
    "primary": "Prefer to be active on the primary unit",
    "secondary": "Prefer to be active on the secondary unit",
    "preempt": "Become active on the preferred unit when it becomes available",
    "delay": "Seconds to wait before preempting",
}


def _fo(ctx: Ctx) -> FailoverConfig:
    return ctx.system.feature(FailoverConfig)


def _group(ctx: Ctx) -> FailoverGroup:
    return ctx.session.target


@command("failover group <number:INT:1-2>", mode="config", versions="7.x", config=True, spaces=SYSTEM_ONLY,
         help=_GROUP_HELP)
def failover_group(ctx: Ctx):
    if ctx.system.feature(Licensing).running.failover != "Active/Active":
        raise CommandError("ERROR: Active/Active failover is not licensed on this platform")
    fo = _fo(ctx)
    number = ctx.args["number"]
    group = fo.groups.get(number)
    if group is None:
        group = fo.groups[number] = FailoverGroup(number, fo.defaults()[1])
    ctx.session.enter(GROUP, group)


@command("no failover group <number:INT:1-2>", mode="config", versions="7.x", config=True, spaces=SYSTEM_ONLY,
         help=_GROUP_HELP)
def no_failover_group(ctx: Ctx):
    from vpix.features.contexts import Contexts

    number = ctx.args["number"]
    members = [d.name for d in ctx.system.feature(Contexts).defs.values() if d.group == number]
    if members:
        raise CommandError(f"ERROR: Contexts {', '.join(members)} are in failover group {number}")
    _fo(ctx).groups.pop(number, None)


@command("primary", mode=GROUP, config=True, help=_GROUP_HELP)
def primary(ctx: Ctx):
    _group(ctx).secondary = False


@command("secondary", mode=GROUP, config=True, help=_GROUP_HELP)
def secondary(ctx: Ctx):
    _group(ctx).secondary = True


@command("preempt [<delay:INT:1-1200>]", mode=GROUP, config=True, help=_GROUP_HELP)
def preempt(ctx: Ctx):
    _group(ctx).preempt = ctx.args.get("delay", 0)


@command("no preempt [<delay:INT:1-1200>]", mode=GROUP, config=True, help=_GROUP_HELP)
def no_preempt(ctx: Ctx):
    _group(ctx).preempt = None


@command("replication http", mode=GROUP, config=True, help=_GROUP_HELP)
def replication_http(ctx: Ctx):
    _group(ctx).replicate_http = True


@command("no replication http", mode=GROUP, config=True, help=_GROUP_HELP)
def no_replication_http(ctx: Ctx):
    _group(ctx).replicate_http = False


@command("interface-policy <policy:WORD>", mode=GROUP, config=True, help=_GROUP_HELP)
def interface_policy(ctx: Ctx):
    _group(ctx).interface_policy = policy_given(ctx)


@command("no interface-policy [<policy:WORD>]", mode=GROUP, config=True, help=_GROUP_HELP)
def no_interface_policy(ctx: Ctx):
    _group(ctx).interface_policy = "1"


@command("polltime interface [msec] <poll:NUMBER> [holdtime <hold:NUMBER>]", mode=GROUP, config=True,
         help=_GROUP_HELP)
def polltime_interface(ctx: Ctx):
    _group(ctx).interface_poll = interface_poll(ctx)


@command("no polltime interface [msec] [<poll:NUMBER>] [holdtime [<hold:NUMBER>]]", mode=GROUP, config=True,
         help=_GROUP_HELP)
def no_polltime_interface(ctx: Ctx):
    _group(ctx).interface_poll = _fo(ctx).defaults()[1]


@command("mac address <hw:WORD> <active:WORD> <standby:WORD>", mode=GROUP, config=True, help=_GROUP_HELP)
def mac_address(ctx: Ctx):
    hw_id, macs = virtual_macs(ctx)
    _group(ctx).mac[hw_id] = macs


@command("no mac address <hw:WORD> [<active:WORD> <standby:WORD>]", mode=GROUP, config=True, help=_GROUP_HELP)
def no_mac_address(ctx: Ctx):
    _group(ctx).mac.pop(hardware_interface(ctx).hw_id, None)
