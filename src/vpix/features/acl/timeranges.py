"""`time-range NAME` with `absolute` and `periodic` lines: access list entries that name a
time range are in force only while it is, by the unit's clock (checked each minute)."""

from __future__ import annotations

from vpix.cli.registry import command, mode
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.timerange import BadRange, Periodic, TimeRange
from vpix.features.acl import lists_of

mode("config-time-range", "(config-time-range)")

_HELP = {
    "time-range": "Define time range entries",
    "name": "Time range name",
    "absolute": "Absolute time and date",
    "periodic": "Periodic time and date",
    "words": "start, end, or days and times",
}


@command("time-range <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def time_range(ctx: Ctx):
    ranges = lists_of(ctx).time_ranges
    target = ranges.setdefault(ctx.args["name"], TimeRange(ctx.args["name"]))
    ctx.session.enter("config-time-range", target)


@command("no time-range <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def no_time_range(ctx: Ctx):
    feature, name = lists_of(ctx), ctx.args["name"]
    if any(ace.time_range == name for acl in feature.lists.values() for ace in acl.aces):
        raise CommandError(f"ERROR: Time-range {name} is in use and cannot be removed")
    feature.time_ranges.pop(name, None)


@command("absolute <words:LINE>", mode="config-time-range", config=True, help=_HELP)
def absolute(ctx: Ctx):
    try:
        ctx.session.target.set_absolute(ctx.args["words"].split())
    except BadRange:
        raise ctx.invalid("words") from None
    lists_of(ctx).follow_time()


@command("no absolute [<words:LINE>]", mode="config-time-range", config=True, help=_HELP)
def no_absolute(ctx: Ctx):
    ctx.session.target.start = ctx.session.target.end = None
    lists_of(ctx).follow_time()


def _periodic(ctx: Ctx) -> Periodic:
    try:
        return Periodic.parse(ctx.args["words"].split())
    except BadRange:
        raise ctx.invalid("words") from None


@command("periodic <words:LINE>", mode="config-time-range", config=True, help=_HELP)
def periodic(ctx: Ctx):
    line = _periodic(ctx)
    if line not in ctx.session.target.periodic:
        ctx.session.target.periodic.append(line)
    lists_of(ctx).follow_time()


@command("no periodic <words:LINE>", mode="config-time-range", config=True, help=_HELP)
def no_periodic(ctx: Ctx):
    line = _periodic(ctx)
    if line in ctx.session.target.periodic:
        ctx.session.target.periodic.remove(line)
    lists_of(ctx).follow_time()
