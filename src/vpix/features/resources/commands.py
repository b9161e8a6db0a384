"""`class`, `limit-resource`, `member`, `show resource allocation`, `show resource usage`."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import CONTEXT, SINGLE, SYSTEM
from vpix.features.contexts import ContextDef, Contexts
from vpix.features.forwarding import Forwarding
from vpix.features.logging import Logging
from vpix.features.resources import RATES, RESOURCES, ResourceClass, Resources, limit_value, system_limit

_HELP = {
    "class": "Configure a resource class",
    "name": "Name of the resource class",
    "limit-resource": "Configure a resource limit",
    "rate": "Limit the rate of a resource, per second",
    "kind": "all, asdm, conns, hosts, mac-addresses, ssh, telnet, xlates (rate: conns, fixups, syslogs)",
    "value": "A number (0: unlimited), or a percentage of the system limit (10%)",
    "member": "Assign the context to a resource class",
    "show": "Show running system information",
    "resource": "Show resource information",
    "allocation": "Show the resources the contexts are allocated",
    "detail": "Show the allocation of each context",
    "usage": "Show the resources the contexts use",
    "context": "Show a context's usage",
    "all": "Show every context's usage",
    "summary": "Show the usage of all contexts together",
    "system": "Show the usage of all contexts against the system limits",
}
_SEVEN_TWO = "7.2+"


def _resources(ctx: Ctx) -> Resources:
    return ctx.system.root.feature(Resources)


def _class(ctx: Ctx) -> ResourceClass:
    return ctx.session.target


def _follow(ctx: Ctx) -> None:
    """Every context takes its limits again, its data path with them."""
    for d in ctx.system.root.feature(Contexts).defs.values():
        d.space.resources_changed()
        d.space.feature(Forwarding).config_changed()


@command("class <name:WORD>", mode="config", versions=_SEVEN_TWO, config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def resource_class(ctx: Ctx):
    classes = _resources(ctx).classes
    name = ctx.args["name"]
    ctx.session.enter("config-class", classes.setdefault(name, ResourceClass(name)))


@command("no class <name:WORD>", mode="config", versions=_SEVEN_TWO, config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def no_resource_class(ctx: Ctx):
    name = ctx.args["name"]
    if name not in _resources(ctx).classes or name == "default":
        raise ctx.invalid("name")
    members = [d.name for d in ctx.system.feature(Contexts).defs.values() if d.member == name]
    if members:
        raise CommandError(f"ERROR: Class {name} is in use by context {members[0]}")
    del _resources(ctx).classes[name]
    _follow(ctx)


def _limits(ctx: Ctx) -> tuple[dict[str, str], str]:
    """The class's table the command names (rates or amounts), and the resource keyword."""
    cls = _class(ctx)
    names = RATES if ctx.args.get("rate") else RESOURCES
    resource = ctx.args["kind"].lower()
    if resource not in names:
        raise ctx.invalid("kind")
    return (cls.rates if ctx.args.get("rate") else cls.limits), resource


@command("limit-resource [rate] <kind:WORD> <value:WORD>", mode="config-class", versions=_SEVEN_TWO,
         config=True, help=_HELP)
def limit_resource(ctx: Ctx):
    table, resource = _limits(ctx)
    with_system_limit = resource == "all" or _resources(ctx).system_limit(resource) is not None
    value = limit_value(ctx.args["value"], with_system_limit and not ctx.args.get("rate"))
    if value is None:
        raise ctx.invalid("value")
    table[resource] = value
    _follow(ctx)


@command("no limit-resource [rate] <kind:WORD> [<value:WORD>]", mode="config-class", versions=_SEVEN_TWO,
         config=True, help=_HELP)
def no_limit_resource(ctx: Ctx):
    table, resource = _limits(ctx)
    table.pop(resource, None)
    _follow(ctx)


@command("member <name:WORD>", mode="config-ctx", versions=_SEVEN_TWO, config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def member(ctx: Ctx):
    name = ctx.args["name"]
    if name not in _resources(ctx).classes:
        raise ctx.invalid("name")
    d: ContextDef = ctx.session.target
    d.member = None if name == "default" else name
    _follow(ctx)


@command("no member [<name:WORD>]", mode="config-ctx", versions=_SEVEN_TWO, config=True,
         spaces=frozenset({SYSTEM}), help=_HELP)
def no_member(ctx: Ctx):
    ctx.session.target.member = None
    _follow(ctx)


# ---------------------------------------------------------------- show

# What `show resource` counts of a context, in its order: (label, resource keyword, a rate).
COUNTED = (("Syslogs [rate]", "syslogs", True), ("Conns", "conns", False), ("Xlates", "xlates", False),
           ("Hosts", "hosts", False), ("Conns [rate]", "conns", True))


def _counts(space) -> dict[str, tuple[int, int, int]]:
    """label -> (current, peak, denied) in a context, or a single-mode unit."""
    pipeline = space.feature(Forwarding).pipeline
    conns, nat = pipeline.conns, pipeline.nat
    denied = pipeline.quota_denied
    now = space.unit.clock.monotonic()
    syslogs, rate = space.feature(Logging).rate, pipeline.conn_rate
    return {"Syslogs [rate]": (syslogs.current(now), syslogs.peak, syslogs.denied),
            "Conns": (len(conns), conns.most_used, denied["conns"]),
            "Xlates": (len(nat), nat.most_used, denied["xlates"]),
            "Hosts": (len(conns.hosts), conns.most_hosts, denied["hosts"]),
            "Conns [rate]": (rate.current(now), rate.peak, rate.denied)}


@command("show resource allocation [detail]", versions=_SEVEN_TWO, spaces=frozenset({SYSTEM}), help=_HELP)
def show_resource_allocation(ctx: Ctx):
    resources = _resources(ctx)
    contexts = ctx.system.feature(Contexts).active()
    detail = ctx.args.get("detail")
    ctx.print(f"{'Resource':<24}{'Total':>11}{'% of Avail':>13}" + ("  Context" if detail else ""))
    for label, resource, rate in (("ASDM", "asdm", False), ("SSH", "ssh", False), ("Telnet", "telnet", False)) + COUNTED:
        limits = [(d.name, resources.limit(d.member, resource, rate)) for d in contexts]
        rows = [(name, [limit]) for name, limit in limits] if detail else []
        rows.append(("All Contexts" if detail else "", [limit for _, limit in limits]))
        for name, values in rows:
            total = "unlimited" if None in values or not values else str(sum(values))
            system = None if rate else resources.system_limit(resource)
            share = "N/A" if system is None or total == "unlimited" else f"{int(total) * 100 / system:.2f}%"
            ctx.print(f" {label:<23}{total:>11}{share:>13}" + (f"  {name}" if detail else ""))


@command("show resource usage [{all|summary|system}] [context <name:WORD>]", versions=_SEVEN_TWO,
         spaces=frozenset({SYSTEM, CONTEXT}), help=_HELP)
def show_resource_usage(ctx: Ctx):
    resources = _resources(ctx)
    contexts = ctx.system.root.feature(Contexts).active()
    if ctx.system.space == CONTEXT:
        contexts = [d for d in contexts if d.space is ctx.system]
    elif "name" in ctx.args:
        contexts = [d for d in contexts if d.name == ctx.args["name"]]
        if not contexts:
            raise ctx.invalid("name")
    ctx.print(f"{'Resource':<22}{'Current':>7}{'Peak':>13}{'Limit':>11}{'Denied':>14} Context")
    counted = {d.name: _counts(d.space) for d in contexts}
    capped = False
    for label, resource, rate in COUNTED:
        if ctx.args.get("summary") or ctx.args.get("system"):
            current, peak, denied = (sum(c[label][i] for c in counted.values()) for i in range(3))
            limit, who = None if rate else resources.system_limit(resource), "System"
            if ctx.args.get("summary"):
                limit, who = _combined(resources, contexts, resource, rate), "Summary"
                capped |= isinstance(limit, str) and limit.endswith("(S)")
            _usage_line(ctx, label, current, peak, limit, denied, who)
            continue
        for d in contexts:
            current, peak, denied = counted[d.name][label]
            _usage_line(ctx, label, current, peak, resources.limit(d.member, resource, rate), denied, d.name)
    if capped:
        ctx.print("S = System: Combined context limits exceed the system limit; the system limit is shown.")


@command("show resource usage", versions=_SEVEN_TWO, spaces=frozenset({SINGLE}), help=_HELP)
def show_resource_usage_single(ctx: Ctx):
    """A single-mode unit counts for itself, against the platform's limits."""
    ctx.print(f"{'Resource':<22}{'Current':>7}{'Peak':>13}{'Limit':>11}{'Denied':>14} Context")
    counted = _counts(ctx.system)
    for label, resource, rate in COUNTED:
        current, peak, denied = counted[label]
        limit = None if rate else system_limit(ctx.system.hw, resource)
        _usage_line(ctx, label, current, peak, limit, denied, "System")


def _combined(resources: Resources, contexts: list[ContextDef], resource: str, rate: bool) -> int | str | None:
    """The contexts' limits together, or the system's (marked) when they exceed it."""
    limits = [resources.limit(d.member, resource, rate) for d in contexts]
    system = None if rate else resources.system_limit(resource)
    if None not in limits and (system is None or sum(limits) <= system):
        return sum(limits)
    return None if system is None else f"{system}(S)"


def _usage_line(ctx: Ctx, label: str, current: int, peak: int, limit, denied: int, who: str) -> None:
    if current or peak or denied:
        shown = "N/A" if limit is None else limit
        ctx.print(f"{label:<22}{current:>7}{max(peak, current):>13}{shown:>11}{denied:>14} {who}")
