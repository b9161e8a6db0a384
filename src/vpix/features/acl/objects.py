"""`object-group network|service|protocol|icmp-type` and their sub-modes (`network-object`,
`port-object`, `service-object`, `protocol-object`, `icmp-object`, `group-object`,
`description`), `no object-group`, `show object-group`. A change to a group reaches at once
every access list entry that names it."""

from __future__ import annotations

from typing import Callable

from vpix.cli.registry import command, mode
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.objects import (
    KINDS, SERVICE_PROTOCOLS, GroupRef, Hosts, Member, ObjectGroup, Ports, Service, icmp_type, port, protocol,
)
from vpix.features.acl import lists_of

_HELP = {
    "object-group": "Create an object group for use in access-list, etc",
    "network": "Specifies a group of host or subnet IP addresses",
    "service": "Specifies a group of TCP/UDP port specifications",
    "protocol": "Specifies a group of protocols",
    "icmp-type": "Specifies a group of ICMP types",
    "name": "object-group name",
    "tcp": "Specifies that the object-group contains TCP ports",
    "udp": "Specifies that the object-group contains UDP ports",
    "tcp-udp": "Specifies that the object-group contains both TCP and UDP ports",
    "network-object": "Configure a network object",
    "port-object": "Configure a port object",
    "service-object": "Configure a service object",
    "protocol-object": "Configure a protocol object",
    "icmp-object": "Configure an ICMP type object",
    "group-object": "Configure an object group as an object",
    "description": "Specify description text",
    "host": "Enter this keyword to specify a single host object",
    "eq": "Port equal to operand",
    "range": "Match only packets in the range of port numbers",
    "id": "Show an object group by its name",
    "text": "Up to 200 characters",
}


def _target(ctx: Ctx) -> ObjectGroup:
    return ctx.session.target


def _changed(ctx: Ctx) -> None:
    lists_of(ctx).regrouped(_target(ctx).name)


@command("object-group {network|protocol|icmp-type} <name:WORD>", mode="config", config=True, help=_HELP)
@command("object-group service <name:WORD> [{tcp|udp|tcp-udp}]", mode="config", config=True, help=_HELP)
def object_group(ctx: Ctx):
    kind = next(k for k in KINDS if ctx.args.get(k))
    proto = next((p for p in SERVICE_PROTOCOLS if ctx.args.get(p)), None)
    objects = lists_of(ctx).objects
    name = ctx.args["name"]
    group = objects.get(name)
    if group is None:
        group = objects[name] = ObjectGroup(kind, name, proto)
    elif group.kind != kind or group.proto != proto:
        raise CommandError(f"ERROR: object-group {name} already exists as a different type")
    ctx.session.enter(f"config-{kind}", group)


@command("no object-group <words:LINE>", mode="config", config=True, help=_HELP)
def no_object_group(ctx: Ctx):
    words = ctx.args["words"].split()
    if words[0].lower() in KINDS and len(words) > 1:
        words = words[1:]
    feature, name = lists_of(ctx), words[0]
    if name not in feature.objects:
        raise CommandError(f"ERROR: specified object group <{name}> not found")
    if feature.users_of(name):
        raise CommandError(f"Removing object-group ({name}) not allowed, it is being used.")
    del feature.objects[name]


def _members(spec: str, kind: str, member: Callable[[Ctx], Member]) -> None:
    """A member command of ``kind``'s sub-mode and its `no` form."""

    @command(spec, mode=f"config-{kind}", config=True, help=_HELP)
    def add(ctx: Ctx):
        _target(ctx).add(member(ctx))
        _changed(ctx)

    @command("no " + spec, mode=f"config-{kind}", config=True, help=_HELP)
    def remove(ctx: Ctx):
        if _target(ctx).remove(member(ctx)):
            _changed(ctx)


def _network(ctx: Ctx) -> Hosts:
    resolve = lists_of(ctx).resolve
    try:
        if "host" in ctx.args:
            return Hosts.host(resolve(ctx.args["host"]))
        return Hosts.network_mask(resolve(ctx.args["address"]), ctx.args["mask"])
    except ValueError:
        raise ctx.invalid("host" if "host" in ctx.args else "address") from None


def _port_object(ctx: Ctx) -> Ports:
    if _target(ctx).proto is None:
        raise ctx.invalid("op")
    low = port(ctx.args["low"].lower())
    high = port(ctx.args["high"].lower()) if "high" in ctx.args else 0
    if low is None:
        raise ctx.invalid("low")
    if high is None or ("high" in ctx.args and high < low):
        raise ctx.invalid("high")
    return Ports("range" if "high" in ctx.args else "eq", low, high)


def _service_object(ctx: Ctx) -> Service:
    if _target(ctx).proto is not None:
        raise ctx.invalid("proto")
    proto = protocol(ctx.args["proto"].lower())
    if proto is None:
        raise ctx.invalid("proto")
    words = ctx.args.get("ports", "").lower().split()
    if not words:
        return Service(proto)
    if proto not in (6, 17) or words[0] not in ("eq", "neq", "lt", "gt", "range") \
            or len(words) != (3 if words[0] == "range" else 2):
        raise ctx.invalid("ports")
    numbers = [port(w) for w in words[1:]]
    if None in numbers:
        raise ctx.invalid("ports")
    return Service(proto, Ports(words[0], numbers[0], numbers[1] if len(numbers) > 1 else 0))


def _number(lookup: Callable[[str], int | None], arg: str) -> Callable[[Ctx], int]:
    def member(ctx: Ctx) -> int:
        number = lookup(ctx.args[arg].lower())
        if number is None:
            raise ctx.invalid(arg)
        return number
    return member


_members("network-object host <host:WORD>", "network", _network)
_members("network-object <address:WORD> <mask:MASK>", "network", _network)
_members("port-object eq <low:WORD>", "service", _port_object)
_members("port-object range <low:WORD> <high:WORD>", "service", _port_object)
_members("service-object <proto:WORD> [<ports:LINE>]", "service", _service_object)
_members("protocol-object <proto:WORD>", "protocol", _number(protocol, "proto"))
_members("icmp-object <type:WORD>", "icmp-type", _number(icmp_type, "type"))


def _nested(ctx: Ctx) -> GroupRef:
    objects, group, name = lists_of(ctx).objects, _target(ctx), ctx.args["group"]
    other = objects.get(name)
    if other is None:
        raise CommandError(f"ERROR: specified object group <{name}> not found")
    if other.kind != group.kind or other.proto != group.proto or name == group.name or group.name in _reach(objects, name):
        raise ctx.invalid("group")
    return GroupRef(name)


def _reach(objects: dict[str, ObjectGroup], name: str) -> set[str]:
    """The groups ``name`` nests, however deep."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for inner in objects[todo.pop()].nests():
            if inner not in seen and inner in objects:
                seen.add(inner)
                todo.append(inner)
    return seen


for _kind in KINDS:
    mode(f"config-{_kind}", f"(config-{_kind})")
    _members("group-object <group:WORD>", _kind, _nested)

    @command("description <text:LINE>", mode=f"config-{_kind}", config=True, help=_HELP)
    def description(ctx: Ctx):
        _target(ctx).description = ctx.args["text"].strip()[:200]

    @command("no description [<text:LINE>]", mode=f"config-{_kind}", config=True, help=_HELP)
    def no_description(ctx: Ctx):
        _target(ctx).description = None


@command("show object-group [{network|service|protocol|icmp-type}]", priv=1, help=_HELP)
@command("show object-group id <name:WORD>", priv=1, help=_HELP)
def show_object_group(ctx: Ctx):
    feature = lists_of(ctx)
    kind = next((k for k in KINDS if ctx.args.get(k)), None)
    namer = feature.namer()
    for group in feature.objects.values():
        if kind in (None, group.kind) and ctx.args.get("name") in (None, group.name):
            for line in group.lines(namer):
                ctx.print(line)
